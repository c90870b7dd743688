#pragma once
// The Toeplitz hash of receive-side scaling (Microsoft's RSS specification, as NICs compute
// it): each set bit of the input, most significant first, XORs in the 32 key bits starting
// at its position. Table-driven: one 32-bit contribution per input byte position and byte
// value, built once, so a 4-tuple costs 12 (IPv4) or 36 (IPv6) lookups.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace slip::stack {

// Microsoft's key from the RSS verification suite; DPDK and most NICs default to it.
inline constexpr std::array<uint8_t, 40> kDefaultRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

class Toeplitz {
public:
    // Inputs up to 36 bytes (an IPv6 4-tuple). Allocates its table: not on the data path.
    explicit Toeplitz(const std::array<uint8_t, 40>& key = kDefaultRssKey);
    uint32_t hash(std::span<const uint8_t> input) const;
    const std::array<uint8_t, 40>& key() const { return m_key; }

    static constexpr size_t kMaxInput = 36;

private:
    std::array<uint8_t, 40> m_key;
    std::vector<uint32_t> m_table;  // [position * 256 + byte value]
};

}  // namespace slip::stack
