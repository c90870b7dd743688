#include "stack/net/icmpv6.h"

#include <cstring>

#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"
#include "stack/net/ipv4.h"

namespace slip::stack {
namespace {

constexpr uint8_t kOptionSourceLinkAddr = 1;
constexpr uint8_t kOptionTargetLinkAddr = 2;
constexpr uint8_t kFlagRouter = 0x80;
constexpr uint8_t kFlagSolicited = 0x40;
constexpr uint8_t kFlagOverride = 0x20;

uint16_t icmpv6_checksum(const uint8_t* p, size_t len, const Ipv6Addr& src, const Ipv6Addr& dst) {
    const uint64_t sum = pseudo_header_v6(src, dst, uint8_t(IpProtocol::icmpv6), uint32_t(len));
    return static_cast<uint16_t>(~checksum_fold(checksum_partial(p, len, sum)));
}

}  // namespace

Parsed<Icmpv6Header> parse_icmpv6(const uint8_t* p, size_t len, const Ipv6Addr& src, const Ipv6Addr& dst,
                                  uint64_t sum_of_message) {
    if (len < kIcmpv6HeaderLen) {
        return DropReason::icmp6_truncated;
    }
    const uint64_t sum = pseudo_header_v6(src, dst, uint8_t(IpProtocol::icmpv6), uint32_t(len)) + sum_of_message;
    if (checksum_fold(sum) != 0xffff) {
        return DropReason::icmp6_bad_checksum;
    }
    return Icmpv6Header{p[0], p[1]};
}

Parsed<NeighborMessage> parse_neighbor_message(const uint8_t* p, size_t len) {
    if (len < kNdMessageLen || p[1] != 0) {
        return DropReason::nd_bad_format;
    }
    NeighborMessage msg;
    msg.router = (p[4] & kFlagRouter) != 0;
    msg.solicited = (p[4] & kFlagSolicited) != 0;
    msg.override_flag = (p[4] & kFlagOverride) != 0;
    std::memcpy(msg.target.bytes.data(), p + 8, 16);
    if (msg.target.is_multicast()) {
        return DropReason::nd_bad_format;
    }
    const uint8_t wanted = p[0] == uint8_t(Icmpv6Type::neighbor_solicitation) ? kOptionSourceLinkAddr
                                                                                : kOptionTargetLinkAddr;
    // RFC 4861 §4.6: options are (type, length in 8-octet units); length 0 is invalid.
    for (size_t off = kNdMessageLen; off < len;) {
        if (off + 2 > len || p[off + 1] == 0) {
            return DropReason::nd_bad_format;
        }
        const size_t opt_len = size_t(p[off + 1]) * 8;
        if (off + opt_len > len) {
            return DropReason::nd_bad_format;
        }
        if (p[off] == wanted && opt_len >= kNdLinkAddrOptionLen) {
            MacAddr mac;
            std::memcpy(mac.bytes.data(), p + off + 2, 6);
            msg.link_addr = mac;
        }
        off += opt_len;
    }
    return msg;
}

size_t write_neighbor_message(uint8_t* p, Icmpv6Type type, const NeighborMessage& msg, const Ipv6Addr& src,
                              const Ipv6Addr& dst) {
    const size_t len = kNdMessageLen + kNdLinkAddrOptionLen;
    std::memset(p, 0, len);
    p[0] = static_cast<uint8_t>(type);
    if (type == Icmpv6Type::neighbor_advertisement) {
        p[4] = static_cast<uint8_t>((msg.router ? kFlagRouter : 0) | (msg.solicited ? kFlagSolicited : 0) |
                                    (msg.override_flag ? kFlagOverride : 0));
    }
    std::memcpy(p + 8, msg.target.bytes.data(), 16);
    p[24] = type == Icmpv6Type::neighbor_solicitation ? kOptionSourceLinkAddr : kOptionTargetLinkAddr;
    p[25] = 1;
    if (msg.link_addr) {
        std::memcpy(p + 26, msg.link_addr->bytes.data(), 6);
    }
    store_be16(p + 2, icmpv6_checksum(p, len, src, dst));
    return len;
}

void echo6_request_to_reply(uint8_t* p, size_t len, const Ipv6Addr& reply_src, const Ipv6Addr& reply_dst) {
    p[0] = static_cast<uint8_t>(Icmpv6Type::echo_reply);
    store_be16(p + 2, 0);
    store_be16(p + 2, icmpv6_checksum(p, len, reply_src, reply_dst));
}

void write_icmpv6_unreachable(uint8_t* p, uint8_t code, size_t quoted_len, const Ipv6Addr& src,
                              const Ipv6Addr& dst) {
    p[0] = static_cast<uint8_t>(Icmpv6Type::dest_unreachable);
    p[1] = code;
    store_be16(p + 2, 0);
    store_be32(p + 4, 0);
    store_be16(p + 2, icmpv6_checksum(p, kIcmpv6HeaderLen + quoted_len, src, dst));
}

}  // namespace slip::stack
