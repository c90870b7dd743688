#pragma once
// The SIMD code path of this process, chosen once from CPUID (or forced for tests and
// comparisons), the way IPSec-MB's init_mb_mgr_auto and DPDK's RTE_CPUFLAG checks choose.
//
// The build targets x86-64-v2; everything wider lives in kernels compiled for their own ISA
// (crypto/hp_kernels_*.cc) and is reached only through the path chosen here. The baseline
// needs AES-NI and PCLMULQDQ on top of x86-64-v2: a CPU without them is refused at start.
//
//   avx512     AVX-512 (F, BW, DQ, VL) + VAES + VPCLMULQDQ
//   avx2-vaes  AVX2 + VAES + VPCLMULQDQ (Zen 3 class)
//   avx2       AVX2 + AES-NI
//   sse        x86-64-v2 + AES-NI + PCLMULQDQ
//
// SLIP_CPU_PATH=<name> (or the application's option) forces a path; forcing one the CPU
// lacks is an error, never a silent fallback.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slip::crypto {

enum class SimdPath : uint8_t { sse, avx2, avx2_vaes, avx512 };

inline constexpr std::array<SimdPath, 4> kAllSimdPaths = {SimdPath::sse, SimdPath::avx2, SimdPath::avx2_vaes,
                                                          SimdPath::avx512};

const char* simd_path_name(SimdPath path);
std::optional<SimdPath> parse_simd_path(std::string_view name);

// What the CPU (and the OS, for the wider register state) offers.
struct CpuFeatures {
    bool sse42 = false, popcnt = false, ssse3 = false;  // x86-64-v2 (with cx16, lahf)
    bool aesni = false, pclmul = false;
    bool avx2 = false, vaes = false, vpclmulqdq = false;
    bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
};
CpuFeatures read_cpu_features();

// Empty when the CPU can run the build at all; otherwise one line naming what is missing.
std::string baseline_problem(const CpuFeatures& cpu);
bool cpu_supports(const CpuFeatures& cpu, SimdPath path);
SimdPath best_simd_path(const CpuFeatures& cpu);

// `request`: "" or "auto" for the best path, else a path name. On failure returns nullopt
// and sets `error` to one line: what, why, how to fix.
std::optional<SimdPath> choose_simd_path(const CpuFeatures& cpu, std::string_view request, std::string& error);

// The process's path: set once at start by the application (select_process_simd_path), or
// on first use from SLIP_CPU_PATH and CPUID. Read by every ImbManager, so every crypto
// object of the process uses one path.
struct ProcessSimdPath {
    SimdPath path = SimdPath::sse;
    bool forced = false;  // named by SLIP_CPU_PATH or the option, not picked automatically
    std::string error;    // set when the request could not be honoured (path stays usable)
};
// Chooses the process path from `request` (empty: SLIP_CPU_PATH, then CPUID). Only the first
// call decides; later calls return the decision. Returns false with `error` set when the
// baseline is missing or the request cannot be honoured.
bool select_process_simd_path(std::string_view request, std::string& error);
const ProcessSimdPath& process_simd_path();

}  // namespace slip::crypto
