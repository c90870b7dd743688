#pragma once
// Which polling core a received frame belongs to, when a port has several queues. Each
// queue's stack holds its own TCP connections, so every segment of a connection must reach
// the queue that holds it. The owner of a flow is where an RSS NIC puts it: the Toeplitz
// hash of its 4-tuple (source address, destination address, source port, destination port
// as received) through a redirection table of i % queues, with the port's key. On such a
// NIC frames arrive at their owner already; where the driver spreads them otherwise (veth
// picks a queue from the sending socket, and af_xdp takes no RSS key), the polling core
// that received a frame hands it to the owner over a ring (dataplane/queue_loop.cc).
//
// Active opens pick a local port whose flow this queue owns (TcpLayer's port filter), so
// the answers come back to it: no hand-off on an RSS NIC.
#include <array>
#include <cstdint>

#include "stack/buf/mbuf.h"
#include "stack/net/toeplitz.h"
#include "stack/tcp/flow_table.h"

namespace slip::stack {

class FlowSteering {
public:
    static constexpr uint16_t kLocal = 0xffff;       // this queue handles it (or drops it)
    static constexpr uint16_t kEveryQueue = 0xfffe;  // every queue learns from it
    static constexpr uint32_t kRetaSize = 128;

    FlowSteering(uint16_t queue, uint16_t queues, const std::array<uint8_t, 40>& key = kDefaultRssKey);

    // TCP segments: their flow's owner (possibly this queue). Neighbour answers (ARP
    // replies, Neighbor Advertisements): kEveryQueue, so every queue's neighbour table
    // resolves, whichever queue asked. Everything else (UDP, ICMP, ARP requests and
    // solicitations, what does not parse): kLocal.
    uint16_t classify(const Mbuf* frame) const;
    // The queue that receives the segments of `key` (our side's view: local, remote).
    uint16_t owner(const tcp::FlowKey& key) const;
    uint16_t queue() const { return m_queue; }
    uint16_t queues() const { return m_queues; }

private:
    uint16_t from_hash(uint32_t h) const { return m_reta[h % kRetaSize]; }
    uint16_t classify_ipv4(const uint8_t* ip, uint32_t len) const;
    uint16_t classify_ipv6(const uint8_t* ip, uint32_t len) const;

    Toeplitz m_hash;
    uint16_t m_queue;
    uint16_t m_queues;
    std::array<uint16_t, kRetaSize> m_reta;
};

}  // namespace slip::stack
