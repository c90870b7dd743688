#pragma once
// IPv6 header validation, extension-header walk and construction (RFC 8200).
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"
#include "stack/net/addr.h"

namespace slip::stack {

inline constexpr size_t kIpv6HeaderLen = 40;

struct Ipv6Header {
    uint16_t payload_len = 0;  // bytes after the fixed 40-byte header
    uint8_t next_header = 0;
    uint8_t hop_limit = 0;
    Ipv6Addr src;
    Ipv6Addr dst;
};

// Version and payload length against the bytes present (RFC 8200 §3).
Parsed<Ipv6Header> parse_ipv6(const uint8_t* p, size_t len);

// Where the upper-layer header starts after the extension headers.
struct Ipv6Upper {
    uint8_t protocol = 0;  // upper-layer next-header value
    uint16_t offset = 0;   // from the start of the payload (after the fixed header)
};

// RFC 8200 §4: walks Hop-by-Hop (first only), Destination Options and Routing headers,
// honouring option-type action bits (§4.2); a Fragment header, a Routing header with
// segments left, or No Next Header end the walk with a drop reason.
Parsed<Ipv6Upper> walk_ipv6_extensions(uint8_t next_header, const uint8_t* payload, size_t len);

void write_ipv6(uint8_t* p, const Ipv6Header& h);

}  // namespace slip::stack
