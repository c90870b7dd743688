#include "crypto/header_protection.h"

#include <immintrin.h>

#include <cstring>

namespace slip::crypto {
namespace {

// ---- AES (RFC 9001 §5.4.3) ------------------------------------------------------------

// AES latency is several cycles per round but throughput one per cycle: keep 8 independent
// blocks in flight so the pipeline stays full.
constexpr size_t kAesInterleave = 8;

struct RoundKeys {
    __m128i k[15];
    int rounds;
};

RoundKeys load_round_keys(const HpKey& key) {
    RoundKeys rk{};
    rk.rounds = key.rounds;
    for (int i = 0; i <= rk.rounds; ++i) {
        rk.k[i] = _mm_load_si128(reinterpret_cast<const __m128i*>(key.enc_keys.data() + 16 * i));
    }
    return rk;
}

void store_mask(HpMask& mask, __m128i block) {
    alignas(16) uint8_t out[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(out), block);
    std::memcpy(mask.data(), out, kHpMaskLen);
}

void aes_masks_x8(const RoundKeys& rk, const HpSample* in, HpMask* out) {
    __m128i b[kAesInterleave];
    for (size_t j = 0; j < kAesInterleave; ++j) {
        b[j] = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in[j].data())), rk.k[0]);
    }
    for (int r = 1; r < rk.rounds; ++r) {
        for (size_t j = 0; j < kAesInterleave; ++j) {
            b[j] = _mm_aesenc_si128(b[j], rk.k[r]);
        }
    }
    for (size_t j = 0; j < kAesInterleave; ++j) {
        store_mask(out[j], _mm_aesenclast_si128(b[j], rk.k[rk.rounds]));
    }
}

void aes_mask_one(const RoundKeys& rk, const HpSample& in, HpMask& out) {
    __m128i b = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data())), rk.k[0]);
    for (int r = 1; r < rk.rounds; ++r) {
        b = _mm_aesenc_si128(b, rk.k[r]);
    }
    store_mask(out, _mm_aesenclast_si128(b, rk.k[rk.rounds]));
}

#if defined(__VAES__) && defined(__AVX512F__)
// A round key in all four 128-bit lanes. The zero-masked form: GCC 12 flags the plain
// _mm512_broadcast_i32x4's undefined pass-through operand as maybe-uninitialized (-Werror).
inline __m512i broadcast_round_key(__m128i k) {
    return _mm512_maskz_broadcast_i32x4(__mmask16(0xffff), k);
}

// VAES: four blocks per 512-bit register, four registers in flight: 16 samples a step.
void aes_masks_x16_vaes(const RoundKeys& rk, const HpSample* in, HpMask* out) {
    __m512i b[4];
    for (size_t j = 0; j < 4; ++j) {
        b[j] = _mm512_xor_si512(_mm512_loadu_si512(in[4 * j].data()), broadcast_round_key(rk.k[0]));
    }
    for (int r = 1; r < rk.rounds; ++r) {
        const __m512i k = broadcast_round_key(rk.k[r]);
        for (size_t j = 0; j < 4; ++j) {
            b[j] = _mm512_aesenc_epi128(b[j], k);
        }
    }
    const __m512i last = broadcast_round_key(rk.k[rk.rounds]);
    for (size_t j = 0; j < 4; ++j) {
        alignas(64) uint8_t blocks[64];
        _mm512_store_si512(blocks, _mm512_aesenclast_epi128(b[j], last));
        for (size_t q = 0; q < 4; ++q) {
            std::memcpy(out[4 * j + q].data(), blocks + 16 * q, kHpMaskLen);
        }
    }
}
#endif

void aes_masks(const HpKey& key, std::span<const HpSample> samples, std::span<HpMask> masks) {
    const RoundKeys rk = load_round_keys(key);
    size_t i = 0;
    const size_t n = samples.size();
#if defined(__VAES__) && defined(__AVX512F__)
    for (; i + 16 <= n; i += 16) {
        aes_masks_x16_vaes(rk, &samples[i], &masks[i]);
    }
#endif
    for (; i + kAesInterleave <= n; i += kAesInterleave) {
        aes_masks_x8(rk, &samples[i], &masks[i]);
    }
    for (; i < n; ++i) {
        aes_mask_one(rk, samples[i], masks[i]);
    }
}

// ---- ChaCha20 (RFC 9001 §5.4.4, block function RFC 8439 §2.3) --------------------------

// One lane per sample: the 16 state words of 16 samples side by side, so each quarter round
// is a handful of vector adds, xors and rotates (GCC vector extensions: AVX-512 or AVX2).
constexpr size_t kLanes = 16;
typedef uint32_t Lanes __attribute__((vector_size(kLanes * sizeof(uint32_t))));

inline Lanes rotl(Lanes x, int n) {
    return (x << n) | (x >> (32 - n));
}

inline void quarter_round(Lanes& a, Lanes& b, Lanes& c, Lanes& d) {
    a += b;
    d = rotl(d ^ a, 16);
    c += d;
    b = rotl(b ^ c, 12);
    a += b;
    d = rotl(d ^ a, 8);
    c += d;
    b = rotl(b ^ c, 7);
}

// quarter_round's final `a` alone.
inline Lanes first_word_of_quarter_round(Lanes a, Lanes b, Lanes c, Lanes d) {
    a += b;
    d = rotl(d ^ a, 16);
    c += d;
    b = rotl(b ^ c, 12);
    return a + b;
}

uint32_t load_le32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Masks for up to kLanes samples; unused lanes compute garbage that is not stored.
void chacha_masks(const HpKey& key, const HpSample* in, HpMask* out, size_t count) {
    Lanes init[16];
    // RFC 8439 §2.3: "expand 32-byte k", key, block counter, nonce.
    const uint32_t constants[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    for (int w = 0; w < 4; ++w) {
        init[w] = Lanes{} + constants[w];
    }
    for (int w = 0; w < 8; ++w) {
        init[4 + w] = Lanes{} + load_le32(key.raw.data() + 4 * w);
    }
    for (int w = 12; w < 16; ++w) {
        init[w] = Lanes{};
    }
    for (size_t lane = 0; lane < count; ++lane) {
        for (int w = 0; w < 4; ++w) {
            init[12 + w][lane] = load_le32(in[lane].data() + 4 * w);  // counter, then nonce
        }
    }
    Lanes x[16];
    std::memcpy(x, init, sizeof(x));
    for (int round = 0; round < 10; ++round) {  // 20 rounds: 10 column + diagonal pairs
        quarter_round(x[0], x[4], x[8], x[12]);
        quarter_round(x[1], x[5], x[9], x[13]);
        quarter_round(x[2], x[6], x[10], x[14]);
        quarter_round(x[3], x[7], x[11], x[15]);
        if (round == 9) {
            // Last diagonal round: only words 0 and 1 reach the mask, and of each quarter
            // round only its first output: the other six quarter-round halves are skipped.
            x[0] = first_word_of_quarter_round(x[0], x[5], x[10], x[15]);
            x[1] = first_word_of_quarter_round(x[1], x[6], x[11], x[12]);
            break;
        }
        quarter_round(x[0], x[5], x[10], x[15]);
        quarter_round(x[1], x[6], x[11], x[12]);
        quarter_round(x[2], x[7], x[8], x[13]);
        quarter_round(x[3], x[4], x[9], x[14]);
    }
    // Only keystream bytes 0..4 are needed: words 0 and 1 of the block.
    const Lanes w0 = x[0] + init[0];
    const Lanes w1 = x[1] + init[1];
    for (size_t lane = 0; lane < count; ++lane) {
        const uint32_t a = w0[lane];
        out[lane] = {uint8_t(a), uint8_t(a >> 8), uint8_t(a >> 16), uint8_t(a >> 24), uint8_t(w1[lane])};
    }
}

}  // namespace

bool init_hp_key(const ImbManager& mgr, HpKey& key, AeadAlgorithm alg, std::span<const uint8_t> key_bytes) {
    key.valid = false;
    key.algorithm = alg;
    if (key_bytes.size() != aead_key_len(alg) || !mgr.ok()) {
        return false;
    }
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
    if (!key.valid || masks.size() < samples.size()) {
        return 0;
    }
    if (key.algorithm != AeadAlgorithm::chacha20_poly1305) {
        aes_masks(key, samples, masks);
        return samples.size();
    }
    for (size_t i = 0; i < samples.size(); i += kLanes) {
        const size_t count = samples.size() - i < kLanes ? samples.size() - i : kLanes;
        chacha_masks(key, &samples[i], &masks[i], count);
    }
    return samples.size();
}

const char* hp_aes_path() {
#if defined(__VAES__) && defined(__AVX512F__)
    return "VAES-512 x16 + AES-NI x8";
#else
    return "AES-NI x8";
#endif
}

}  // namespace slip::crypto
