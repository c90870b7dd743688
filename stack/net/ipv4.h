#pragma once
// IPv4 header validation and construction (RFC 791, host requirements RFC 1122 §3.2.1).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "stack/base/byte_order.h"
#include "stack/base/parsed.h"
#include "stack/net/addr.h"
#include "stack/net/checksum.h"

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
// the request carried is not ours to echo, RFC 3168 §5). Inline, with the checksum summed
// from the values being written: patching it field by field (RFC 1624) was one serial
// chain of four folds, about a tenth of an echoed datagram's cost in the stack.
// The header's checksum must have been verified: when the request already carries what
// the reply needs (our TTL, DF, no ECN mark, the same length: an echo peer with the common
// default TTL of 64), only the addresses change places, and swapping two words of a sum
// leaves the sum, so the checksum stays as it is.
inline void turn_ipv4_header_around(uint8_t* p, uint8_t ttl, uint16_t total_len) {
    if ((p[1] & 0x03u) == 0 && load_be16(p + 2) == total_len && load_be16(p + 6) == kFlagDontFragment &&
        p[8] == ttl) {
        uint64_t addresses;
        std::memcpy(&addresses, p + 12, 8);
        addresses = std::rotl(addresses, 32);  // the two 4-byte halves change places
        std::memcpy(p + 12, &addresses, 8);
        return;
    }
    const uint16_t version_tos = uint16_t(load_be16(p) & ~0x0003u);  // DSCP kept, ECN cleared
    const uint16_t id = load_be16(p + 4);
    const uint16_t ttl_protocol = uint16_t(ttl << 8 | p[9]);
    const uint32_t src = load_be32(p + 12);
    const uint32_t dst = load_be32(p + 16);
    // Swapping the addresses leaves their words' sum as it was.
    const uint64_t sum = uint64_t(version_tos) + total_len + id + kFlagDontFragment + ttl_protocol + (src >> 16) +
                         (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu);
    store_be16(p, version_tos);
    store_be16(p + 2, total_len);
    store_be16(p + 6, kFlagDontFragment);
    store_be16(p + 8, ttl_protocol);
    store_be16(p + 10, uint16_t(~checksum_fold(sum)));
    store_be32(p + 12, dst);
    store_be32(p + 16, src);
}
// Recomputes the header checksum of a header already in place.
void refresh_ipv4_checksum(uint8_t* p, size_t header_len);

}  // namespace slip::stack
