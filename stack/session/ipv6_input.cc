// IPv6 input (RFC 8200), ICMPv6 echo (RFC 4443 §4) and Neighbor Discovery (RFC 4861 §7).
#include <algorithm>
#include <cstring>

#include "stack/net/checksum.h"
#include "stack/net/ethernet.h"
#include "stack/net/icmpv6.h"
#include "stack/net/ipv4.h"
#include "stack/net/ipv6.h"
#include "stack/session/net_stack.h"

namespace slip::stack {

bool NetStack::accepts_ipv6_dst(const Ipv6Addr& a) const {
    return is_our_ipv6(a) || a == Ipv6Addr::all_nodes() || a == m_link_local_group || a == m_global_group;
}

void NetStack::ipv6_input(Mbuf* m, Instant now) {
    m_counters.count(Event::rx_ipv6);
    uint8_t* ip = buf::data(m);
    // 1: version and payload length against what arrived (RFC 8200 §3).
    if (buf::head_len(m) < kIpv6HeaderLen) {
        return drop(m, DropReason::ipv6_truncated);
    }
    const auto h = parse_ipv6(ip, buf::pkt_len(m));
    if (!h) {
        return drop(m, h.reason());
    }
    buf::trim_to(m, kIpv6HeaderLen + h->payload_len);
    // 2: a multicast source is invalid (RFC 4291 §2.7); our own address means a loop.
    if (h->src.is_multicast() || is_our_ipv6(h->src)) {
        return drop(m, DropReason::ipv6_bad_source);
    }
    // 3: destination: our unicast addresses, all-nodes, or our solicited-node groups.
    if (!accepts_ipv6_dst(h->dst)) {
        return drop(m, DropReason::ipv6_not_for_us);
    }
    // 4: extension headers (RFC 8200 §4).
    // Extension headers are read from the first segment only.
    const uint32_t in_head = std::min<uint32_t>(h->payload_len, buf::head_len(m) - kIpv6HeaderLen);
    const auto upper = walk_ipv6_extensions(h->next_header, ip + kIpv6HeaderLen, in_head);
    if (!upper) {
        return drop(m, upper.reason());
    }
    // 5: the upper layer.
    switch (static_cast<IpProtocol>(upper->protocol)) {
        case IpProtocol::icmpv6:
            return icmpv6_input(m, ip, *h, upper->offset, now);
        case IpProtocol::udp: {
            UdpMeta meta;
            meta.ipv6 = true;
            meta.src6 = h->src;
            meta.dst6 = h->dst;
            meta.ip_header_len = static_cast<uint16_t>(kIpv6HeaderLen + upper->offset);
            buf::pull(m, meta.ip_header_len);
            return udp_input(m, ip, meta, h->payload_len - upper->offset, is_our_ipv6(h->dst), now);
        }
        case IpProtocol::tcp: {
            const uint32_t tcp_len = h->payload_len - upper->offset;
            buf::pull(m, static_cast<uint16_t>(kIpv6HeaderLen + upper->offset));
            return tcp_input(m, h->src, h->dst, tcp_len, is_our_ipv6(h->dst),
                             pseudo_header_v6(h->src, h->dst, uint8_t(IpProtocol::tcp), tcp_len), now);
        }
        default:
            return drop(m, DropReason::ipv6_unknown_protocol);
    }
}

void NetStack::icmpv6_input(Mbuf* m, uint8_t* ip, const Ipv6Header& h, uint16_t offset, Instant now) {
    const uint32_t start = kIpv6HeaderLen + offset;
    const uint32_t len = h.payload_len - offset;
    const uint64_t sum = checksum_partial_mbuf(m, start, len);
    const auto icmp_h = parse_icmpv6(ip + start, len, h.src, h.dst, sum);
    if (!icmp_h) {
        return drop(m, icmp_h.reason());
    }
    const uint8_t* msg = ip + start;
    switch (static_cast<Icmpv6Type>(icmp_h->type)) {
        case Icmpv6Type::echo_request:
            break;
        case Icmpv6Type::neighbor_solicitation:
            return neighbor_solicitation_input(m, h, msg, len, now);
        case Icmpv6Type::neighbor_advertisement:
            return neighbor_advertisement_input(m, h, msg, len, now);
        default:
            return drop(m, DropReason::icmp6_unhandled_type);
    }
    // Echo: reply from the address the request was sent to, or, for a group, from
    // the address we would pick for the requester (RFC 4443 §4.2).
    const Ipv6Addr reply_src = is_our_ipv6(h.dst) ? h.dst : ipv6_source_for(h.src);
    if (offset != 0) {
        // Extension headers are not echoed; move the fixed header up against the message.
        buf::pull(m, offset);
        ip = buf::data(m);
    }
    echo6_request_to_reply(ip + kIpv6HeaderLen, len, reply_src, h.src);
    write_ipv6(ip, Ipv6Header{static_cast<uint16_t>(len), uint8_t(IpProtocol::icmpv6), m_opts.hop_limit, reply_src,
                              h.src});
    m_counters.count(Event::icmp6_echo_replies);
    send_ipv6(m, h.src, now);
}

void NetStack::neighbor_solicitation_input(Mbuf* m, const Ipv6Header& h, const uint8_t* msg, size_t len,
                                           Instant now) {
    // RFC 4861 §7.1.1: a hop limit below 255 means the message crossed a router.
    if (h.hop_limit != kNdHopLimit) {
        return drop(m, DropReason::nd_bad_hop_limit);
    }
    const auto ns = parse_neighbor_message(msg, len);
    if (!ns) {
        return drop(m, ns.reason());
    }
    // §7.1.1: from the unspecified address (DAD) there must be no source link-layer
    // option and the destination must be a solicited-node group.
    const bool dad = h.src.is_unspecified();
    if (dad && (ns->link_addr || !h.dst.is_multicast())) {
        return drop(m, DropReason::nd_bad_format);
    }
    if (!is_our_ipv6(ns->target)) {
        return drop(m, DropReason::nd_not_for_us);
    }
    // §7.2.3: record the solicitor's link-layer address.
    if (!dad && ns->link_addr) {
        const auto pending = m_neighbors.learn(h.src, *ns->link_addr, now, true);
        flush_resolved(h.src, *ns->link_addr, pending);
        m_counters.count(Event::neigh_learned);
    }
    buf::free(m);
    // §7.2.4: answer solicited (S) and with override (O); to all-nodes for DAD.
    Mbuf* na = buf::alloc(m_pool);
    if (na == nullptr) {
        m_counters.drop(DropReason::no_buffer);
        return;
    }
    const Ipv6Addr dst = dad ? Ipv6Addr::all_nodes() : h.src;
    NeighborMessage reply;
    reply.target = ns->target;
    reply.link_addr = m_mac;
    reply.solicited = !dad;
    reply.override_flag = true;
    uint8_t* ip = buf::append(na, kIpv6HeaderLen + kNdMessageLen + kNdLinkAddrOptionLen);
    const size_t msg_len =
        write_neighbor_message(ip + kIpv6HeaderLen, Icmpv6Type::neighbor_advertisement, reply, ns->target, dst);
    write_ipv6(ip, Ipv6Header{static_cast<uint16_t>(msg_len), uint8_t(IpProtocol::icmpv6), kNdHopLimit,
                              ns->target, dst});
    m_counters.count(Event::nd_advertisements_sent);
    send_ipv6(na, dst, now);
}

void NetStack::neighbor_advertisement_input(Mbuf* m, const Ipv6Header& h, const uint8_t* msg, size_t len,
                                            Instant now) {
    if (h.hop_limit != kNdHopLimit) {
        return drop(m, DropReason::nd_bad_hop_limit);
    }
    const auto na = parse_neighbor_message(msg, len);
    if (!na) {
        return drop(m, na.reason());
    }
    // §7.1.2: a solicited advertisement to a multicast destination is invalid.
    if (na->solicited && h.dst.is_multicast()) {
        return drop(m, DropReason::nd_bad_format);
    }
    // §7.2.5: only an existing entry is updated; without a target link-layer option
    // there is nothing to learn.
    if (na->link_addr) {
        const auto pending = m_neighbors.learn(na->target, *na->link_addr, now, false);
        flush_resolved(na->target, *na->link_addr, pending);
        m_counters.count(Event::neigh_learned);
    }
    buf::free(m);
}

}  // namespace slip::stack
