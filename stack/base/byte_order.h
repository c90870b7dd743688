#pragma once
// Loads and stores of big-endian (network order) fields at any alignment.
// Wire headers are read through these instead of casting to packed structs, so an
// odd offset (IPv4 options, IPv6 extension headers) is never undefined behaviour.
#include <cstdint>
#include <cstring>

namespace slip::stack {

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
    // One swapped 16-bit store: written byte by byte, GCC merges neighbouring fields'
    // bytes with a shift-and-or chain per word instead.
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, 2);
}
inline void store_be32(uint8_t* p, uint32_t v) {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}

}  // namespace slip::stack
