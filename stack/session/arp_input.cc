// ARP input, following the packet-reception algorithm of RFC 826 ("merge_flag").
#include "stack/net/arp.h"
#include "stack/net/ethernet.h"
#include "stack/session/net_stack.h"

namespace slip::stack {

void NetStack::arp_input(Mbuf* m, Instant now) {
    m_counters.count(Event::rx_arp);
    if (!m_opts.ipv4) {
        return drop(m, DropReason::arp_not_for_us);
    }
    // 1: fixed fields: Ethernet hardware, IPv4 protocol, lengths 6 and 4, opcode.
    const auto arp = parse_arp(buf::data(m), buf::head_len(m));
    if (!arp) {
        return drop(m, arp.reason());
    }
    // 2: a sender claiming our address, a group MAC or a broadcast IP is never learned.
    if (arp->sender_mac.is_multicast() || arp->sender_mac.is_zero() || is_our_ipv4(arp->sender_ip) ||
        arp->sender_ip.is_multicast() || arp->sender_ip.is_limited_broadcast()) {
        return drop(m, DropReason::arp_bad_sender);
    }
    const Ipv6Addr key = Ipv6Addr::v4_mapped(arp->sender_ip);
    const bool for_us = is_our_ipv4(arp->target_ip);
    // 3: merge: refresh the sender's entry if we have one; add it only if we are the
    //    target (RFC 826). A zero sender (ARP probe, RFC 5227) teaches nothing.
    if (!arp->sender_ip.is_unspecified()) {
        const auto pending = m_neighbors.learn(key, arp->sender_mac, now, for_us);
        flush_resolved(key, arp->sender_mac, pending);
        m_counters.count(Event::neigh_learned);
    }
    // 4: only requests for our address are answered.
    if (!for_us) {
        return drop(m, DropReason::arp_not_for_us);
    }
    if (arp->op != ArpOp::request) {
        buf::free(m);
        return;
    }
    // 5: turn the request into the reply in place: swap the addresses, fill in our MAC.
    ArpPacket reply{ArpOp::reply, m_mac, m_opts.ipv4->addr, arp->sender_mac, arp->sender_ip};
    write_arp(buf::data(m), reply);
    buf::trim_to(m, kArpLen);
    uint8_t* frame = buf::push(m, kEthernetHeaderLen);
    write_ethernet(frame, arp->sender_mac, m_mac, EtherType::arp);
    m_counters.count(Event::arp_replies_sent);
    transmit(m);
}

}  // namespace slip::stack
