#pragma once
// ARP for IPv4 over Ethernet (RFC 826).
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"
#include "stack/net/addr.h"

namespace slip::stack {

inline constexpr size_t kArpLen = 28;

enum class ArpOp : uint16_t { request = 1, reply = 2 };

struct ArpPacket {
    ArpOp op = ArpOp::request;
    MacAddr sender_mac;
    Ipv4Addr sender_ip;
    MacAddr target_mac;
    Ipv4Addr target_ip;
};

// Checks the fixed fields (Ethernet hardware, IPv4 protocol, 6/4 lengths, opcode).
Parsed<ArpPacket> parse_arp(const uint8_t* p, size_t len);
void write_arp(uint8_t* p, const ArpPacket& arp);

}  // namespace slip::stack
