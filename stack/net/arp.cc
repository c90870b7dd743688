#include "stack/net/arp.h"

#include <cstring>

#include "stack/base/byte_order.h"

namespace slip::stack {
namespace {
constexpr uint16_t kHardwareEthernet = 1;
constexpr uint16_t kProtocolIpv4 = 0x0800;
}  // namespace

Parsed<ArpPacket> parse_arp(const uint8_t* p, size_t len) {
    if (len < kArpLen) {
        return DropReason::arp_truncated;
    }
    if (load_be16(p) != kHardwareEthernet || load_be16(p + 2) != kProtocolIpv4 || p[4] != 6 || p[5] != 4) {
        return DropReason::arp_bad_format;
    }
    const uint16_t op = load_be16(p + 6);
    if (op != uint16_t(ArpOp::request) && op != uint16_t(ArpOp::reply)) {
        return DropReason::arp_bad_opcode;
    }
    ArpPacket arp;
    arp.op = static_cast<ArpOp>(op);
    std::memcpy(arp.sender_mac.bytes.data(), p + 8, 6);
    arp.sender_ip = Ipv4Addr{load_be32(p + 14)};
    std::memcpy(arp.target_mac.bytes.data(), p + 18, 6);
    arp.target_ip = Ipv4Addr{load_be32(p + 24)};
    return arp;
}

void write_arp(uint8_t* p, const ArpPacket& arp) {
    store_be16(p, kHardwareEthernet);
    store_be16(p + 2, kProtocolIpv4);
    p[4] = 6;
    p[5] = 4;
    store_be16(p + 6, static_cast<uint16_t>(arp.op));
    std::memcpy(p + 8, arp.sender_mac.bytes.data(), 6);
    store_be32(p + 14, arp.sender_ip.value);
    std::memcpy(p + 18, arp.target_mac.bytes.data(), 6);
    store_be32(p + 24, arp.target_ip.value);
}

}  // namespace slip::stack
