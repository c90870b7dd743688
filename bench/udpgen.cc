// slipstream-udpgen: the load generator of the UDP echo benchmark. It owns one DPDK
// port (normally the client end of a net_memif pair), sends UDP frames of a fixed size
// as fast as its core allows, answers ARP for its own address (the engine under test
// resolves it like any neighbor) and counts the UDP frames that come back. The device
// under test is either the slipstream engine (UDP echo) or dpdk-testpmd (io forward).
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "dataplane/eal.h"
#include "dataplane/port.h"
#include "dataplane/setup_error.h"
#include "dataplane/signals.h"
#include "stack/base/byte_order.h"
#include "stack/net/arp.h"
#include "stack/net/checksum.h"
#include "stack/net/ethernet.h"
#include "stack/net/ipv4.h"
#include "stack/net/udp.h"

using namespace slip;
using Clock = std::chrono::steady_clock;

namespace {

struct GenOptions {
    std::string vdev = "net_memif0,role=client,socket=/tmp/slip-bench.sock,socket-abstract=no";
    std::string lcores = "0";
    std::string file_prefix = "slip-udpgen";
    std::string src_ip = "10.0.1.1";
    std::string dst_ip = "10.0.1.2";
    std::string dst_mac = "02:00:00:00:00:02";
    uint16_t size = 64;  // frame size without FCS
    uint16_t flows = 16;
    double warmup_s = 1.0;
    double duration_s = 5.0;
    double linger_s = 0.0;
    // Frames in flight at most (sent, not yet back). Open-loop overload only burns the
    // generator's core on frames the ring refuses; a window keeps the pipe full instead.
    uint32_t window = 512;
    uint32_t memory_mb = 256;
};

struct Template {
    std::array<uint8_t, 2048> bytes{};
    uint16_t len = 0;
};

Template build_template(const GenOptions& o, const stack::MacAddr& src_mac, const stack::MacAddr& dst_mac,
                        stack::Ipv4Addr src, stack::Ipv4Addr dst) {
    Template t;
    t.len = o.size;
    uint8_t* p = t.bytes.data();
    stack::write_ethernet(p, dst_mac, src_mac, stack::EtherType::ipv4);
    const uint16_t ip_len = static_cast<uint16_t>(o.size - stack::kEthernetHeaderLen);
    const uint16_t udp_len = static_cast<uint16_t>(ip_len - stack::kIpv4MinHeaderLen);
    stack::write_ipv4(p + 14, stack::Ipv4Header{20, ip_len, 0, 64, 17, src, dst});
    uint8_t* udp = p + 34;
    for (uint16_t i = 8; i < udp_len; ++i) {
        udp[i] = static_cast<uint8_t>(i);
    }
    stack::write_udp(udp, 9000, 7, udp_len, 0);
    const uint64_t sum = stack::checksum_partial(udp, udp_len, stack::pseudo_header_v4(src, dst, 17, udp_len));
    stack::store_be16(udp + 6, static_cast<uint16_t>(~stack::checksum_fold(sum)));
    return t;
}

// Answers an ARP request for our address in place. Returns true when `m` was reused.
bool answer_arp(rte_mbuf* m, const stack::MacAddr& our_mac, stack::Ipv4Addr our_ip) {
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    if (m->data_len < 42 || stack::load_be16(p + 12) != 0x0806) {
        return false;
    }
    const auto arp = stack::parse_arp(p + 14, m->data_len - 14u);
    if (!arp || arp->op != stack::ArpOp::request || arp->target_ip != our_ip) {
        return false;
    }
    stack::write_ethernet(p, arp->sender_mac, our_mac, stack::EtherType::arp);
    stack::write_arp(p + 14, {stack::ArpOp::reply, our_mac, our_ip, arp->sender_mac, arp->sender_ip});
    return true;
}

int run(const GenOptions& o) {
    dataplane::EalOptions eal;
    eal.lcores = o.lcores;
    eal.file_prefix = o.file_prefix;
    eal.memory_mb = o.memory_mb;
    // memif zero-copy (client side) shares the pool memory, which must be one file per segment list.
    eal.extra_args.push_back("--single-file-segments");
    dataplane::PortOptions port_opts;
    port_opts.kind = dataplane::PortKind::vdev;
    port_opts.vdev = o.vdev;
    port_opts.rx_descriptors = 1024;
    port_opts.tx_descriptors = 1024;
    dataplane::Eal eal_session(eal, port_opts.eal_device_args(), false);
    dataplane::Port port(port_opts);
    dataplane::install_stop_signals();

    const auto src = *stack::Ipv4Addr::parse(o.src_ip);
    const auto dst = *stack::Ipv4Addr::parse(o.dst_ip);
    const auto dst_mac = *stack::MacAddr::parse(o.dst_mac);
    const Template tpl = build_template(o, port.mac(), dst_mac, src, dst);

    // Wait for the link (memif connects when both ends run).
    const auto link_deadline = Clock::now() + std::chrono::seconds(20);
    while (!port.link().up) {
        if (Clock::now() > link_deadline || dataplane::stop_signal_received()) {
            std::fprintf(stderr, "udpgen: link did not come up (is the device under test running?)\n");
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }

    constexpr uint16_t kBurst = 32;
    rte_mbuf* tx[kBurst];
    rte_mbuf* rx[kBurst];
    rte_mbuf* replies[kBurst];
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t sent_at_start = 0;
    uint64_t received_at_start = 0;
    uint16_t flow = 0;
    const auto start = Clock::now();
    const auto measure_from = start + std::chrono::duration<double>(o.warmup_s);
    const auto measure_to = measure_from + std::chrono::duration<double>(o.duration_s);
    bool measuring = false;
    uint64_t polls = 0;
    for (;;) {
        // Clock reads cost: check the phase every 64 polls.
        if ((++polls & 63) == 0) {
            const auto now = Clock::now();
            if (!measuring && now >= measure_from) {
                measuring = true;
                sent_at_start = sent;
                received_at_start = received;
            }
            if (now >= measure_to || dataplane::stop_signal_received()) {
                break;
            }
        }
        if (sent - received + kBurst <= o.window && rte_pktmbuf_alloc_bulk(port.pool(), tx, kBurst) == 0) {
            for (auto* m : tx) {
                char* d = rte_pktmbuf_append(m, tpl.len);
                std::memcpy(d, tpl.bytes.data(), tpl.len);
                // Vary the source port over `flows` values (checksum fixed up by RFC 1624).
                uint8_t* udp = reinterpret_cast<uint8_t*>(d) + 34;
                const uint16_t port_no = static_cast<uint16_t>(9000 + flow);
                stack::store_be16(udp + 6, stack::checksum_adjust(stack::load_be16(udp + 6), 9000, port_no));
                stack::store_be16(udp, port_no);
                flow = static_cast<uint16_t>((flow + 1) % o.flows);
            }
            const uint16_t n = rte_eth_tx_burst(port.id(), 0, tx, kBurst);
            sent += n;
            if (n < kBurst) {
                rte_pktmbuf_free_bulk(tx + n, kBurst - n);
            }
        }
        const uint16_t got = rte_eth_rx_burst(port.id(), 0, rx, kBurst);
        uint16_t nreplies = 0;
        for (uint16_t i = 0; i < got; ++i) {
            if (answer_arp(rx[i], port.mac(), src)) {
                replies[nreplies++] = rx[i];
            } else {
                ++received;
                rte_pktmbuf_free(rx[i]);
            }
        }
        if (nreplies > 0) {
            const uint16_t n = rte_eth_tx_burst(port.id(), 0, replies, nreplies);
            rte_pktmbuf_free_bulk(replies + n, nreplies - n);
        }
    }
    const double secs = o.duration_s;
    const double tx_pps = double(sent - sent_at_start) / secs;
    const double rx_pps = double(received - received_at_start) / secs;
    std::printf("{\"frame_size\":%u,\"tx_pps\":%.0f,\"rx_pps\":%.0f,\"seconds\":%.1f}\n", o.size, tx_pps, rx_pps, secs);
    std::fflush(stdout);
    // Keep the port open until told to stop: DPDK 22.11's memif server crashes when its
    // client leaves first, so the benchmark script stops the device under test first.
    const auto linger_end = Clock::now() + std::chrono::duration<double>(o.linger_s);
    while (Clock::now() < linger_end && !dataplane::stop_signal_received()) {
        const uint16_t got = rte_eth_rx_burst(port.id(), 0, rx, kBurst);
        rte_pktmbuf_free_bulk(rx, got);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    GenOptions o;
    CLI::App app{"UDP load generator for the slipstream benchmarks (one port, one core)", "slipstream-udpgen"};
    app.add_option("--vdev", o.vdev, "DPDK vdev to send through")->capture_default_str();
    app.add_option("--lcores", o.lcores, "EAL core list")->capture_default_str();
    app.add_option("--file-prefix", o.file_prefix, "EAL file prefix")->capture_default_str();
    app.add_option("--src-ip", o.src_ip, "Our address (ARP is answered for it)")->capture_default_str();
    app.add_option("--dst-ip", o.dst_ip, "Address of the device under test")->capture_default_str();
    app.add_option("--dst-mac", o.dst_mac, "MAC of the device under test")->capture_default_str();
    app.add_option("--size", o.size, "Frame size in bytes, without FCS")->capture_default_str()->check(CLI::Range(60, 1514));
    app.add_option("--flows", o.flows, "Distinct source ports")->capture_default_str()->check(CLI::Range(1, 4096));
    app.add_option("--warmup", o.warmup_s, "Seconds before measuring")->capture_default_str();
    app.add_option("--duration", o.duration_s, "Seconds measured")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--linger", o.linger_s, "Seconds to keep the port open after measuring")->capture_default_str();
    app.add_option("--memory", o.memory_mb, "MiB for EAL")->capture_default_str();
    app.add_option("--window", o.window, "Frames in flight at most")->capture_default_str()->check(CLI::Range(32, 1 << 20));
    CLI11_PARSE(app, argc, argv);
    try {
        return run(o);
    } catch (const dataplane::SetupError& e) {
        std::fprintf(stderr, "slipstream-udpgen: %s\n", e.what());
        return 2;
    }
}
