#pragma once
// IPv4 header validation and construction (RFC 791, host requirements RFC 1122 §3.2.1).
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"
#include "stack/net/addr.h"

namespace slip::stack {

inline constexpr size_t kIpv4MinHeaderLen = 20;
// The flags/fragment-offset word (RFC 791 §3.1).
inline constexpr uint16_t kFlagMoreFragments = 0x2000;
inline constexpr uint16_t kFlagDontFragment = 0x4000;
inline constexpr uint16_t kFragmentOffsetMask = 0x1fff;

enum class IpProtocol : uint8_t {
    hop_by_hop = 0,
    icmp = 1,
    tcp = 6,
    udp = 17,
    ipv6_routing = 43,
    ipv6_fragment = 44,
    esp = 50,
    ah = 51,
    icmpv6 = 58,
    ipv6_no_next = 59,
    ipv6_dest_opts = 60,
};

struct Ipv4Header {
    uint8_t header_len = 0;   // bytes, IHL * 4
    uint16_t total_len = 0;   // bytes, header included
    uint16_t id = 0;
    uint8_t ttl = 0;
    uint8_t protocol = 0;
    Ipv4Addr src;
    Ipv4Addr dst;
};

struct Ipv4ParseOptions {
    // The NIC already checked the header checksum.
    bool checksum_verified = false;
};

// RFC 791 §3.1 / RFC 1122 §3.2.1: version, IHL, total length against the bytes present,
// header checksum, fragments (not reassembled yet), TTL. Address checks are the caller's.
Parsed<Ipv4Header> parse_ipv4(const uint8_t* p, size_t len, Ipv4ParseOptions opts = {});

// Writes a 20-byte header (no options, DF set) and its checksum.
void write_ipv4(uint8_t* p, const Ipv4Header& h);
// Turns a received 20-byte header around in place for a reply from the same buffer:
// addresses swapped, our TTL, the reply's total length, DF set (the reply is atomic, so
// the request's identification may stay, RFC 6864 §4) and the ECN bits cleared (a mark
// the request carried is not ours to echo, RFC 3168 §5); the checksum is patched for
// the words that changed (RFC 1624), swapping addresses leaves it as it was.
void turn_ipv4_header_around(uint8_t* p, uint8_t ttl, uint16_t total_len);
// Recomputes the header checksum of a header already in place.
void refresh_ipv4_checksum(uint8_t* p, size_t header_len);

}  // namespace slip::stack
