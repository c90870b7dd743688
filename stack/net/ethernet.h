#pragma once
// Ethernet II framing (IEEE 802.3 / RFC 894).
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"
#include "stack/net/addr.h"

namespace slip::stack {

inline constexpr size_t kEthernetHeaderLen = 14;

enum class EtherType : uint16_t {
    ipv4 = 0x0800,
    arp = 0x0806,
    vlan = 0x8100,
    ipv6 = 0x86dd,
    qinq = 0x88a8,
};

struct EthernetHeader {
    MacAddr dst;
    MacAddr src;
    uint16_t ethertype = 0;
};

Parsed<EthernetHeader> parse_ethernet(const uint8_t* frame, size_t len);
void write_ethernet(uint8_t* frame, const MacAddr& dst, const MacAddr& src, EtherType type);

}  // namespace slip::stack
