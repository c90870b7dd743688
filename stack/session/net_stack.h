#pragma once
// The protocol stack of one core, sans-I/O: frames and the current time go in,
// frames and the next deadline come out. It owns the neighbor table, the transmit
// queue, the UDP port demux and the per-reason counters of its core.
//
//   rx(burst, now)      frames from the port; every buffer is consumed (sent on,
//                       queued, handed to a service, or dropped and counted)
//   poll_tx(out)        frames ready for the port
//   next_deadline()     when on_timer() wants to run next
//   on_timer(now)       neighbor probes and expiry
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "stack/base/counters.h"
#include "stack/base/instant.h"
#include "stack/base/token_bucket.h"
#include "stack/buf/mbuf.h"
#include "stack/buf/mbuf_queue.h"
#include "stack/net/neighbor_table.h"
#include "stack/session/flow_steering.h"
#include "stack/session/stack_options.h"
#include "stack/session/udp_service.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::stack {

struct Ipv4Header;
struct Ipv6Header;
struct ArpPacket;

class NetStack final : private NeighborEvents, private tcp::TcpLink {
public:
    // `pool` supplies buffers for frames the stack originates (ARP, NS, ICMP errors).
    // `view_pool`: small indirect buffers for TCP payload views (see Port::view_pool);
    // `pool` serves for them when absent.
    NetStack(const StackOptions& opts, const MacAddr& mac, MbufPool* pool, MbufPool* view_pool = nullptr);
    ~NetStack() override;
    NetStack(const NetStack&) = delete;
    NetStack& operator=(const NetStack&) = delete;

    void rx(std::span<Mbuf*> burst, Instant now);
    uint32_t poll_tx(std::span<Mbuf*> out) { return m_tx.pop_burst(out); }
    uint32_t tx_pending() const { return m_tx.size(); }
    Instant next_deadline() const;
    void on_timer(Instant now);

    // Binds a service to a local UDP port (both address families). False if taken.
    bool udp_bind(uint16_t port, UdpService* service);
    void udp_unbind(uint16_t port);
    // Sends `payload` (data at the UDP payload) as a datagram from meta.dst* : dst_port
    // to meta.src* : src_port, i.e. as a reply to `meta`. Consumes the buffer.
    void udp_send_reply(Mbuf* payload, const UdpMeta& meta, Instant now);
    // Sends `payload` from our address and `local_port` to `remote`:`remote_port`
    // (an IPv4 or an IPv6 remote, by `flow.ipv6`). Consumes the buffer.
    void udp_send(Mbuf* payload, const UdpFlow& flow, Instant now);

    // TCP of this core: listen, connect, send, close (stack/tcp/tcp_layer.h).
    tcp::TcpLayer& tcp() { return *m_tcp; }
    const tcp::TcpLayer& tcp() const { return *m_tcp; }
    // The seed of a stack's TCP flow hash and timestamp offset (see net_stack.cc).
    static uint64_t tcp_seed(const MacAddr& mac, const void* instance);

    // Which queue frames belong to (several queues only; nullptr with one).
    const FlowSteering* steering() const { return m_steering.get(); }
    const Counters& counters() const { return m_counters; }
    const NeighborTable& neighbors() const { return m_neighbors; }
    const MacAddr& mac() const { return m_mac; }
    const StackOptions& options() const { return m_opts; }
    const Ipv6Addr& link_local() const { return m_link_local; }

private:
    // Input steps (one file each: arp_input.cc, ipv4_input.cc, ipv6_input.cc, udp_input.cc).
    void rx_frame(Mbuf* m, Instant now);
    void arp_input(Mbuf* m, Instant now);
    void ipv4_input(Mbuf* m, Instant now);
    void icmp_input(Mbuf* m, uint8_t* ip, const Ipv4Header& h, Instant now);
    void ipv6_input(Mbuf* m, Instant now);
    void icmpv6_input(Mbuf* m, uint8_t* ip, const Ipv6Header& h, uint16_t offset, Instant now);
    void neighbor_solicitation_input(Mbuf* m, const Ipv6Header& h, const uint8_t* msg, size_t len, Instant now);
    void neighbor_advertisement_input(Mbuf* m, const Ipv6Header& h, const uint8_t* msg, size_t len, Instant now);
    void udp_input(Mbuf* m, uint8_t* ip, UdpMeta& meta, uint32_t udp_len, bool destined_to_unicast, Instant now);
    void udp_finish(Mbuf* m, const UdpMeta& meta, UdpAction action, Instant now);
    // The one-pass path for plain IPv4 UDP to a bound port (udp4_fast_path.cc); false,
    // with nothing touched, for every frame the step chain above must see. True frames are
    // left to the caller to count.
    bool udp4_fast_input(Mbuf* m, Instant now);
    void udp4_fast_reflect(Mbuf* m, const UdpMeta& meta, uint32_t udp_len, Instant now);
    void tcp_input(Mbuf* m, const Ipv6Addr& src, const Ipv6Addr& dst, uint32_t tcp_len, bool unicast,
                   uint64_t pseudo_sum, Instant now);

    // TcpLink (tcp_input.cc)
    void tcp_transmit(Mbuf* segment, const tcp::FlowKey& key, Instant now) override;
    bool tcp_local_address(const Ipv6Addr& remote, Ipv6Addr& local) const override;
    uint32_t tcp_tx_room() const override { return m_tx.capacity() - m_tx.size(); }

    // Output (output.cc): route, resolve the next hop, add the Ethernet header, queue.
    void send_ipv4(Mbuf* m, Ipv4Addr dst, Instant now);
    void send_ipv6(Mbuf* m, const Ipv6Addr& dst, Instant now);
    void send_resolved(Mbuf* m, const Ipv6Addr& next_hop, bool ipv6, Instant now);
    // Into the TX queue (inline: every reply of the one-pass UDP path takes it).
    void transmit(Mbuf* m) {
        if (!m_tx.push(m)) {
            return drop(m, DropReason::tx_queue_full);
        }
        m_counters.count(Event::tx_frames);
    }
    void send_arp_request(Ipv4Addr target, const MacAddr* known_mac);
    void send_neighbor_solicitation(const Ipv6Addr& target, const MacAddr* known_mac);
    void send_icmp_port_unreachable(Mbuf* m, uint8_t* ip, bool ipv6, Instant now);
    const Ipv6Addr& ipv6_source_for(const Ipv6Addr& dst) const;
    void flush_resolved(const Ipv6Addr& ip, const MacAddr& mac, std::span<Mbuf* const> pending);

    // Address predicates.
    bool is_our_ipv4(Ipv4Addr a) const { return m_opts.ipv4 && a == m_opts.ipv4->addr; }
    bool is_our_ipv6(const Ipv6Addr& a) const { return a == m_link_local || (m_opts.ipv6 && a == m_opts.ipv6->addr); }
    bool accepts_ipv6_dst(const Ipv6Addr& a) const;
    bool accepts_mac(const MacAddr& dst) const;

    void drop(Mbuf* m, DropReason reason) {
        m_counters.drop(reason);
        m_free[m_free_count++] = m;
        if (m_free_count == m_free.size()) {
            flush_free();
        }
    }
    void flush_free() {
        buf::free_bulk({m_free.data(), m_free_count});
        m_free_count = 0;
    }

    // NeighborEvents
    void send_probe(const Ipv6Addr& ip, const MacAddr* known_mac) override;
    void drop_unresolved(Mbuf* m) override { drop(m, DropReason::neigh_unresolved); }
    void expired(const Ipv6Addr&) override { m_counters.count(Event::neigh_expired); }

    StackOptions m_opts;
    MacAddr m_mac;
    // The IPv4 prefix's mask and broadcast address, worked out once: the one-pass UDP path
    // checks a datagram's source against both.
    uint32_t m_ipv4_mask = 0;
    Ipv4Addr m_ipv4_broadcast;
    MbufPool* m_pool;
    Ipv6Addr m_link_local;
    Ipv6Addr m_link_local_group;  // solicited-node group of the link-local address
    Ipv6Addr m_global_group;      // solicited-node group of the configured address
    NeighborTable m_neighbors;
    MbufQueue m_tx;
    TokenBucket m_icmp_errors;
    Counters m_counters;
    std::array<UdpService*, 65536> m_udp_ports{};
    std::unique_ptr<tcp::TcpLayer> m_tcp;
    std::unique_ptr<FlowSteering> m_steering;
    std::array<Mbuf*, 64> m_free{};
    uint32_t m_free_count = 0;
    uint16_t m_ipv4_id = 0;
};

}  // namespace slip::stack
