#pragma once
// QUIC header protection masks (RFC 9001 §5.4), a whole burst per call.
//   AES (§5.4.3):      mask = AES-ECB(hp_key, sample), first 5 bytes
//   ChaCha20 (§5.4.4): counter = sample[0..3] little endian, nonce = sample[4..15],
//                      mask = ChaCha20(hp_key, counter, nonce, {0,0,0,0,0})
// The AEAD decides the header protection algorithm: AES-128-GCM -> AES-128,
// AES-256-GCM -> AES-256, ChaCha20-Poly1305 -> ChaCha20.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/aead.h"
#include "crypto/hp_kernels.h"
#include "crypto/imb_manager.h"
#include "crypto/simd_path.h"

namespace slip::crypto {

inline constexpr size_t kHpSampleLen = 16;
inline constexpr size_t kHpMaskLen = 5;
using HpSample = std::array<uint8_t, kHpSampleLen>;
using HpMask = std::array<uint8_t, kHpMaskLen>;

// AES: the encryption key schedule expanded by IPSec-MB (IMB_AES_KEYEXP_*), used directly
// by AES-NI/VAES (IPSec-MB 1.3 has no direct ECB call; its job API costs ~30 ns a block).
// ChaCha20: the raw 32-byte key.
struct alignas(64) HpKey {
    alignas(16) std::array<uint8_t, 15 * 16> enc_keys{};
    std::array<uint8_t, 32> raw{};
    AeadAlgorithm algorithm = AeadAlgorithm::aes128_gcm;
    uint8_t rounds = 0;  // AES rounds: 10 or 14
    bool valid = false;
    // The kernels of the manager's SIMD path (simd_path.h), fixed when the key is made.
    const HpKernels* kernels = nullptr;
};

// Not on the packet path. False (key.valid false) on a wrong key size or no manager.
bool init_hp_key(const ImbManager& mgr, HpKey& key, AeadAlgorithm alg, std::span<const uint8_t> key_bytes);

// masks[i] = mask for samples[i]. Returns how many masks were written: samples.size(), or 0
// when the key is not valid or masks is shorter than samples.
size_t compute_masks(const HpKey& key, std::span<const HpSample> samples, std::span<HpMask> masks);

// The kernels each SIMD path uses; hp_kernels(mgr.simd_path()) is what compute_masks runs
// for keys made with mgr.
const HpKernels& hp_kernels(SimdPath path);

}  // namespace slip::crypto
