#pragma once
// Which SIMD code paths the process runs: its own (simd_path.h) and the one Intel IPSec-MB
// picks, for the start-up line, reports and benchmarks. Plain strings and integers out.
#include <cstdint>
#include <string>

#include "crypto/simd_path.h"

namespace slip::crypto {

struct CpuCryptoPath {
    SimdPath simd = SimdPath::sse;  // the kernels of our own (header protection)
    bool forced = false;            // named by SLIP_CPU_PATH / --cpu-path
    std::string hp_aes, hp_chacha;  // the header-protection kernels of that path
    std::string library_version;  // IPSec-MB version string
    std::string arch;             // "AVX-512", "AVX2", "AVX", "SSE", "no AES-NI"
    bool vaes = false;            // vector AES (VAES + VPCLMULQDQ) in use
    bool aesni = false;
    bool avx512 = false;
};

// Initialises an IPSec-MB manager for `path` (default: the process's) and reports the choices.
CpuCryptoPath detect_crypto_path();
CpuCryptoPath detect_crypto_path(SimdPath path, bool forced);
std::string describe(const CpuCryptoPath& path);

}  // namespace slip::crypto
