#pragma once
// Which SIMD code path Intel IPSec-MB picks on this CPU, for reports and benchmarks.
// crypto/ depends on nothing of ours: plain strings and integers out.
#include <cstdint>
#include <string>

namespace slip::crypto {

struct CpuCryptoPath {
    std::string library_version;  // IPSec-MB version string
    std::string arch;             // "AVX-512", "AVX2", "AVX", "SSE", "no AES-NI"
    bool vaes = false;            // vector AES (VAES + VPCLMULQDQ) in use
    bool aesni = false;
    bool avx512 = false;
};

// Initialises an IPSec-MB manager with automatic detection and reports its choice.
CpuCryptoPath detect_crypto_path();
std::string describe(const CpuCryptoPath& path);

}  // namespace slip::crypto
