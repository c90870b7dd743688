#pragma once
// QUIC packet numbers (RFC 9000 §12.3, §17.1): 0 to 2^62 - 1 per packet number space,
// never reused, sent truncated to 1-4 bytes and recovered by the receiver from the largest
// it has seen. A strong type, so that a packet number is not mixed up with an offset or a
// count; unlike TCP's sequence numbers they do not wrap (a connection ends before 2^62).
#include <compare>
#include <cstddef>
#include <cstdint>

namespace slip::stack::quic {

class PacketNumber {
public:
    static constexpr uint64_t kMax = (uint64_t(1) << 62) - 1;

    constexpr PacketNumber() = default;
    constexpr explicit PacketNumber(uint64_t v) : m_v(v) {}
    constexpr uint64_t raw() const { return m_v; }

    constexpr PacketNumber next() const { return PacketNumber(m_v + 1); }
    constexpr bool operator==(const PacketNumber&) const = default;
    constexpr auto operator<=>(const PacketNumber&) const = default;

private:
    uint64_t m_v = 0;
};

// RFC 9000 §17.1 and A.2: the bytes (1-4) to send `pn` in, so that a receiver whose largest
// acknowledged is `largest_acked` (none yet: `has_acked` false) recovers it: twice the
// unacknowledged range must fit, rounded up to whole bytes.
size_t packet_number_length(PacketNumber pn, PacketNumber largest_acked, bool has_acked);

// RFC 9000 A.3: the full packet number from the `bits`-bit truncated value `truncated`,
// given the largest packet number received so far in the space (`has_largest` false: none).
PacketNumber decode_packet_number(PacketNumber largest, bool has_largest, uint64_t truncated, unsigned bits);

}  // namespace slip::stack::quic
