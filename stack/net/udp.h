#pragma once
// UDP (RFC 768; over IPv6, RFC 8200 §8.1).
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"

namespace slip::stack {

inline constexpr size_t kUdpHeaderLen = 8;

struct UdpHeader {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint16_t length = 0;    // header + payload, from the length field
    uint16_t checksum = 0;  // as on the wire; 0 means "none" over IPv4
};

// Length field against the IP payload: below 8 or beyond it is malformed; shorter than
// the IP payload means trailing bytes that are not part of the datagram.
// The checksum is checked by the caller, which knows the pseudo-header.
Parsed<UdpHeader> parse_udp(const uint8_t* p, size_t ip_payload_len);

void write_udp(uint8_t* p, uint16_t src_port, uint16_t dst_port, uint16_t length, uint16_t checksum);

}  // namespace slip::stack
