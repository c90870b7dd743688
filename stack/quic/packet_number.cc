#include "stack/quic/packet_number.h"

#include <bit>

namespace slip::stack::quic {

size_t packet_number_length(PacketNumber pn, PacketNumber largest_acked, bool has_acked) {
    // The number of packets in flight, counting the new one; with nothing acknowledged the
    // whole range from 0 (RFC 9000 A.2: num_unacked = full_pn + 1).
    uint64_t unacked = has_acked ? pn.raw() - largest_acked.raw() : pn.raw() + 1;
    unacked = unacked == 0 ? 1 : unacked;
    // Twice the range must be representable: ceil(log2(2 * unacked)) bits, in whole bytes.
    const unsigned bits = unsigned(std::bit_width(2 * unacked - 1));
    const size_t bytes = (bits + 7) / 8;
    return bytes > 4 ? 4 : bytes;
}

PacketNumber decode_packet_number(PacketNumber largest, bool has_largest, uint64_t truncated, unsigned bits) {
    const uint64_t expected = has_largest ? largest.raw() + 1 : 0;
    const uint64_t win = uint64_t(1) << bits;
    const uint64_t hwin = win / 2;
    const uint64_t mask = win - 1;
    // The candidate closest to the expected number, in the window around it (A.3).
    const uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + hwin <= expected && candidate < (uint64_t(1) << 62) - win) {
        return PacketNumber(candidate + win);
    }
    if (candidate > expected + hwin && candidate >= win) {
        return PacketNumber(candidate - win);
    }
    return PacketNumber(candidate);
}

}  // namespace slip::stack::quic
