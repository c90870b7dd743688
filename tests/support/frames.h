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

// Whole frames from the peer to the engine.
Bytes make_udp4_frame(uint16_t sport, uint16_t dport, const Bytes& payload);
Bytes make_udp6_frame(uint16_t sport, uint16_t dport, const Bytes& payload);

}  // namespace slip::test
