#include "crypto/cpu_features.h"

#include <intel-ipsec-mb.h>

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
    CpuCryptoPath path;
    path.library_version = imb_get_version_str();
    IMB_MGR* mgr = alloc_mb_mgr(0);
    if (mgr == nullptr) {
        path.arch = "none";
        return path;
    }
    IMB_ARCH arch = IMB_ARCH_NONE;
    init_mb_mgr_auto(mgr, &arch);
    path.arch = arch_name(arch);
    path.vaes = (mgr->features & IMB_FEATURE_VAES) != 0 && arch == IMB_ARCH_AVX512;
    path.aesni = (mgr->features & IMB_FEATURE_AESNI) != 0;
    path.avx512 = arch == IMB_ARCH_AVX512;
    free_mb_mgr(mgr);
    return path;
}

std::string describe(const CpuCryptoPath& path) {
    std::string s = "IPSec-MB " + path.library_version + ", " + path.arch + " path";
    if (path.vaes) {
        s += " with VAES/VPCLMULQDQ";
    }
    return s;
}

}  // namespace slip::crypto
