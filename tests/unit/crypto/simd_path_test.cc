#include "crypto/simd_path.h"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "crypto/aead.h"
#include "crypto/cpu_features.h"
#include "crypto/imb_manager.h"

using namespace slip::crypto;

namespace slip::crypto {
std::ostream& operator<<(std::ostream& os, SimdPath p) {
    return os << simd_path_name(p);
}
}  // namespace slip::crypto

namespace {

// The crypto suites run once per SIMD path with SLIP_CPU_PATH set (tests/meson.build). On a
// CPU without that path the whole run is skipped, visibly: meson reports exit 77 as SKIP.
struct SkipPathsThisCpuLacks {
    SkipPathsThisCpuLacks() {
        const char* forced = std::getenv("SLIP_CPU_PATH");
        if (forced == nullptr || *forced == 0) {
            return;
        }
        const std::optional<SimdPath> path = parse_simd_path(forced);
        if (path && !cpu_supports(read_cpu_features(), *path)) {
            std::printf("skipped: this CPU lacks the %s path's instructions\n", forced);
            std::fflush(stdout);
            std::_Exit(77);
        }
    }
};

CpuFeatures baseline() {
    CpuFeatures f;
    f.ssse3 = f.sse42 = f.popcnt = f.aesni = f.pclmul = true;
    return f;
}

CpuFeatures zen3() {
    CpuFeatures f = baseline();
    f.avx2 = f.vaes = f.vpclmulqdq = true;
    return f;
}

CpuFeatures zen4() {
    CpuFeatures f = zen3();
    f.avx512f = f.avx512bw = f.avx512dq = f.avx512vl = true;
    return f;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(SkipPathsThisCpuLacks);

BOOST_AUTO_TEST_SUITE(simd_path)

BOOST_AUTO_TEST_CASE(names_round_trip) {
    for (SimdPath p : kAllSimdPaths) {
        BOOST_TEST((parse_simd_path(simd_path_name(p)) == p));
    }
    BOOST_TEST(!parse_simd_path("avx-512").has_value());
    BOOST_TEST(!parse_simd_path("").has_value());
}

BOOST_AUTO_TEST_CASE(best_path_per_cpu_class) {
    BOOST_TEST(simd_path_name(best_simd_path(baseline())) == std::string("sse"));
    CpuFeatures haswell = baseline();
    haswell.avx2 = true;
    BOOST_TEST(simd_path_name(best_simd_path(haswell)) == std::string("avx2"));
    BOOST_TEST(simd_path_name(best_simd_path(zen3())) == std::string("avx2-vaes"));
    BOOST_TEST(simd_path_name(best_simd_path(zen4())) == std::string("avx512"));
    // Skylake-X: AVX-512 without VAES runs the AVX2 kernels, not a 512-bit path without VAES.
    CpuFeatures skx = haswell;
    skx.avx512f = skx.avx512bw = skx.avx512dq = skx.avx512vl = true;
    BOOST_TEST(simd_path_name(best_simd_path(skx)) == std::string("avx2"));
}

BOOST_AUTO_TEST_CASE(bad_requests_get_one_clear_line) {
    std::string error;
    BOOST_TEST(!choose_simd_path(zen3(), "avx512", error).has_value());
    BOOST_TEST(error.find("lacks") != std::string::npos);
    BOOST_TEST(error.find("avx2-vaes") != std::string::npos);  // names what it can do instead
    error.clear();
    BOOST_TEST(!choose_simd_path(zen4(), "fastest", error).has_value());
    BOOST_TEST(error.find("unknown CPU path 'fastest'") != std::string::npos);
    CpuFeatures no_aes = zen3();
    no_aes.aesni = false;
    error.clear();
    BOOST_TEST(!choose_simd_path(no_aes, "", error).has_value());
    BOOST_TEST(error.find("AES-NI") != std::string::npos);
    BOOST_TEST(error.find('\n') == std::string::npos);
    error.clear();
    BOOST_TEST((choose_simd_path(zen4(), "avx2", error) == SimdPath::avx2));
    BOOST_TEST((choose_simd_path(zen4(), "auto", error) == SimdPath::avx512));
    BOOST_TEST(error.empty());
}

BOOST_AUTO_TEST_CASE(this_process_runs_the_forced_path) {
    const ProcessSimdPath& p = process_simd_path();
    BOOST_TEST(p.error.empty());
    const char* forced = std::getenv("SLIP_CPU_PATH");
    const CpuFeatures cpu = read_cpu_features();
    if (forced != nullptr && *forced != 0) {
        BOOST_TEST(simd_path_name(p.path) == std::string(forced));
        BOOST_TEST(p.forced);
    } else {
        BOOST_TEST(p.path == best_simd_path(cpu));
    }
    // IPSec-MB is forced to the matching path too, so the AEAD suites test that path.
    ImbManager mgr;
    BOOST_REQUIRE(mgr.ok());
    BOOST_TEST(mgr.simd_path() == p.path);
    if (p.forced) {
        const IMB_ARCH want = p.path == SimdPath::avx512 ? IMB_ARCH_AVX512
                              : p.path == SimdPath::sse  ? IMB_ARCH_SSE
                                                         : IMB_ARCH_AVX2;
        BOOST_TEST(mgr.arch() == want);
    }
    BOOST_TEST_MESSAGE(describe(detect_crypto_path()));
}

BOOST_AUTO_TEST_SUITE_END()
