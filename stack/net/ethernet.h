#pragma once
// Ethernet II framing (IEEE 802.3 / RFC 894).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "stack/base/byte_order.h"
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

// A checked Ethernet header, read in place: returning a copy of its 14 bytes made the
// compiler store it piecewise and reload it in wide words, a store-forwarding stall on
// every received frame.
struct EthernetHeader {
    const uint8_t* frame = nullptr;

    MacAddr dst() const {
        MacAddr m;
        std::memcpy(m.bytes.data(), frame, 6);
        return m;
    }
    MacAddr src() const {
        MacAddr m;
        std::memcpy(m.bytes.data(), frame + 6, 6);
        return m;
    }
    uint16_t ethertype() const { return load_be16(frame + 12); }
};

Parsed<EthernetHeader> parse_ethernet(const uint8_t* frame, size_t len);
void write_ethernet(uint8_t* frame, const MacAddr& dst, const MacAddr& src, EtherType type);

}  // namespace slip::stack
