#include "stack/net/toeplitz.h"

namespace slip::stack {

namespace {

// The 32 key bits starting at bit `bit` (bit 0: the most significant bit of key[0]).
uint32_t key_window(const std::array<uint8_t, 40>& key, size_t bit) {
    uint64_t v = 0;
    for (size_t i = 0; i < 5; ++i) {
        const size_t at = bit / 8 + i;
        v = (v << 8) | (at < key.size() ? key[at] : 0);
    }
    return uint32_t(v >> (8 - bit % 8));
}

}  // namespace

Toeplitz::Toeplitz(const std::array<uint8_t, 40>& key) : m_key(key), m_table(kMaxInput * 256) {
    for (size_t pos = 0; pos < kMaxInput; ++pos) {
        for (uint32_t value = 0; value < 256; ++value) {
            uint32_t h = 0;
            for (uint32_t b = 0; b < 8; ++b) {
                if ((value & (0x80u >> b)) != 0) {
                    h ^= key_window(key, pos * 8 + b);
                }
            }
            m_table[pos * 256 + value] = h;
        }
    }
}

uint32_t Toeplitz::hash(std::span<const uint8_t> input) const {
    uint32_t h = 0;
    const size_t n = input.size() < kMaxInput ? input.size() : kMaxInput;
    for (size_t pos = 0; pos < n; ++pos) {
        h ^= m_table[pos * 256 + input[pos]];
    }
    return h;
}

}  // namespace slip::stack
