#include "dataplane/port.h"

#include <net/if.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "dataplane/setup_error.h"
#include "dataplane/xdp_holder.h"
#include "stack/net/toeplitz.h"

namespace slip::dataplane {

std::optional<PortKind> parse_port_kind(const std::string& name) {
    if (name == "af_xdp" || name == "afxdp") {
        return PortKind::af_xdp;
    }
    if (name == "af_packet" || name == "afpacket") {
        return PortKind::af_packet;
    }
    if (name == "tap") {
        return PortKind::tap;
    }
    if (name == "pci") {
        return PortKind::pci;
    }
    if (name == "vdev") {
        return PortKind::vdev;
    }
    return std::nullopt;
}

const char* port_kind_name(PortKind kind) {
    switch (kind) {
        case PortKind::af_xdp:
            return "af_xdp";
        case PortKind::af_packet:
            return "af_packet";
        case PortKind::tap:
            return "tap";
        case PortKind::pci:
            return "pci";
        case PortKind::vdev:
            return "vdev";
    }
    return "?";
}

std::string PortOptions::validate() const {
    if (queues == 0 || queues > 64) {
        return "port queues must be between 1 and 64";
    }
    if (rx_descriptors < 64 || tx_descriptors < 64 || rx_descriptors > 16384 || tx_descriptors > 16384) {
        return "port rx/tx descriptors must be between 64 and 16384";
    }
    switch (kind) {
        case PortKind::af_xdp:
        case PortKind::af_packet:
            if (iface.empty() || iface.size() >= IF_NAMESIZE) {
                return std::string("port ") + port_kind_name(kind) + " needs --iface, the kernel interface to attach to";
            }
            // Checked here so a typo is one clear line instead of a PMD probe failure.
            if (if_nametoindex(iface.c_str()) == 0) {
                return "port: interface '" + iface + "' does not exist (" + port_kind_name(kind) +
                       " attaches to an existing kernel interface); run 'scripts/lab up' or pass --iface";
            }
            // Before the driver touches the interface: failing to bind a queue another
            // process holds, it would detach that process's XDP program on its way out.
            if (kind == PortKind::af_xdp) {
                if (const auto h = find_xdp_holder(iface); h && !h->processes.empty()) {
                    return "port: " + iface + " is already taken for AF_XDP: " + describe_xdp_holder(iface, *h) +
                           "; stop that process (another engine?) or give this one another --iface";
                }
            }
            break;
        case PortKind::tap:
            if (iface.empty() || iface.size() >= IF_NAMESIZE) {
                return "port tap needs --iface, the name of the tap interface to create";
            }
            break;
        case PortKind::pci:
            if (pci.empty()) {
                return "port pci needs --pci, the device's PCI address (see 'dpdk-devbind.py --status')";
            }
            break;
        case PortKind::vdev:
            if (vdev.empty() || vdev.rfind("net_", 0) != 0) {
                return "port vdev needs --vdev, a DPDK virtual device string such as net_memif0,role=server";
            }
            break;
    }
    return {};
}

std::vector<std::string> PortOptions::eal_device_args() const {
    switch (kind) {
        case PortKind::af_xdp:
            return {"--vdev", "net_af_xdp0,iface=" + iface + ",start_queue=0,queue_count=" + std::to_string(queues) +
                                  (xdp_object_path.empty() ? "" : ",xdp_prog=" + xdp_object_path)};
        case PortKind::af_packet:
            // A larger ring than the default: with it, 1500-byte bursts are not lost
            // silently in the kernel (37% of them were lost with the default ring on veth).
            return {"--vdev", "net_af_packet0,iface=" + iface + ",qpairs=" + std::to_string(queues) +
                                  ",blocksz=4096,framesz=2048,framecnt=8192"};
        case PortKind::tap:
            return {"--vdev", "net_tap0,iface=" + iface};
        case PortKind::pci:
            return {"-a", pci};
        case PortKind::vdev:
            return {"--vdev", vdev};
    }
    return {};
}

std::string PortOptions::describe() const {
    switch (kind) {
        case PortKind::af_xdp:
        case PortKind::af_packet:
        case PortKind::tap:
            return std::string(port_kind_name(kind)) + " on " + iface;
        case PortKind::pci:
            return "pci " + pci;
        case PortKind::vdev:
            return "vdev " + vdev;
    }
    return "?";
}

namespace {

// The af_xdp driver reports every failure to bind its socket as EINVAL: name what holds
// the interface where that can be found.
std::string queue_setup_failure(const PortOptions& opts, uint16_t q, int rc) {
    std::string s = "port: queue " + std::to_string(q) + " of " + opts.describe() + " could not be set up (" +
                    std::string(rte_strerror(-rc)) + ")";
    if (opts.kind == PortKind::af_xdp) {
        if (const auto h = find_xdp_holder(opts.iface)) {
            if (!h->processes.empty()) {
                return s + ": the queue is taken, " + describe_xdp_holder(opts.iface, *h) +
                       "; stop that process (another engine?) or give this one another --iface";
            }
            return s + "; " + describe_xdp_holder(opts.iface, *h) + ": if it was left by an engine that was killed, " +
                   "remove it with 'ip link set dev " + opts.iface + " xdp off'; else try fewer --rx-descriptors/--tx-descriptors";
        }
    }
    return s + "; try fewer --rx-descriptors/--tx-descriptors";
}

}  // namespace

Port::Port(const PortOptions& opts, uint16_t nth) {
    if (rte_eth_dev_count_avail() <= nth) {
        throw SetupError("port: no Ethernet device appeared for " + opts.describe() +
                         " (the driver failed to probe it); rerun with --log-level info to see DPDK's reason");
    }
    uint16_t id = 0;
    uint16_t seen = 0;
    RTE_ETH_FOREACH_DEV(id) {
        if (seen++ == nth) {
            m_id = id;
            break;
        }
    }
    configure(opts);
}

void Port::configure(const PortOptions& opts) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(m_id, &info) != 0) {
        throw SetupError("port: cannot read device info of port " + std::to_string(m_id));
    }
    m_driver = info.driver_name ? info.driver_name : "?";
    m_queues = opts.queues;
    if (m_queues > info.max_rx_queues || m_queues > info.max_tx_queues) {
        throw SetupError("port: " + opts.describe() + " offers " + std::to_string(info.max_rx_queues) +
                         " queue pairs, " + std::to_string(m_queues) + " asked; lower --queues");
    }
    const int socket = rte_eth_dev_socket_id(m_id) < 0 ? 0 : rte_eth_dev_socket_id(m_id);
    // Enough buffers to fill every ring twice over, plus per-core caches and bursts in flight.
    uint32_t mbufs = opts.mbufs;
    if (mbufs == 0) {
        // TCP holds buffers in send queues and reassembly on top of the rings: leave room.
        mbufs = std::max<uint32_t>(32767, 2u * m_queues * (opts.rx_descriptors + opts.tx_descriptors) + 16384);
    }
    const std::string pool_name = "slip_pool_p" + std::to_string(m_id);
    m_pool = rte_pktmbuf_pool_create(pool_name.c_str(), mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (m_pool == nullptr) {
        throw SetupError("port: cannot create a pool of " + std::to_string(mbufs) + " packet buffers (" +
                         std::string(rte_strerror(rte_errno)) + "); raise --memory or lower --mbufs");
    }
    // Views of TCP payload (the send queue's references, segments on the wire) own no data:
    // 128-byte buffers packed together, so walking a send queue or a window of segments
    // touches a few dense pages instead of one 2 KiB buffer's header per view.
    const std::string view_pool_name = "slip_views_p" + std::to_string(m_id);
    m_view_pool = rte_pktmbuf_pool_create(view_pool_name.c_str(), mbufs, 256, 0, 0, socket);
    if (m_view_pool == nullptr) {
        throw SetupError("port: cannot create a pool of " + std::to_string(mbufs) + " payload views (" +
                         std::string(rte_strerror(rte_errno)) + "); raise --memory or lower --mbufs");
    }
    // One pattern buffer per queue for the bulk services (see stack::PatternSource): as
    // large as a buffer's 16-bit lengths allow, so a stream is made of 64 KiB views.
    const std::string pattern_pool_name = "slip_pattern_p" + std::to_string(m_id);
    const uint32_t patterns = m_queues + opts.extra_pattern_buffers;
    m_pattern_pool = rte_pktmbuf_pool_create(pattern_pool_name.c_str(), patterns, 0, 0, UINT16_MAX, socket);
    if (m_pattern_pool == nullptr) {
        throw SetupError("port: cannot create " + std::to_string(patterns) + " 64 KiB pattern buffers (" +
                         std::string(rte_strerror(rte_errno)) + "); raise --memory");
    }
    if (opts.held_buffers > 0) {
        const std::string held_pool_name = "slip_held_p" + std::to_string(m_id);
        m_held_pool = rte_pktmbuf_pool_create(held_pool_name.c_str(), opts.held_buffers, 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, socket);
        if (m_held_pool == nullptr) {
            throw SetupError("port: cannot create a pool of " + std::to_string(opts.held_buffers) +
                             " buffers for held data (" + std::string(rte_strerror(rte_errno)) + "); raise --memory");
        }
    }
    rte_eth_conf conf{};
    if (m_queues > 1) {
        // Spread flows over the queues by their addresses and ports, with the key the stacks'
        // flow steering computes with (stack/session/flow_steering.h): where the NIC hashes
        // with it, every segment arrives at the queue holding its connection, and active
        // opens choose ports that come back to their own queue.
        static uint8_t rss_key[40];
        std::copy(stack::kDefaultRssKey.begin(), stack::kDefaultRssKey.end(), rss_key);
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP);
        if (info.hash_key_size == sizeof rss_key) {
            conf.rx_adv_conf.rss_conf.rss_key = rss_key;
            conf.rx_adv_conf.rss_conf.rss_key_len = sizeof rss_key;
        }
    }
    // TCP segments are a header buffer chained to views of the payload (zero copy). Drivers
    // that cannot send chains get them linearised by the queue loop instead.
    m_multi_seg_tx = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
    m_tx_needs_kick = m_driver == "net_af_xdp";
    if (m_driver == "net_memif" && opts.kind == PortKind::vdev && opts.vdev.find("zero-copy=yes") != std::string::npos) {
        m_tx_burst_limit = 4;  // see tx_burst_limit()
    }
    if (m_multi_seg_tx) {
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    }
    int rc = rte_eth_dev_configure(m_id, m_queues, m_queues, &conf);
    if (rc != 0) {
        throw SetupError("port: configuring " + opts.describe() + " failed (" + std::string(rte_strerror(-rc)) + ")");
    }
    uint16_t rx_desc = opts.rx_descriptors;
    uint16_t tx_desc = opts.tx_descriptors;
    rte_eth_dev_adjust_nb_rx_tx_desc(m_id, &rx_desc, &tx_desc);
    for (uint16_t q = 0; q < m_queues; ++q) {
        rc = rte_eth_rx_queue_setup(m_id, q, rx_desc, static_cast<unsigned>(socket), nullptr, m_pool);
        if (rc == 0) {
            rc = rte_eth_tx_queue_setup(m_id, q, tx_desc, static_cast<unsigned>(socket), nullptr);
        }
        if (rc != 0) {
            throw SetupError(queue_setup_failure(opts, q, rc));
        }
    }
    if (opts.mac) {
        rte_ether_addr addr;
        std::memcpy(addr.addr_bytes, opts.mac->bytes.data(), 6);
        rc = rte_eth_dev_default_mac_addr_set(m_id, &addr);
        if (rc != 0) {
            throw SetupError("port: " + opts.describe() + " refused MAC " + opts.mac->to_string() + " (" +
                             std::string(rte_strerror(-rc)) + "); leave --mac unset to use the device's");
        }
    }
    rc = rte_eth_dev_start(m_id);
    if (rc != 0) {
        throw SetupError("port: starting " + opts.describe() + " failed (" + std::string(rte_strerror(-rc)) +
                         "); rerun with --log-level info to see the driver's reason");
    }
    m_started = true;
    rte_ether_addr addr{};
    rte_eth_macaddr_get(m_id, &addr);
    std::memcpy(m_mac.bytes.data(), addr.addr_bytes, 6);
    // A host stack must see frames for its multicast groups (IPv6 ND).
    rte_eth_allmulticast_enable(m_id);
}

Port::~Port() {
    if (m_started) {
        rte_eth_dev_stop(m_id);
        rte_eth_dev_close(m_id);
    }
    if (m_pool != nullptr) {
        rte_mempool_free(m_pool);
    }
    if (m_view_pool != nullptr) {
        rte_mempool_free(m_view_pool);
    }
    if (m_pattern_pool != nullptr) {
        rte_mempool_free(m_pattern_pool);
    }
    if (m_held_pool != nullptr) {
        rte_mempool_free(m_held_pool);
    }
}

LinkState Port::link() const {
    rte_eth_link link{};
    rte_eth_link_get_nowait(m_id, &link);
    return {link.link_status == RTE_ETH_LINK_UP, link.link_speed, link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX};
}

rte_eth_stats Port::stats() const {
    rte_eth_stats st{};
    rte_eth_stats_get(m_id, &st);
    return st;
}

}  // namespace slip::dataplane
