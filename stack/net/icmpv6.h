#pragma once
// ICMPv6 (RFC 4443) and the Neighbor Discovery messages we speak (RFC 4861 §4.3, §4.4).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/parsed.h"
#include "stack/net/addr.h"

namespace slip::stack {

inline constexpr size_t kIcmpv6HeaderLen = 8;
inline constexpr size_t kNdMessageLen = 24;     // type..target, before options
inline constexpr size_t kNdLinkAddrOptionLen = 8;  // one link-layer address option for Ethernet
inline constexpr uint8_t kNdHopLimit = 255;

enum class Icmpv6Type : uint8_t {
    dest_unreachable = 1,
    echo_request = 128,
    echo_reply = 129,
    router_solicitation = 133,
    router_advertisement = 134,
    neighbor_solicitation = 135,
    neighbor_advertisement = 136,
};

inline constexpr uint8_t kIcmpv6CodePortUnreachable = 4;

struct Icmpv6Header {
    uint8_t type = 0;
    uint8_t code = 0;
};

// Length and checksum with the IPv6 pseudo-header (RFC 4443 §2.3). `sum_of_message` is
// the unfolded checksum_partial over the whole ICMPv6 message.
Parsed<Icmpv6Header> parse_icmpv6(const uint8_t* p, size_t len, const Ipv6Addr& src, const Ipv6Addr& dst,
                                  uint64_t sum_of_message);

struct NeighborMessage {
    Ipv6Addr target;
    std::optional<MacAddr> link_addr;  // source (NS) or target (NA) link-layer address option
    bool router = false;
    bool solicited = false;
    bool override_flag = false;
};

// RFC 4861 §7.1.1 / §7.1.2 checks that do not need interface state: code 0, length,
// option lengths non-zero and within the message, target not multicast.
Parsed<NeighborMessage> parse_neighbor_message(const uint8_t* p, size_t len);

// Writes an NS or NA with one link-layer address option (type 1 for NS, 2 for NA)
// and its checksum. Returns the message length (32 bytes).
size_t write_neighbor_message(uint8_t* p, Icmpv6Type type, const NeighborMessage& msg, const Ipv6Addr& src,
                              const Ipv6Addr& dst);

// Rewrites an echo request in place into its reply and recomputes the checksum (the
// reply's source differs from the request's destination when it was sent to multicast).
void echo6_request_to_reply(uint8_t* p, size_t len, const Ipv6Addr& reply_src, const Ipv6Addr& reply_dst);

// Writes a destination-unreachable header in front of `quoted_len` bytes at p + 8.
void write_icmpv6_unreachable(uint8_t* p, uint8_t code, size_t quoted_len, const Ipv6Addr& src,
                              const Ipv6Addr& dst);

}  // namespace slip::stack
