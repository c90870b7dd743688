#include "stack/session/net_stack.h"

#include <algorithm>

#include "crypto/siphash.h"
#include "stack/net/ethernet.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::stack {

std::string StackOptions::validate() const {
    if (!ipv4 && !ipv6) {
        return "the stack needs at least one address: set ipv4 (e.g. 10.0.0.2/24) or ipv6 (e.g. fd00::2/64)";
    }
    if (ipv4) {
        const Ipv4Addr a = ipv4->addr;
        if (a.is_unspecified() || a.is_multicast() || a.is_limited_broadcast() || ipv4->length == 0 ||
            (ipv4->length < 31 && a == ipv4->subnet_broadcast())) {
            return "ipv4 " + ipv4->to_string() + " is not a usable host address";
        }
    }
    if (gateway4 && (!ipv4 || !ipv4->contains(*gateway4))) {
        return "gateway4 " + gateway4->to_string() + " is not inside the ipv4 prefix";
    }
    if (ipv6 && (ipv6->addr.is_multicast() || ipv6->addr.is_unspecified() || ipv6->length == 0)) {
        return "ipv6 " + ipv6->to_string() + " is not a usable unicast address";
    }
    if (gateway6 && !gateway6->is_link_local() && (!ipv6 || !ipv6->contains(*gateway6))) {
        return "gateway6 " + gateway6->to_string() + " is neither link-local nor inside the ipv6 prefix";
    }
    if (ttl == 0 || hop_limit == 0) {
        return "ttl and hop_limit must be at least 1";
    }
    if (tx_queue_capacity < 32 || tx_queue_capacity > (1u << 20)) {
        return "tx_queue_capacity must be between 32 and 1048576";
    }
    if (auto err = tcp.validate(); !err.empty()) {
        return err;
    }
    return neighbor.validate();
}

NetStack::NetStack(const StackOptions& opts, const MacAddr& mac, MbufPool* pool, MbufPool* view_pool)
    : m_opts(opts),
      m_mac(mac),
      m_pool(pool),
      m_link_local(Ipv6Addr::link_local_from_mac(mac)),
      m_link_local_group(m_link_local.solicited_node()),
      m_global_group(opts.ipv6 ? opts.ipv6->addr.solicited_node() : m_link_local_group),
      m_neighbors(opts.neighbor),
      m_tx(opts.tx_queue_capacity),
      m_icmp_errors(opts.icmp_error_rate, opts.icmp_error_burst),
      m_tcp(std::make_unique<tcp::TcpLayer>(opts.tcp, pool, static_cast<tcp::TcpLink*>(this), &m_counters, tcp_seed(mac, this),
                                                 view_pool)) {
    if (opts.ipv4) {
        m_ipv4_mask = opts.ipv4->mask();
        m_ipv4_broadcast = opts.ipv4->subnet_broadcast();
    }
    if (opts.queues > 1) {
        m_steering = std::make_unique<FlowSteering>(opts.queue, opts.queues);
        m_tcp->set_port_filter(
            [](const void* steering, const tcp::FlowKey& key) {
                const auto* s = static_cast<const FlowSteering*>(steering);
                return s->owner(key) == s->queue();
            },
            m_steering.get());
    }
}

NetStack::~NetStack() = default;

uint64_t NetStack::tcp_seed(const MacAddr& mac, const void* instance) {
    // Per stack: the flow-hash seed and the timestamp offset (RFC 7323 §5.4). Random, so a
    // remote peer cannot aim many tuples at one hash chain, and so they differ between the
    // stacks of one port's queues (which share its MAC address) and between runs. Should
    // the generator fail, the TCP layer's keys fail with it and the engine refuses to start
    // (TcpLayer::setup_error); the instance's address still tells the stacks apart.
    crypto::SipKey random;
    (void)random.randomize();
    uint64_t seed = 0x6a09e667f3bcc908ull ^ random.k0;
    for (uint8_t b : mac.bytes) {
        seed = (seed ^ b) * 0x100000001b3ull;
    }
    seed ^= reinterpret_cast<uintptr_t>(instance);
    // A final mix (splitmix64's) so that every input bit reaches every seed bit.
    seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
    seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
    return seed ^ (seed >> 31);
}

bool NetStack::udp_bind(uint16_t port, UdpService* service) {
    if (port == 0 || m_udp_ports[port] != nullptr) {
        return false;
    }
    m_udp_ports[port] = service;
    return true;
}

void NetStack::udp_unbind(uint16_t port) { m_udp_ports[port] = nullptr; }

bool NetStack::accepts_mac(const MacAddr& dst) const {
    if (dst == m_mac || dst.is_broadcast()) {
        return true;
    }
    // IPv6 multicast groups we are in: all-nodes and our solicited-node groups (RFC 2464 §7).
    if (dst.bytes[0] == 0x33 && dst.bytes[1] == 0x33) {
        return dst == Ipv6Addr::all_nodes().multicast_mac() || dst == m_link_local_group.multicast_mac() ||
               dst == m_global_group.multicast_mac();
    }
    return false;
}

void NetStack::rx(std::span<Mbuf*> burst, Instant now) {
    // Frames a peer core has just written miss in cache: ask for the first few frames'
    // lines at once, so their transfers overlap instead of each stalling the checksum or
    // header read that first touches it; later frames kAhead ahead of use.
    constexpr size_t kAhead = 8;
    const size_t ahead = std::min(burst.size(), kAhead);
    for (size_t i = 0; i < ahead; ++i) {
        buf::prefetch_short_frame(burst[i]);
    }
    uint64_t fast = 0;
    for (size_t i = 0; i < burst.size(); ++i) {
        if (i + kAhead < burst.size()) {
            buf::prefetch_short_frame(burst[i + kAhead]);
        }
        if (udp4_fast_input(burst[i], now)) {
            ++fast;
        } else {
            rx_frame(burst[i], now);
        }
    }
    // What the one-pass path took, counted as the chain counts it.
    m_counters.count(Event::rx_frames, fast);
    m_counters.count(Event::rx_ipv4, fast);
    m_counters.count(Event::rx_udp, fast);
    m_counters.count(Event::rx_udp_fast, fast);
    m_tcp->end_of_burst(now);
    flush_free();
}

void NetStack::rx_frame(Mbuf* m, Instant now) {
    m_counters.count(Event::rx_frames);
    // 1: the Ethernet header is present.
    const auto eth = parse_ethernet(buf::data(m), buf::head_len(m));
    if (!eth) {
        return drop(m, eth.reason());
    }
    // 2: the frame is addressed to us (unicast, broadcast or a group we joined).
    if (!accepts_mac(eth->dst())) {
        return drop(m, DropReason::eth_not_for_us);
    }
    // 3: dispatch on the ethertype.
    buf::pull(m, kEthernetHeaderLen);
    switch (static_cast<EtherType>(eth->ethertype())) {
        case EtherType::ipv4:
            return ipv4_input(m, now);
        case EtherType::ipv6:
            return ipv6_input(m, now);
        case EtherType::arp:
            return arp_input(m, now);
        case EtherType::vlan:
        case EtherType::qinq:
            return drop(m, DropReason::eth_vlan);
    }
    drop(m, DropReason::eth_unknown_ethertype);
}

void NetStack::on_timer(Instant now) {
    m_neighbors.on_timer(now, *this);
    if (m_tcp->next_deadline() <= now) {
        m_tcp->on_timer(now);
    }
    flush_free();
}

Instant NetStack::next_deadline() const {
    return earliest(m_neighbors.next_deadline(), m_tcp->next_deadline());
}

void NetStack::send_probe(const Ipv6Addr& ip, const MacAddr* known_mac) {
    if (ip.is_v4_mapped()) {
        send_arp_request(ip.mapped_v4(), known_mac);
    } else {
        send_neighbor_solicitation(ip, known_mac);
    }
}

}  // namespace slip::stack
