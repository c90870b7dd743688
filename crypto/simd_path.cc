#include "crypto/simd_path.h"

#include <cpuid.h>

#include <cstdlib>
#include <mutex>

namespace slip::crypto {
namespace {

struct Leaf {
    unsigned a = 0, b = 0, c = 0, d = 0;
};

Leaf cpuid(unsigned leaf, unsigned sub) {
    Leaf r;
    if (__get_cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d) == 0) {
        return {};
    }
    return r;
}

bool bit(unsigned reg, int n) {
    return ((reg >> n) & 1u) != 0;
}

// XCR0: which register state the OS saves on a context switch. AVX needs XMM+YMM (bits 1, 2),
// AVX-512 also opmask, upper ZMM and high ZMM (bits 5, 6, 7) (Intel SDM vol. 1 §13.3).
uint64_t read_xcr0() {
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}

}  // namespace

const char* simd_path_name(SimdPath path) {
    switch (path) {
        case SimdPath::sse:
            return "sse";
        case SimdPath::avx2:
            return "avx2";
        case SimdPath::avx2_vaes:
            return "avx2-vaes";
        case SimdPath::avx512:
            return "avx512";
    }
    return "?";
}

std::optional<SimdPath> parse_simd_path(std::string_view name) {
    for (SimdPath p : kAllSimdPaths) {
        if (name == simd_path_name(p)) {
            return p;
        }
    }
    return std::nullopt;
}

CpuFeatures read_cpu_features() {
    CpuFeatures f;
    const Leaf l1 = cpuid(1, 0);
    f.ssse3 = bit(l1.c, 9);
    f.sse42 = bit(l1.c, 20);
    f.popcnt = bit(l1.c, 23);
    f.aesni = bit(l1.c, 25);
    f.pclmul = bit(l1.c, 1);
    const bool osxsave = bit(l1.c, 27);
    const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    const bool os_avx = (xcr0 & 0x6) == 0x6;
    const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;
    const bool avx = bit(l1.c, 28) && os_avx;
    const Leaf l7 = cpuid(7, 0);
    f.avx2 = avx && bit(l7.b, 5);
    f.vaes = avx && bit(l7.c, 9);
    f.vpclmulqdq = avx && bit(l7.c, 10);
    f.avx512f = os_avx512 && bit(l7.b, 16);
    f.avx512dq = os_avx512 && bit(l7.b, 17);
    f.avx512bw = os_avx512 && bit(l7.b, 30);
    f.avx512vl = os_avx512 && bit(l7.b, 31);
    return f;
}

std::string baseline_problem(const CpuFeatures& cpu) {
    std::string missing;
    const auto need = [&](bool has, const char* name) {
        if (!has) {
            missing += missing.empty() ? name : std::string(", ") + name;
        }
    };
    need(cpu.ssse3 && cpu.sse42 && cpu.popcnt, "x86-64-v2 (SSSE3, SSE4.2, POPCNT)");
    need(cpu.aesni, "AES-NI");
    need(cpu.pclmul, "PCLMULQDQ");
    if (missing.empty()) {
        return {};
    }
    return "this CPU lacks " + missing +
           ", which this build needs for packet crypto; run it on an x86-64-v2 CPU with AES-NI and PCLMULQDQ "
           "(every x86-64 server CPU since 2010 has them; in a VM, pass the host CPU's flags through)";
}

bool cpu_supports(const CpuFeatures& cpu, SimdPath path) {
    const bool base = baseline_problem(cpu).empty();
    switch (path) {
        case SimdPath::sse:
            return base;
        case SimdPath::avx2:
            return base && cpu.avx2;
        case SimdPath::avx2_vaes:
            return base && cpu.avx2 && cpu.vaes && cpu.vpclmulqdq;
        case SimdPath::avx512:
            return base && cpu.avx512f && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl && cpu.vaes &&
                   cpu.vpclmulqdq;
    }
    return false;
}

SimdPath best_simd_path(const CpuFeatures& cpu) {
    for (auto it = kAllSimdPaths.rbegin(); it != kAllSimdPaths.rend(); ++it) {
        if (cpu_supports(cpu, *it)) {
            return *it;
        }
    }
    return SimdPath::sse;
}

std::optional<SimdPath> choose_simd_path(const CpuFeatures& cpu, std::string_view request, std::string& error) {
    if (std::string problem = baseline_problem(cpu); !problem.empty()) {
        error = problem;
        return std::nullopt;
    }
    if (request.empty() || request == "auto") {
        return best_simd_path(cpu);
    }
    const std::optional<SimdPath> path = parse_simd_path(request);
    if (!path) {
        error = "unknown CPU path '" + std::string(request) +
                "': use auto, avx512, avx2-vaes, avx2 or sse (SLIP_CPU_PATH or --cpu-path)";
        return std::nullopt;
    }
    if (!cpu_supports(cpu, *path)) {
        error = "CPU path '" + std::string(request) + "' was asked for but this CPU lacks its instructions; the best it "
                "offers is '" + simd_path_name(best_simd_path(cpu)) + "' (unset SLIP_CPU_PATH or pick that)";
        return std::nullopt;
    }
    return path;
}

namespace {

// The process's one decision. CPU dispatch is process-wide by nature (IPSec-MB and DPDK keep
// theirs the same way); it is written once, before any crypto object exists, then only read.
struct Decision {
    std::once_flag once;
    ProcessSimdPath value;
};

Decision& decision() {
    static Decision d;
    return d;
}

}  // namespace

bool select_process_simd_path(std::string_view request, std::string& error) {
    Decision& d = decision();
    std::call_once(d.once, [&] {
        std::string req(request);
        if (req.empty()) {
            const char* env = std::getenv("SLIP_CPU_PATH");
            req = env != nullptr ? env : "";
        }
        const CpuFeatures cpu = read_cpu_features();
        std::string why;
        const std::optional<SimdPath> path = choose_simd_path(cpu, req, why);
        d.value.path = path ? *path : best_simd_path(cpu);
        d.value.forced = path && !req.empty() && req != "auto";
        d.value.error = why;
    });
    error = d.value.error;
    return error.empty();
}

const ProcessSimdPath& process_simd_path() {
    std::string ignored;
    select_process_simd_path({}, ignored);
    return decision().value;
}

}  // namespace slip::crypto
