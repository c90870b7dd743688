#include "crypto/header_protection.h"

#include <cstring>

namespace slip::crypto {

const HpKernels& hp_kernels(SimdPath path) {
    switch (path) {
        case SimdPath::avx512:
            return hp_kernels_avx512();
        case SimdPath::avx2_vaes:
            return hp_kernels_avx2_vaes();
        case SimdPath::avx2:
            return hp_kernels_avx2();
        case SimdPath::sse:
            break;
    }
    return hp_kernels_sse();
}

bool init_hp_key(const ImbManager& mgr, HpKey& key, AeadAlgorithm alg, std::span<const uint8_t> key_bytes) {
    key.valid = false;
    key.algorithm = alg;
    if (key_bytes.size() != aead_key_len(alg) || !mgr.ok()) {
        return false;
    }
    key.kernels = &hp_kernels(mgr.simd_path());
    key.raw.fill(0);
    std::memcpy(key.raw.data(), key_bytes.data(), key_bytes.size());
    alignas(16) uint8_t dec_keys[15 * 16];
    if (alg == AeadAlgorithm::aes128_gcm) {
        IMB_AES_KEYEXP_128(mgr.get(), key_bytes.data(), key.enc_keys.data(), dec_keys);
        key.rounds = 10;
    } else if (alg == AeadAlgorithm::aes256_gcm) {
        IMB_AES_KEYEXP_256(mgr.get(), key_bytes.data(), key.enc_keys.data(), dec_keys);
        key.rounds = 14;
    }
    key.valid = imb_get_errno(mgr.get()) == 0;
    return key.valid;
}

size_t compute_masks(const HpKey& key, std::span<const HpSample> samples, std::span<HpMask> masks) {
    if (!key.valid || key.kernels == nullptr || masks.size() < samples.size()) {
        return 0;
    }
    // HpSample and HpMask are byte arrays without padding: the kernels walk them as
    // 16- and 5-byte strides.
    static_assert(sizeof(HpSample) == kHpSampleLen && sizeof(HpMask) == kHpMaskLen);
    const uint8_t* in = samples.empty() ? nullptr : samples[0].data();
    uint8_t* out = masks.empty() ? nullptr : masks[0].data();
    if (key.algorithm == AeadAlgorithm::chacha20_poly1305) {
        key.kernels->chacha(key.raw.data(), in, out, samples.size());
    } else {
        key.kernels->aes(key.enc_keys.data(), key.rounds, in, out, samples.size());
    }
    return samples.size();
}

}  // namespace slip::crypto
