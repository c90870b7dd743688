#pragma once
// One Ethernet port: a DPDK ethdev reached by PCI address or as a virtual device
// (af_xdp, af_packet, tap, or any vdev string), with one mempool on the port's NUMA
// node and `queues` RX/TX queue pairs, one per polling core.
#include <rte_ethdev.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/net/addr.h"

namespace slip::dataplane {

enum class PortKind { af_xdp, af_packet, tap, pci, vdev };

// The XDP program of an af_xdp port: the engine's own filter (dataplane/xdp: the kernel keeps
// every frame that is not the engine's) or DPDK's default (every frame of the queue).
enum class XdpProgramChoice { ours, dpdk };

struct PortOptions {
    PortKind kind = PortKind::af_xdp;
    // Kernel interface for af_xdp and af_packet; name of the tap interface to create for tap.
    std::string iface = "veth0";
    // PCI address for kind pci, e.g. 0000:3b:00.0.
    std::string pci;
    // Full DPDK vdev string for kind vdev, e.g. "net_memif0,role=server,socket=/run/x.sock".
    std::string vdev;
    // RX/TX queue pairs; one polling core each.
    uint16_t queues = 1;
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
    // Packet buffers in the port's pool (all queues together); 0 picks a size from the
    // descriptor counts.
    uint32_t mbufs = 0;
    // Buffers that received data an application holds past its per-connection threshold is
    // copied into, so it frees receive buffers (UMEM frames on af_xdp); 0: none (held data
    // stays where it arrived).
    uint32_t held_buffers = 8192;
    // Pattern buffers beyond one per queue (application workers make their own).
    uint16_t extra_pattern_buffers = 0;
    // MAC address to use instead of the device's.
    std::optional<stack::MacAddr> mac;
    XdpProgramChoice xdp_program = XdpProgramChoice::ours;
    // Our program answers SYNs to listening ports with SYN cookies itself (a flood never
    // reaches the engine). Off by default: see docs/architecture.md, "SYN cookies from XDP".
    bool xdp_syn_cookies = false;
    // af_xdp with our program: the file the driver loads it from (xdp_port_filter.h sets it).
    std::string xdp_object_path;

    std::string validate() const;
    // EAL arguments that make the device appear (--vdev ... or -a ...).
    std::vector<std::string> eal_device_args() const;
    bool needs_pci() const { return kind == PortKind::pci; }
    std::string describe() const;
};

std::optional<PortKind> parse_port_kind(const std::string& name);
const char* port_kind_name(PortKind kind);

struct LinkState {
    bool up = false;
    uint32_t speed_mbps = 0;
    bool full_duplex = false;
};

class Port {
public:
    // Finds the device EAL created (the `nth` one, for tools that create several),
    // configures queues and mempool, starts it. Throws SetupError with a one-line
    // explanation.
    explicit Port(const PortOptions& opts, uint16_t nth = 0);
    ~Port();
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;

    uint16_t id() const { return m_id; }
    uint16_t queues() const { return m_queues; }
    const stack::MacAddr& mac() const { return m_mac; }
    rte_mempool* pool() const { return m_pool; }
    // Indirect buffers without data room, for references to payload held elsewhere.
    rte_mempool* view_pool() const { return m_view_pool; }
    // One 64 KiB buffer per queue, for the pattern the bulk services send.
    rte_mempool* pattern_pool() const { return m_pattern_pool; }
    // Where held data past its threshold is copied (nullptr: nowhere).
    rte_mempool* held_pool() const { return m_held_pool; }
    LinkState link() const;
    rte_eth_stats stats() const;
    std::string driver_name() const { return m_driver; }
    // The driver sends chained buffers itself (RTE_ETH_TX_OFFLOAD_MULTI_SEGS).
    bool multi_seg_tx() const { return m_multi_seg_tx; }
    // Most frames one rte_eth_tx_burst call may be offered (0: any number). DPDK's memif
    // zero-copy TX (22.11 and later) checks for free ring slots only once per four
    // frames, assuming one slot each; a chained frame takes two or more, so a larger burst
    // can overwrite descriptors the peer has not read yet and have the driver free
    // buffers it no longer owns. Bursts of four never enter that unrolled loop.
    uint16_t tx_burst_limit() const { return m_tx_burst_limit; }
    // The driver only moves frames out when called: AF_XDP hands its TX ring to the kernel
    // with a sendto() "kick" inside tx_burst, and in generic (skb) mode, as on veth, each
    // kick sends at most a small batch. A sender that stops calling (its window full) would
    // leave the rest in the ring until its retransmission timer fires, so the queue loop
    // offers such a port an empty burst on every poll with nothing else to send.
    bool tx_needs_kick() const { return m_tx_needs_kick; }

private:
    void configure(const PortOptions& opts);

    uint16_t m_id = 0;
    uint16_t m_queues = 0;
    bool m_multi_seg_tx = false;
    uint16_t m_tx_burst_limit = 0;
    bool m_tx_needs_kick = false;
    stack::MacAddr m_mac;
    rte_mempool* m_pool = nullptr;
    rte_mempool* m_view_pool = nullptr;
    rte_mempool* m_pattern_pool = nullptr;
    rte_mempool* m_held_pool = nullptr;
    std::string m_driver;
    bool m_started = false;
};

}  // namespace slip::dataplane
