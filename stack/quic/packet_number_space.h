#pragma once
// QUIC's three packet number spaces (RFC 9000 §12.3): Initial, Handshake and Application
// Data (0-RTT and 1-RTT share the last). Each has its own packet numbers, acknowledgments
// and loss recovery state (RFC 9002 §3), and times here are nanoseconds the caller hands
// in (sans-I/O: nothing in stack/quic reads a clock).
#include <cstddef>
#include <cstdint>

#include "stack/quic/packet_header.h"

namespace slip::stack::quic {

enum class PacketNumberSpace : uint8_t { initial = 0, handshake = 1, application = 2 };
inline constexpr size_t kPacketNumberSpaceCount = 3;

constexpr size_t index_of(PacketNumberSpace s) { return static_cast<size_t>(s); }

// RFC 9000 §12.3: the space a packet of `t` belongs to (Retry and Version Negotiation have
// no packet number; they map to Initial, which the caller never asks for).
constexpr PacketNumberSpace space_of(PacketType t) {
    return t == PacketType::handshake                                ? PacketNumberSpace::handshake
           : t == PacketType::one_rtt || t == PacketType::zero_rtt ? PacketNumberSpace::application
                                                                     : PacketNumberSpace::initial;
}

// Time in nanoseconds, on the caller's monotonic clock.
inline constexpr uint64_t kNanosPerMicro = 1000;
inline constexpr uint64_t kNanosPerMilli = 1000 * 1000;
// "No deadline": a timer that is not armed.
inline constexpr uint64_t kNoDeadline = UINT64_MAX;

}  // namespace slip::stack::quic
