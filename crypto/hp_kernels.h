#pragma once
// Header-protection mask kernels, one table per SIMD path. Each table lives in its own
// translation unit compiled for its own ISA (hp_kernels_<path>.cc, flags in meson.build);
// the code they share comes from hp_kernels_impl.h with internal linkage, so no inline
// function compiled for a wider ISA can be picked by the linker for a narrower caller.
// Plain pointers and sizes only: samples are 16 bytes apart, masks 5 bytes apart.
#include <cstddef>
#include <cstdint>

namespace slip::crypto {

struct HpKernels {
    // AES-ECB of each sample under the expanded encryption keys (rounds + 1 keys of 16 bytes,
    // 16-byte aligned); the first 5 bytes of each block go to masks (RFC 9001 §5.4.3).
    void (*aes)(const uint8_t* round_keys, int rounds, const uint8_t* samples, uint8_t* masks, size_t n);
    // ChaCha20 block of each sample as counter and nonce under a 32-byte key; keystream
    // bytes 0..4 go to masks (RFC 9001 §5.4.4).
    void (*chacha)(const uint8_t* key, const uint8_t* samples, uint8_t* masks, size_t n);
    const char* aes_name;
    const char* chacha_name;
};

const HpKernels& hp_kernels_sse();        // AES-NI x8, ChaCha20 4 lanes (SSSE3)
const HpKernels& hp_kernels_avx2();       // AES-NI x8, ChaCha20 8 lanes
const HpKernels& hp_kernels_avx2_vaes();  // VAES-256 x16, ChaCha20 8 lanes
const HpKernels& hp_kernels_avx512();     // VAES-512 x16, ChaCha20 16 lanes

}  // namespace slip::crypto
