#pragma once
// The bodies of the header-protection kernels, included only by hp_kernels_<path>.cc, each
// compiled for its own ISA. Everything here has internal linkage (an unnamed namespace):
// every including file gets its own copy built for its own flags. The includer names its
// namespace (SLIP_HP_ISA, e.g. hp_avx512) so the symbols say which ISA each copy is for:
// scripts/check_isa.py allows wide instructions only in functions so named.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "crypto/hp_kernels.h"

#ifndef SLIP_HP_ISA
#error "define SLIP_HP_ISA (the kernel file's ISA namespace) before including hp_kernels_impl.h"
#endif

namespace slip::crypto::SLIP_HP_ISA {
namespace {

constexpr size_t kSampleStride = 16;
constexpr size_t kMaskStride = 5;

// ---- AES (RFC 9001 §5.4.3) ------------------------------------------------------------

struct RoundKeys {
    __m128i k[15];
    int rounds;
};

RoundKeys load_round_keys(const uint8_t* keys, int rounds) {
    RoundKeys rk{};
    rk.rounds = rounds;
    for (int i = 0; i <= rounds; ++i) {
        rk.k[i] = _mm_load_si128(reinterpret_cast<const __m128i*>(keys + 16 * i));
    }
    return rk;
}

void store_mask(uint8_t* mask, __m128i block) {
    alignas(16) uint8_t out[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(out), block);
    std::memcpy(mask, out, kMaskStride);
}

__m128i load_sample(const uint8_t* samples, size_t i) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(samples + kSampleStride * i));
}

// AES latency is several cycles per round but throughput one per cycle: keep 8 independent
// blocks in flight so the pipeline stays full.
constexpr size_t kAesInterleave = 8;

void aesni_x8(const RoundKeys& rk, const uint8_t* in, uint8_t* out) {
    __m128i b[kAesInterleave];
    for (size_t j = 0; j < kAesInterleave; ++j) {
        b[j] = _mm_xor_si128(load_sample(in, j), rk.k[0]);
    }
    for (int r = 1; r < rk.rounds; ++r) {
        for (size_t j = 0; j < kAesInterleave; ++j) {
            b[j] = _mm_aesenc_si128(b[j], rk.k[r]);
        }
    }
    for (size_t j = 0; j < kAesInterleave; ++j) {
        store_mask(out + kMaskStride * j, _mm_aesenclast_si128(b[j], rk.k[rk.rounds]));
    }
}

void aesni_one(const RoundKeys& rk, const uint8_t* in, uint8_t* out) {
    __m128i b = _mm_xor_si128(load_sample(in, 0), rk.k[0]);
    for (int r = 1; r < rk.rounds; ++r) {
        b = _mm_aesenc_si128(b, rk.k[r]);
    }
    store_mask(out, _mm_aesenclast_si128(b, rk.k[rk.rounds]));
}

// What the wide kernels leave over: 8 at a time, then one at a time.
void aesni_rest(const RoundKeys& rk, const uint8_t* samples, uint8_t* masks, size_t i, size_t n) {
    for (; i + kAesInterleave <= n; i += kAesInterleave) {
        aesni_x8(rk, samples + kSampleStride * i, masks + kMaskStride * i);
    }
    for (; i < n; ++i) {
        aesni_one(rk, samples + kSampleStride * i, masks + kMaskStride * i);
    }
}

[[maybe_unused]] void aes_masks_aesni(const uint8_t* keys, int rounds, const uint8_t* samples, uint8_t* masks, size_t n) {
    const RoundKeys rk = load_round_keys(keys, rounds);
    aesni_rest(rk, samples, masks, 0, n);
}

#if defined(__VAES__) && defined(__AVX2__)
// VAES on 256-bit registers (Zen 3 has VAES without AVX-512): two blocks per register, eight
// registers in flight, 16 samples a step.
void vaes256_x16(const RoundKeys& rk, const uint8_t* in, uint8_t* out) {
    constexpr size_t kRegs = 8;
    __m256i b[kRegs];
    const __m256i k0 = _mm256_broadcastsi128_si256(rk.k[0]);
    for (size_t j = 0; j < kRegs; ++j) {
        b[j] = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32 * j)), k0);
    }
    for (int r = 1; r < rk.rounds; ++r) {
        const __m256i k = _mm256_broadcastsi128_si256(rk.k[r]);
        for (size_t j = 0; j < kRegs; ++j) {
            b[j] = _mm256_aesenc_epi128(b[j], k);
        }
    }
    const __m256i last = _mm256_broadcastsi128_si256(rk.k[rk.rounds]);
    for (size_t j = 0; j < kRegs; ++j) {
        const __m256i blocks = _mm256_aesenclast_epi128(b[j], last);
        store_mask(out + kMaskStride * (2 * j), _mm256_castsi256_si128(blocks));
        store_mask(out + kMaskStride * (2 * j + 1), _mm256_extracti128_si256(blocks, 1));
    }
}

[[maybe_unused]] void aes_masks_vaes256(const uint8_t* keys, int rounds, const uint8_t* samples, uint8_t* masks, size_t n) {
    const RoundKeys rk = load_round_keys(keys, rounds);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vaes256_x16(rk, samples + kSampleStride * i, masks + kMaskStride * i);
    }
    aesni_rest(rk, samples, masks, i, n);
}
#endif

#if defined(__VAES__) && defined(__AVX512F__)
// A round key in all four 128-bit lanes. The zero-masked form: GCC 12 flags the plain
// _mm512_broadcast_i32x4's undefined pass-through operand as maybe-uninitialized (-Werror).
__m512i broadcast_round_key(__m128i k) {
    return _mm512_maskz_broadcast_i32x4(__mmask16(0xffff), k);
}

// VAES-512: four blocks per register, four registers in flight, 16 samples a step.
void vaes512_x16(const RoundKeys& rk, const uint8_t* in, uint8_t* out) {
    __m512i b[4];
    for (size_t j = 0; j < 4; ++j) {
        b[j] = _mm512_xor_si512(_mm512_loadu_si512(in + 64 * j), broadcast_round_key(rk.k[0]));
    }
    for (int r = 1; r < rk.rounds; ++r) {
        const __m512i k = broadcast_round_key(rk.k[r]);
        for (size_t j = 0; j < 4; ++j) {
            b[j] = _mm512_aesenc_epi128(b[j], k);
        }
    }
    const __m512i last = broadcast_round_key(rk.k[rk.rounds]);
    for (size_t j = 0; j < 4; ++j) {
        const __m512i blocks = _mm512_aesenclast_epi128(b[j], last);
        // Zero-masked extracts (GCC 12's _mm512_castsi512_si128 is an extract with an undefined
        // pass-through operand, flagged like the broadcast in broadcast_round_key).
        store_mask(out + kMaskStride * (4 * j), _mm512_maskz_extracti32x4_epi32(__mmask8(0xf), blocks, 0));
        store_mask(out + kMaskStride * (4 * j + 1), _mm512_maskz_extracti32x4_epi32(__mmask8(0xf), blocks, 1));
        store_mask(out + kMaskStride * (4 * j + 2), _mm512_maskz_extracti32x4_epi32(__mmask8(0xf), blocks, 2));
        store_mask(out + kMaskStride * (4 * j + 3), _mm512_maskz_extracti32x4_epi32(__mmask8(0xf), blocks, 3));
    }
}

[[maybe_unused]] void aes_masks_vaes512(const uint8_t* keys, int rounds, const uint8_t* samples, uint8_t* masks, size_t n) {
    const RoundKeys rk = load_round_keys(keys, rounds);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vaes512_x16(rk, samples + kSampleStride * i, masks + kMaskStride * i);
    }
    aesni_rest(rk, samples, masks, i, n);
}
#endif

// ---- ChaCha20 (RFC 9001 §5.4.4, block function RFC 8439 §2.3) --------------------------

// One lane per sample: the 16 state words of `Lanes` samples side by side, so each quarter
// round is a handful of vector adds, xors and rotates. The lane count matches the register
// width of the file's ISA (4: SSE, 8: AVX2, 16: AVX-512), so vectors never split or spill.
typedef uint32_t Words4 __attribute__((vector_size(16)));
typedef uint32_t Words8 __attribute__((vector_size(32)));
typedef uint32_t Words16 __attribute__((vector_size(64)));

// GCC applies vector_size to a typedef that depends on a template parameter only in some
// contexts: the types are spelled out per lane count instead.
template <size_t Lanes>
struct LaneTypes;
template <>
struct LaneTypes<4> {
    using Vec = Words4;
};
template <>
struct LaneTypes<8> {
    using Vec = Words8;
};
template <>
struct LaneTypes<16> {
    using Vec = Words16;
};

template <size_t Lanes>
struct ChaCha {
    using Vec = typename LaneTypes<Lanes>::Vec;

    static Vec rotl(Vec x, int n) { return (x << n) | (x >> (32 - n)); }

    // Byte i of each word takes byte (i - N/8) mod 4 of the same word: a rotation left by N.
    template <int N>
    struct RotateIndex {
        alignas(32) uint8_t bytes[32];
        constexpr RotateIndex() : bytes{} {
            for (int i = 0; i < 32; ++i) {
                bytes[i] = uint8_t((i & 0xc) + (((i & 3) - N / 8) & 3));  // VPSHUFB: per 128-bit half
            }
        }
    };

    // Rotations by 16 and 8 move whole bytes: one byte shuffle (PSHUFB) instead of two
    // shifts and an or, where the ISA has no rotate instruction (AVX-512 has VPROLD).
    template <int N>
    static Vec rotl_bytes(Vec x) {
        static constexpr RotateIndex<N> kIndex;
        if constexpr (Lanes == 4) {
            const __m128i idx = _mm_load_si128(reinterpret_cast<const __m128i*>(kIndex.bytes));
            return reinterpret_cast<Vec>(_mm_shuffle_epi8(reinterpret_cast<__m128i>(x), idx));
        } else if constexpr (Lanes == 8) {
            const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(kIndex.bytes));
            return reinterpret_cast<Vec>(_mm256_shuffle_epi8(reinterpret_cast<__m256i>(x), idx));
        } else {
            return rotl(x, N);
        }
    }

    static void quarter_round(Vec& a, Vec& b, Vec& c, Vec& d) {
        a += b;
        d = rotl_bytes<16>(d ^ a);
        c += d;
        b = rotl(b ^ c, 12);
        a += b;
        d = rotl_bytes<8>(d ^ a);
        c += d;
        b = rotl(b ^ c, 7);
    }

    // quarter_round's final `a` alone.
    static Vec first_word_of_quarter_round(Vec a, Vec b, Vec c, Vec d) {
        a += b;
        d = rotl_bytes<16>(d ^ a);
        c += d;
        b = rotl(b ^ c, 12);
        return a + b;
    }

    static uint32_t load_le32(const uint8_t* p) {
        return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    }

    // Masks for up to Lanes samples; unused lanes compute garbage that is not stored.
    static void masks(const uint8_t* key, const uint8_t* in, uint8_t* out, size_t count) {
        Vec init[16];
        // RFC 8439 §2.3: "expand 32-byte k", key, block counter, nonce.
        const uint32_t constants[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
        for (int w = 0; w < 4; ++w) {
            init[w] = Vec{} + constants[w];
        }
        for (int w = 0; w < 8; ++w) {
            init[4 + w] = Vec{} + load_le32(key + 4 * w);
        }
        for (int w = 12; w < 16; ++w) {
            init[w] = Vec{};
        }
        for (size_t lane = 0; lane < count; ++lane) {
            for (int w = 0; w < 4; ++w) {
                init[12 + w][lane] = load_le32(in + kSampleStride * lane + 4 * w);  // counter, then nonce
            }
        }
        Vec x[16];
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
        const Vec w0 = x[0] + init[0];
        const Vec w1 = x[1] + init[1];
        for (size_t lane = 0; lane < count; ++lane) {
            const uint32_t a = w0[lane];
            const uint8_t m[kMaskStride] = {uint8_t(a), uint8_t(a >> 8), uint8_t(a >> 16), uint8_t(a >> 24),
                                            uint8_t(w1[lane])};
            std::memcpy(out + kMaskStride * lane, m, kMaskStride);
        }
    }

    static void all(const uint8_t* key, const uint8_t* samples, uint8_t* out, size_t n) {
        for (size_t i = 0; i < n; i += Lanes) {
            const size_t count = n - i < Lanes ? n - i : Lanes;
            masks(key, samples + kSampleStride * i, out + kMaskStride * i, count);
        }
    }
};

}  // namespace
}  // namespace slip::crypto::SLIP_HP_ISA
