// Output: routing to a next hop, neighbor resolution, Ethernet framing, the TX queue.
#include <cstring>

#include "stack/net/arp.h"
#include "stack/net/ethernet.h"
#include "stack/net/icmpv6.h"
#include "stack/net/ipv4.h"
#include "stack/net/ipv6.h"
#include "stack/session/net_stack.h"

namespace slip::stack {

// `m` holds a complete IP packet at its data pointer.
void NetStack::send_ipv4(Mbuf* m, Ipv4Addr dst, Instant now) {
    // On-link destinations are resolved directly; the rest go to the gateway.
    if (!m_opts.ipv4) {
        return drop(m, DropReason::no_route);
    }
    Ipv4Addr next_hop = dst;
    if (!m_opts.ipv4->contains(dst)) {
        if (!m_opts.gateway4) {
            return drop(m, DropReason::no_route);
        }
        next_hop = *m_opts.gateway4;
    }
    send_resolved(m, Ipv6Addr::v4_mapped(next_hop), false, now);
}

void NetStack::send_ipv6(Mbuf* m, const Ipv6Addr& dst, Instant now) {
    if (dst.is_multicast()) {
        uint8_t* frame = buf::push(m, kEthernetHeaderLen);
        write_ethernet(frame, dst.multicast_mac(), m_mac, EtherType::ipv6);
        return transmit(m);
    }
    Ipv6Addr next_hop = dst;
    const bool on_link = dst.is_link_local() || (m_opts.ipv6 && m_opts.ipv6->contains(dst));
    if (!on_link) {
        if (!m_opts.gateway6) {
            return drop(m, DropReason::no_route);
        }
        next_hop = *m_opts.gateway6;
    }
    send_resolved(m, next_hop, true, now);
}

void NetStack::send_resolved(Mbuf* m, const Ipv6Addr& next_hop, bool ipv6, Instant now) {
    uint8_t* frame = buf::push(m, kEthernetHeaderLen);
    if (frame == nullptr) {
        return drop(m, DropReason::no_buffer);
    }
    // The destination MAC is filled in below or when resolution completes.
    write_ethernet(frame, MacAddr{}, m_mac, ipv6 ? EtherType::ipv6 : EtherType::ipv4);
    if (const MacAddr* known = m_neighbors.last_reachable(next_hop)) {
        std::memcpy(frame, known->bytes.data(), 6);
        return transmit(m);
    }
    const NeighborLookup r = m_neighbors.lookup_or_queue(next_hop, m, now);
    switch (r.outcome) {
        case NeighborOutcome::resolved:
            std::memcpy(frame, r.mac.bytes.data(), 6);
            transmit(m);
            break;
        case NeighborOutcome::queued:
            break;
        case NeighborOutcome::queue_full:
            drop(m, DropReason::neigh_queue_full);
            break;
        case NeighborOutcome::table_full:
            drop(m, DropReason::neigh_table_full);
            break;
    }
    if (r.probe) {
        send_probe(next_hop, r.probe_unicast ? &r.mac : nullptr);
    }
}

void NetStack::flush_resolved(const Ipv6Addr& ip, const MacAddr& mac, std::span<Mbuf* const> pending) {
    for (Mbuf* p : pending) {
        std::memcpy(buf::data(p), mac.bytes.data(), 6);
        transmit(p);
    }
    if (!pending.empty()) {
        m_neighbors.release_pending(ip);
    }
}

void NetStack::send_arp_request(Ipv4Addr target, const MacAddr* known_mac) {
    if (!m_opts.ipv4) {
        return;
    }
    Mbuf* m = buf::alloc(m_pool);
    if (m == nullptr) {
        m_counters.drop(DropReason::no_buffer);
        return;
    }
    uint8_t* frame = buf::append(m, kEthernetHeaderLen + kArpLen);
    // RFC 1122 §2.3.2.1: unicast when refreshing a known entry, broadcast otherwise.
    write_ethernet(frame, known_mac ? *known_mac : MacAddr::broadcast(), m_mac, EtherType::arp);
    write_arp(frame + kEthernetHeaderLen, ArpPacket{ArpOp::request, m_mac, m_opts.ipv4->addr, MacAddr{}, target});
    m_counters.count(Event::arp_requests_sent);
    transmit(m);
}

void NetStack::send_neighbor_solicitation(const Ipv6Addr& target, const MacAddr* known_mac) {
    Mbuf* m = buf::alloc(m_pool);
    if (m == nullptr) {
        m_counters.drop(DropReason::no_buffer);
        return;
    }
    // RFC 4861 §7.2.2: multicast to the solicited-node group while resolving, unicast
    // to the cached address when confirming reachability.
    const Ipv6Addr dst = known_mac ? target : target.solicited_node();
    const Ipv6Addr& src = ipv6_source_for(target);
    uint8_t* frame = buf::append(m, kEthernetHeaderLen + kIpv6HeaderLen + kNdMessageLen + kNdLinkAddrOptionLen);
    write_ethernet(frame, known_mac ? *known_mac : dst.multicast_mac(), m_mac, EtherType::ipv6);
    NeighborMessage ns;
    ns.target = target;
    ns.link_addr = m_mac;
    uint8_t* ip = frame + kEthernetHeaderLen;
    const size_t len = write_neighbor_message(ip + kIpv6HeaderLen, Icmpv6Type::neighbor_solicitation, ns, src, dst);
    write_ipv6(ip, Ipv6Header{static_cast<uint16_t>(len), uint8_t(IpProtocol::icmpv6), kNdHopLimit, src, dst});
    m_counters.count(Event::nd_solicitations_sent);
    transmit(m);
}

// RFC 6724 in miniature: link-local destinations get our link-local source, the rest
// our configured address when there is one.
const Ipv6Addr& NetStack::ipv6_source_for(const Ipv6Addr& dst) const {
    if (dst.is_link_local() || !m_opts.ipv6) {
        return m_link_local;
    }
    return m_opts.ipv6->addr;
}

}  // namespace slip::stack
