// IPv4 input (RFC 791, RFC 1122 §3.2.1) and ICMP echo (RFC 792, RFC 1122 §3.2.2.6).
#include "stack/net/checksum.h"
#include "stack/net/icmp.h"
#include "stack/net/ipv4.h"
#include "stack/net/udp.h"
#include "stack/session/net_stack.h"

namespace slip::stack {

void NetStack::ipv4_input(Mbuf* m, Instant now) {
    m_counters.count(Event::rx_ipv4);
    if (!m_opts.ipv4) {
        return drop(m, DropReason::ipv4_not_for_us);
    }
    uint8_t* ip = buf::data(m);
    // 1-6: header format, length, checksum, fragments, TTL (ipv4.cc).
    // Lengths are checked against the whole packet (a chained buffer carries its payload in
    // later segments); the header itself must sit in the first segment.
    const auto h = parse_ipv4(ip, buf::pkt_len(m), {.checksum_verified = buf::ip_checksum_verified(m)});
    if (!h) {
        return drop(m, h.reason());
    }
    if (h->header_len > buf::head_len(m)) {
        return drop(m, DropReason::ipv4_truncated);
    }
    // 7: remove link-layer padding beyond the total length.
    buf::trim_to(m, h->total_len);
    // 8: source sanity (RFC 1122 §3.2.1.3: discard broadcast or multicast sources).
    const Ipv4Prefix& net = *m_opts.ipv4;
    if (h->src.is_multicast() || h->src.is_limited_broadcast() || is_our_ipv4(h->src) ||
        (net.contains(h->src) && h->src == net.subnet_broadcast())) {
        return drop(m, DropReason::ipv4_bad_source);
    }
    // 9: destination: our address, the subnet broadcast or the limited broadcast.
    const bool unicast = is_our_ipv4(h->dst);
    if (!unicast && !h->dst.is_limited_broadcast() && h->dst != net.subnet_broadcast()) {
        return drop(m, DropReason::ipv4_not_for_us);
    }
    // 10: hand the payload to its protocol.
    switch (static_cast<IpProtocol>(h->protocol)) {
        case IpProtocol::icmp:
            return icmp_input(m, ip, *h, now);
        case IpProtocol::udp: {
            UdpMeta meta;
            meta.src4 = h->src;
            meta.dst4 = h->dst;
            meta.ip_header_len = h->header_len;
            buf::pull(m, h->header_len);
            return udp_input(m, ip, meta, h->total_len - h->header_len, unicast, now);
        }
        case IpProtocol::tcp: {
            const uint32_t tcp_len = h->total_len - h->header_len;
            buf::pull(m, h->header_len);
            return tcp_input(m, Ipv6Addr::v4_mapped(h->src), Ipv6Addr::v4_mapped(h->dst), tcp_len, unicast,
                             pseudo_header_v4(h->src, h->dst, uint8_t(IpProtocol::tcp), tcp_len), now);
        }
        default:
            return drop(m, DropReason::ipv4_unknown_protocol);
    }
}

void NetStack::icmp_input(Mbuf* m, uint8_t* ip, const Ipv4Header& h, Instant now) {
    const uint32_t icmp_len = h.total_len - h.header_len;
    uint8_t* icmp = ip + h.header_len;
    // The checksum covers the whole message, which may span segments.
    bool verified = false;
    if (icmp_len >= kIcmpHeaderLen && m->nb_segs > 1) {
        if (checksum_fold(checksum_partial_mbuf(m, h.header_len, icmp_len)) != 0xffff) {
            return drop(m, DropReason::icmp_bad_checksum);
        }
        verified = true;
    }
    const uint32_t first_segment = buf::head_len(m) - h.header_len;
    const auto icmp_h = parse_icmp(icmp, verified ? icmp_len : (icmp_len < first_segment ? icmp_len : first_segment),
                                   verified);
    if (!icmp_h) {
        return drop(m, icmp_h.reason());
    }
    // RFC 1122 §3.2.2.6: answer echo requests; requests to a broadcast address may be
    // ignored, and we do (they are a classic amplification vector).
    if (icmp_h->type != uint8_t(IcmpType::echo_request) || !is_our_ipv4(h.dst)) {
        return drop(m, DropReason::icmp_unhandled_type);
    }
    echo_request_to_reply(icmp);
    // The reply reuses the request's header: addresses swapped, our TTL, options kept
    // out (RFC 1122 §3.2.2.6 allows dropping them), fresh checksum.
    if (h.header_len != kIpv4MinHeaderLen) {
        buf::pull(m, h.header_len - kIpv4MinHeaderLen);
        ip = buf::data(m);
    }
    Ipv4Header reply = h;
    reply.header_len = kIpv4MinHeaderLen;
    reply.total_len = static_cast<uint16_t>(kIpv4MinHeaderLen + icmp_len);
    reply.src = h.dst;
    reply.dst = h.src;
    reply.ttl = m_opts.ttl;
    reply.id = m_ipv4_id++;
    write_ipv4(ip, reply);
    m_counters.count(Event::icmp_echo_replies);
    send_ipv4(m, h.src, now);
}

}  // namespace slip::stack
