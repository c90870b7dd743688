#include "tests/support/frames.h"

#include <algorithm>

#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"

namespace slip::test {

using namespace slip::stack;

Ipv6Addr engine_ip6() { return *Ipv6Addr::parse("fd00::2"); }
Ipv6Addr peer_ip6() { return *Ipv6Addr::parse("fd00::1"); }

Bytes make_ethernet(const MacAddr& dst, const MacAddr& src, uint16_t ethertype, const Bytes& payload) {
    Bytes b(dst.bytes.begin(), dst.bytes.end());
    b.insert(b.end(), src.bytes.begin(), src.bytes.end());
    b.push_back(static_cast<uint8_t>(ethertype >> 8));
    b.push_back(static_cast<uint8_t>(ethertype));
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

Bytes make_ipv4(const Ipv4Fields& f, const Bytes& payload) {
    const size_t hl = 20 + f.options.size();
    Bytes b(hl, 0);
    b[0] = static_cast<uint8_t>(0x40 | (hl / 4));
    store_be16(&b[2], static_cast<uint16_t>(hl + payload.size()));
    store_be16(&b[4], 0x1234);
    store_be16(&b[6], f.frag);
    b[8] = f.ttl;
    b[9] = f.protocol;
    store_be32(&b[12], f.src.value);
    store_be32(&b[16], f.dst.value);
    std::copy(f.options.begin(), f.options.end(), b.begin() + 20);
    uint16_t sum = checksum(b.data(), hl);
    if (f.bad_checksum) {
        sum ^= 0x0101;
    }
    store_be16(&b[10], sum);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

Bytes make_ipv6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header, uint8_t hop_limit, const Bytes& payload) {
    Bytes b(40, 0);
    b[0] = 0x60;
    store_be16(&b[4], static_cast<uint16_t>(payload.size()));
    b[6] = next_header;
    b[7] = hop_limit;
    std::copy(src.bytes.begin(), src.bytes.end(), b.begin() + 8);
    std::copy(dst.bytes.begin(), dst.bytes.end(), b.begin() + 24);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

namespace {
Bytes udp_with_sum(uint64_t pseudo, uint16_t sport, uint16_t dport, const Bytes& payload) {
    Bytes b(8, 0);
    store_be16(&b[0], sport);
    store_be16(&b[2], dport);
    store_be16(&b[4], static_cast<uint16_t>(8 + payload.size()));
    b.insert(b.end(), payload.begin(), payload.end());
    uint16_t sum = static_cast<uint16_t>(~checksum_fold(checksum_partial(b.data(), b.size(), pseudo)));
    store_be16(&b[6], sum == 0 ? 0xffff : sum);
    return b;
}
}  // namespace

Bytes make_udp4(Ipv4Addr src, Ipv4Addr dst, uint16_t sport, uint16_t dport, const Bytes& payload) {
    return udp_with_sum(pseudo_header_v4(src, dst, 17, uint32_t(8 + payload.size())), sport, dport, payload);
}

Bytes make_udp6(const Ipv6Addr& src, const Ipv6Addr& dst, uint16_t sport, uint16_t dport, const Bytes& payload) {
    return udp_with_sum(pseudo_header_v6(src, dst, 17, uint32_t(8 + payload.size())), sport, dport, payload);
}

Bytes make_icmp_echo(uint8_t type, uint16_t id, uint16_t seq, const Bytes& payload) {
    Bytes b(8, 0);
    b[0] = type;
    store_be16(&b[4], id);
    store_be16(&b[6], seq);
    b.insert(b.end(), payload.begin(), payload.end());
    store_be16(&b[2], checksum(b.data(), b.size()));
    return b;
}

Bytes make_icmpv6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t type, uint8_t code, const Bytes& body) {
    Bytes b(4, 0);
    b[0] = type;
    b[1] = code;
    b.insert(b.end(), body.begin(), body.end());
    const uint64_t pseudo = pseudo_header_v6(src, dst, 58, uint32_t(b.size()));
    store_be16(&b[2], static_cast<uint16_t>(~checksum_fold(checksum_partial(b.data(), b.size(), pseudo))));
    return b;
}

Bytes make_arp(uint16_t op, const MacAddr& sha, Ipv4Addr spa, const MacAddr& tha, Ipv4Addr tpa) {
    Bytes b(28, 0);
    store_be16(&b[0], 1);
    store_be16(&b[2], 0x0800);
    b[4] = 6;
    b[5] = 4;
    store_be16(&b[6], op);
    std::copy(sha.bytes.begin(), sha.bytes.end(), b.begin() + 8);
    store_be32(&b[14], spa.value);
    std::copy(tha.bytes.begin(), tha.bytes.end(), b.begin() + 18);
    store_be32(&b[24], tpa.value);
    return b;
}

Bytes make_ipv6_options_header(uint8_t next_header, const Bytes& options) {
    Bytes b{next_header, 0};
    b.insert(b.end(), options.begin(), options.end());
    const size_t pad = (8 - b.size() % 8) % 8;
    if (pad == 1) {
        b.push_back(0);  // Pad1
    } else if (pad >= 2) {
        b.push_back(1);  // PadN
        b.push_back(static_cast<uint8_t>(pad - 2));
        b.insert(b.end(), pad - 2, 0);
    }
    b[1] = static_cast<uint8_t>(b.size() / 8 - 1);
    return b;
}

Bytes make_ipv6_routing_header(uint8_t next_header, uint8_t routing_type, uint8_t segments_left, const Bytes& data) {
    Bytes b{next_header, 0, routing_type, segments_left};
    b.insert(b.end(), data.begin(), data.end());
    b.resize((b.size() + 7) / 8 * 8, 0);
    b[1] = static_cast<uint8_t>(b.size() / 8 - 1);
    return b;
}

Bytes make_ipv6_fragment_header(uint8_t next_header, uint16_t offset, bool more, uint32_t id) {
    Bytes b(8, 0);
    b[0] = next_header;
    store_be16(&b[2], static_cast<uint16_t>((offset << 3) | (more ? 1 : 0)));
    store_be32(&b[4], id);
    return b;
}

Bytes make_neighbor_message(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t type, uint8_t flags,
                            const Ipv6Addr& target, const Bytes& options) {
    Bytes body{flags, 0, 0, 0};
    body.insert(body.end(), target.bytes.begin(), target.bytes.end());
    body.insert(body.end(), options.begin(), options.end());
    return make_icmpv6(src, dst, type, 0, body);
}

Bytes make_link_addr_option(uint8_t type, const MacAddr& mac) {
    Bytes b{type, 1};
    b.insert(b.end(), mac.bytes.begin(), mac.bytes.end());
    return b;
}

Bytes make_udp4_frame(uint16_t sport, uint16_t dport, const Bytes& payload) {
    return make_ethernet(kEngineMac, kPeerMac, 0x0800, make_ipv4({}, make_udp4(kPeerIp, kEngineIp, sport, dport, payload)));
}

Bytes make_udp6_frame(uint16_t sport, uint16_t dport, const Bytes& payload) {
    return make_ethernet(kEngineMac, kPeerMac, 0x86dd,
                    make_ipv6(peer_ip6(), engine_ip6(), 17, 64, make_udp6(peer_ip6(), engine_ip6(), sport, dport, payload)));
}

}  // namespace slip::test

namespace slip::test {

Bytes make_tcp_frame(const TcpFields& f, const Bytes& payload, bool ipv6) {
    Bytes seg(20, 0);
    store_be16(&seg[0], f.sport);
    store_be16(&seg[2], f.dport);
    store_be32(&seg[4], f.seq);
    store_be32(&seg[8], f.ack);
    seg[12] = uint8_t(((20 + f.options.size()) / 4) << 4);
    seg[13] = f.flags;
    store_be16(&seg[14], f.window);
    seg.insert(seg.end(), f.options.begin(), f.options.end());
    seg.insert(seg.end(), payload.begin(), payload.end());
    Bytes frame = ipv6 ? make_ethernet(kEngineMac, kPeerMac, 0x86dd, make_ipv6(peer_ip6(), engine_ip6(), 6, 64, seg))
                       : make_ethernet(kEngineMac, kPeerMac, 0x0800, make_ipv4({.protocol = 6}, seg));
    fix_tcp_checksum(frame);
    return frame;
}

void fix_tcp_checksum(Bytes& frame) {
    if (frame.size() < 14 + 40) {
        return;
    }
    const uint16_t type = load_be16(&frame[12]);
    size_t l4 = 0;
    uint32_t len = 0;
    uint64_t pseudo = 0;
    if (type == 0x0800 && (frame[14] >> 4) == 4 && frame[14 + 9] == 6) {
        const size_t ihl = size_t(frame[14] & 0x0f) * 4;
        const size_t total = load_be16(&frame[16]);
        if (ihl < 20 || total < ihl + 20 || 14 + total > frame.size()) {
            return;
        }
        l4 = 14 + ihl;
        len = uint32_t(total - ihl);
        pseudo = stack::pseudo_header_v4(stack::Ipv4Addr{load_be32(&frame[26])}, stack::Ipv4Addr{load_be32(&frame[30])}, 6, len);
    } else if (type == 0x86dd && (frame[14] >> 4) == 6 && frame[14 + 6] == 6) {
        len = load_be16(&frame[18]);
        l4 = 14 + 40;
        if (len < 20 || l4 + len > frame.size()) {
            return;
        }
        stack::Ipv6Addr src, dst;
        std::copy_n(&frame[22], 16, src.bytes.begin());
        std::copy_n(&frame[38], 16, dst.bytes.begin());
        pseudo = stack::pseudo_header_v6(src, dst, 6, len);
    } else {
        return;
    }
    store_be16(&frame[l4 + 16], 0);
    store_be16(&frame[l4 + 16], uint16_t(~stack::checksum_fold(stack::checksum_partial(&frame[l4], len, pseudo))));
}

}  // namespace slip::test
