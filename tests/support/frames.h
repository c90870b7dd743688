#pragma once
// Builders for test frames: correct by default, every field overridable, so a test
// states only the one thing it breaks.
#include <cstdint>
#include <vector>

#include "stack/net/addr.h"

namespace slip::test {

using Bytes = std::vector<uint8_t>;

inline const stack::MacAddr kEngineMac{{0x02, 0, 0, 0, 0, 0x02}};
inline const stack::MacAddr kPeerMac{{0x02, 0, 0, 0, 0, 0x01}};
inline const stack::Ipv4Addr kEngineIp = stack::Ipv4Addr::from_octets(10, 0, 0, 2);
inline const stack::Ipv4Addr kPeerIp = stack::Ipv4Addr::from_octets(10, 0, 0, 1);
stack::Ipv6Addr engine_ip6();  // fd00::2
stack::Ipv6Addr peer_ip6();    // fd00::1

Bytes make_ethernet(const stack::MacAddr& dst, const stack::MacAddr& src, uint16_t ethertype, const Bytes& payload);

struct Ipv4Fields {
    stack::Ipv4Addr src = kPeerIp;
    stack::Ipv4Addr dst = kEngineIp;
    uint8_t protocol = 17;
    uint8_t ttl = 64;
    uint16_t frag = 0x4000;  // DF
    Bytes options;           // appended to the 20-byte header; IHL follows
    bool bad_checksum = false;
};
Bytes make_ipv4(const Ipv4Fields& f, const Bytes& payload);

Bytes make_ipv6(const stack::Ipv6Addr& src, const stack::Ipv6Addr& dst, uint8_t next_header, uint8_t hop_limit,
           const Bytes& payload);

// UDP header + payload with a correct checksum over the given pseudo-header.
Bytes make_udp4(stack::Ipv4Addr src, stack::Ipv4Addr dst, uint16_t sport, uint16_t dport, const Bytes& payload);
Bytes make_udp6(const stack::Ipv6Addr& src, const stack::Ipv6Addr& dst, uint16_t sport, uint16_t dport,
           const Bytes& payload);

Bytes make_icmp_echo(uint8_t type, uint16_t id, uint16_t seq, const Bytes& payload);
Bytes make_icmpv6(const stack::Ipv6Addr& src, const stack::Ipv6Addr& dst, uint8_t type, uint8_t code, const Bytes& body);

Bytes make_arp(uint16_t op, const stack::MacAddr& sha, stack::Ipv4Addr spa, const stack::MacAddr& tha,
          stack::Ipv4Addr tpa);

// IPv6 extension headers (RFC 8200 §4). An options header (Hop-by-Hop, Destination
// Options, §4.2) gets `options` padded with Pad1/PadN to a multiple of 8 octets.
Bytes make_ipv6_options_header(uint8_t next_header, const Bytes& options);
// Routing header (§4.4): type and segments left, then `data` zero-padded to a multiple of 8.
Bytes make_ipv6_routing_header(uint8_t next_header, uint8_t routing_type, uint8_t segments_left,
                               const Bytes& data = {});
// Fragment header (§4.5); offset in 8-octet units.
Bytes make_ipv6_fragment_header(uint8_t next_header, uint16_t offset, bool more, uint32_t id);

// Neighbor Solicitation/Advertisement (RFC 4861 §4.3, §4.4): flags byte (R/S/O for an
// NA), target, then `options` as given; checksummed over the src/dst pseudo-header.
Bytes make_neighbor_message(const stack::Ipv6Addr& src, const stack::Ipv6Addr& dst, uint8_t type, uint8_t flags,
                            const stack::Ipv6Addr& target, const Bytes& options);
// Source (type 1) or target (type 2) link-layer address option for Ethernet (RFC 4861 §4.6.1).
Bytes make_link_addr_option(uint8_t type, const stack::MacAddr& mac);

// Whole frames from the peer to the engine.
Bytes make_udp4_frame(uint16_t sport, uint16_t dport, const Bytes& payload);

// A TCP segment from the peer to the engine, in a whole frame (IPv4 or IPv6), its checksum
// right. `options` are placed as given (a multiple of 4 bytes for a sane data offset).
struct TcpFields {
    uint16_t sport = 40000;
    uint16_t dport = 7;
    uint32_t seq = 1000;
    uint32_t ack = 0;
    uint8_t flags = 0x02;  // SYN
    uint16_t window = 65535;
    Bytes options;
};
Bytes make_tcp_frame(const TcpFields& f, const Bytes& payload, bool ipv6 = false);
// Recomputes the TCP checksum of a frame from make_tcp_frame (possibly mutated since), when
// its IP header is still intact enough to find the segment; otherwise leaves it alone.
void fix_tcp_checksum(Bytes& frame);
Bytes make_udp6_frame(uint16_t sport, uint16_t dport, const Bytes& payload);

}  // namespace slip::test
