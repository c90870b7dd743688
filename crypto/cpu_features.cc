#include "crypto/cpu_features.h"

#include <intel-ipsec-mb.h>

#include "crypto/header_protection.h"
#include "crypto/imb_manager.h"

namespace slip::crypto {
namespace {

const char* arch_name(IMB_ARCH arch) {
    switch (arch) {
        case IMB_ARCH_AVX512:
            return "AVX-512";
        case IMB_ARCH_AVX2:
            return "AVX2";
        case IMB_ARCH_AVX:
            return "AVX";
        case IMB_ARCH_SSE:
            return "SSE";
        case IMB_ARCH_NOAESNI:
            return "no AES-NI";
        default:
            return "none";
    }
}

}  // namespace

CpuCryptoPath detect_crypto_path() {
    return detect_crypto_path(process_simd_path().path, process_simd_path().forced);
}

CpuCryptoPath detect_crypto_path(SimdPath simd, bool forced) {
    CpuCryptoPath path;
    path.simd = simd;
    path.forced = forced;
    path.hp_aes = hp_kernels(simd).aes_name;
    path.hp_chacha = hp_kernels(simd).chacha_name;
    path.library_version = imb_get_version_str();
    const ImbManager mgr(simd, forced);
    if (!mgr.ok()) {
        path.arch = "none";
        return path;
    }
    path.arch = arch_name(mgr.arch());
    path.vaes = (mgr.get()->features & IMB_FEATURE_VAES) != 0 && mgr.arch() == IMB_ARCH_AVX512;
    path.aesni = (mgr.get()->features & IMB_FEATURE_AESNI) != 0;
    path.avx512 = mgr.arch() == IMB_ARCH_AVX512;
    return path;
}

std::string describe(const CpuCryptoPath& path) {
    std::string s = std::string("CPU path ") + simd_path_name(path.simd) + (path.forced ? " (forced)" : " (auto)") +
                    ": header protection " + path.hp_aes + ", " + path.hp_chacha + "; IPSec-MB " +
                    path.library_version + " " + path.arch + " path";
    if (path.vaes) {
        s += " with VAES/VPCLMULQDQ";
    }
    return s;
}

}  // namespace slip::crypto
