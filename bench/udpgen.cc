// slipstream-udpgen: the load generator of the UDP echo benchmark. It owns a DPDK port
// (normally the client end of a net_memif pair), sends UDP frames of a fixed size as
// fast as its core allows, answers ARP for its own address (the engine under test
// resolves it like any neighbor) and counts the UDP frames that come back. The device
// under test is either the slipstream engine (UDP echo) or dpdk-testpmd (io forward).
//
// With two ports (--vdev twice) and the process behind each (--pause-pids), it measures
// both devices in interleaved slices of a fraction of a second: the one not being
// measured is stopped (SIGSTOP), so each has the polling core to itself, and both see
// the same machine. On the 2-vCPU development VM the host moves the vCPUs every few
// seconds and rates halve or double with it; whole-process trials a few seconds apart
// compared different machines as often as not.
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
    // One port, or two to compare devices under test slice by slice.
    std::vector<std::string> vdevs = {"net_memif0,role=client,socket=/tmp/slip-bench.sock,socket-abstract=no"};
    // With two ports: the process behind each, stopped while the other is measured.
    std::vector<int> pause_pids;
    std::string lcores = "0";
    std::string file_prefix = "slip-udpgen";
    std::string src_ip = "10.0.1.1";
    std::string dst_ip = "10.0.1.2";
    std::string dst_mac = "02:00:00:00:00:02";
    uint16_t size = 64;  // frame size without FCS
    uint16_t flows = 16;
    double warmup_s = 1.0;
    double duration_s = 5.0;
    // With two ports: seconds measured per slice, and run unmeasured before each.
    double slice_s = 0.25;
    double settle_s = 0.05;
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

constexpr uint16_t kBurst = 32;

Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// One port and what came back through it.
struct Target {
    dataplane::Port* port = nullptr;
    Template tpl;
    stack::Ipv4Addr src;
    uint64_t sent = 0;
    uint64_t received = 0;
    uint16_t flow = 0;
    std::vector<double> slice_pps;
};

// One poll: a burst out if the window allows (and `send`), whatever came back in, ARP
// requests for our address answered.
void poll(Target& t, const GenOptions& o, bool send) {
    rte_mbuf* tx[kBurst];
    rte_mbuf* rx[kBurst];
    rte_mbuf* replies[kBurst];
    const uint16_t port_id = t.port->id();
    if (send && t.sent - t.received + kBurst <= o.window && rte_pktmbuf_alloc_bulk(t.port->pool(), tx, kBurst) == 0) {
        for (auto* m : tx) {
            char* d = rte_pktmbuf_append(m, t.tpl.len);
            std::memcpy(d, t.tpl.bytes.data(), t.tpl.len);
            // Vary the source port over `flows` values (checksum fixed up by RFC 1624).
            uint8_t* udp = reinterpret_cast<uint8_t*>(d) + 34;
            const uint16_t port_no = static_cast<uint16_t>(9000 + t.flow);
            stack::store_be16(udp + 6, stack::checksum_adjust(stack::load_be16(udp + 6), 9000, port_no));
            stack::store_be16(udp, port_no);
            t.flow = static_cast<uint16_t>((t.flow + 1) % o.flows);
        }
        const uint16_t n = rte_eth_tx_burst(port_id, 0, tx, kBurst);
        t.sent += n;
        if (n < kBurst) {
            rte_pktmbuf_free_bulk(tx + n, kBurst - n);
        }
    }
    const uint16_t got = rte_eth_rx_burst(port_id, 0, rx, kBurst);
    uint16_t nreplies = 0;
    for (uint16_t i = 0; i < got; ++i) {
        if (answer_arp(rx[i], t.port->mac(), t.src)) {
            replies[nreplies++] = rx[i];
        } else {
            ++t.received;
            rte_pktmbuf_free(rx[i]);
        }
    }
    if (nreplies > 0) {
        const uint16_t n = rte_eth_tx_burst(port_id, 0, replies, nreplies);
        rte_pktmbuf_free_bulk(replies + n, nreplies - n);
    }
}

// Polls `t` until `until` (clock read every 64 polls: reads cost) or a stop signal.
// False when stopped by a signal.
bool drive(Target& t, const GenOptions& o, Clock::time_point until, bool send) {
    for (uint64_t polls = 1;; ++polls) {
        if ((polls & 63) == 0 && (Clock::now() >= until || dataplane::stop_signal_received())) {
            return !dataplane::stop_signal_received();
        }
        poll(t, o, send);
    }
}

// The frames in flight come back (or 20 ms pass) before the device is paused, so no
// slice counts frames another one sent.
void drain(Target& t, const GenOptions& o) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(20);
    while (t.received < t.sent && Clock::now() < deadline) {
        poll(t, o, false);
    }
}

// Stops or resumes the process behind a port; a stop is waited for (the kernel stops a
// process's threads asynchronously), so the next device starts on an idle core.
void pause_process(int pid) {
    ::kill(pid, SIGSTOP);
    const std::string stat = "/proc/" + std::to_string(pid) + "/stat";
    for (int i = 0; i < 200; ++i) {
        std::FILE* f = std::fopen(stat.c_str(), "r");
        if (f == nullptr) {
            return;
        }
        int read_pid = 0;
        char comm[64] = {};
        char state = '?';
        const int fields = std::fscanf(f, "%d %63s %c", &read_pid, comm, &state);
        std::fclose(f);
        if (fields == 3 && state == 'T') {
            return;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(250));
    }
}
void resume_process(int pid) { ::kill(pid, SIGCONT); }

double median(std::vector<double> v) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print_list(const std::vector<double>& v) {
    std::printf("[");
    for (size_t i = 0; i < v.size(); ++i) {
        std::printf("%s%.0f", i == 0 ? "" : ",", v[i]);
    }
    std::printf("]");
}

// One port: warm up, then measure for the whole duration.
void measure_one(Target& t, const GenOptions& o) {
    if (!drive(t, o, Clock::now() + seconds(o.warmup_s), true)) {
        return;
    }
    const uint64_t sent0 = t.sent;
    const uint64_t received0 = t.received;
    drive(t, o, Clock::now() + seconds(o.duration_s), true);
    const double tx_pps = double(t.sent - sent0) / o.duration_s;
    const double rx_pps = double(t.received - received0) / o.duration_s;
    std::printf("{\"frame_size\":%u,\"tx_pps\":%.0f,\"rx_pps\":%.0f,\"seconds\":%.1f}\n", o.size, tx_pps, rx_pps,
                o.duration_s);
}

// Two ports: slices alternate A B B A A B ..., so neither always goes first after a
// pause; each pair of neighbouring slices gives one ratio of A to B.
void measure_interleaved(std::vector<Target>& targets, const GenOptions& o) {
    pause_process(o.pause_pids[1]);
    size_t active = 0;
    // Only the device about to be measured runs.
    const auto activate = [&](size_t i) {
        if (i != active) {
            pause_process(o.pause_pids[active]);
            resume_process(o.pause_pids[i]);
            active = i;
        }
    };
    // Each device warms up once, with the other paused.
    for (size_t i = 0; i < targets.size(); ++i) {
        activate(i);
        if (!drive(targets[i], o, Clock::now() + seconds(o.warmup_s / double(targets.size())), true)) {
            break;
        }
        drain(targets[i], o);
    }
    const size_t pairs = std::max<size_t>(1, size_t(o.duration_s / (2 * o.slice_s)));
    std::vector<double> ratios;
    for (size_t p = 0; p < pairs && !dataplane::stop_signal_received(); ++p) {
        const size_t order[2] = {p % 2 == 0 ? 0u : 1u, p % 2 == 0 ? 1u : 0u};
        for (size_t i : order) {
            Target& t = targets[i];
            activate(i);
            drive(t, o, Clock::now() + seconds(o.settle_s), true);
            const uint64_t received0 = t.received;
            const auto t0 = Clock::now();
            drive(t, o, t0 + seconds(o.slice_s), true);
            const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
            t.slice_pps.push_back(double(t.received - received0) / secs);
            drain(t, o);
        }
        ratios.push_back(targets[0].slice_pps.back() / std::max(1.0, targets[1].slice_pps.back()));
    }
    for (size_t i = 0; i < targets.size(); ++i) {
        resume_process(o.pause_pids[i]);
    }
    std::printf("{\"frame_size\":%u,\"slice_s\":%.3f,\"targets\":[", o.size, o.slice_s);
    for (size_t i = 0; i < targets.size(); ++i) {
        std::printf("%s{\"rx_pps_median\":%.0f,\"slices\":", i == 0 ? "" : ",", median(targets[i].slice_pps));
        print_list(targets[i].slice_pps);
        std::printf("}");
    }
    std::printf("],\"ratio_median\":%.4f,\"ratios\":[", median(ratios));
    for (size_t i = 0; i < ratios.size(); ++i) {
        std::printf("%s%.3f", i == 0 ? "" : ",", ratios[i]);
    }
    std::printf("]}\n");
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
    port_opts.vdev = o.vdevs[0];
    port_opts.rx_descriptors = 1024;
    port_opts.tx_descriptors = 1024;
    for (size_t i = 1; i < o.vdevs.size(); ++i) {
        eal.extra_args.push_back("--vdev");
        eal.extra_args.push_back(o.vdevs[i]);
    }
    dataplane::Eal eal_session(eal, port_opts.eal_device_args(), false);
    std::vector<std::unique_ptr<dataplane::Port>> ports;
    for (size_t i = 0; i < o.vdevs.size(); ++i) {
        port_opts.vdev = o.vdevs[i];
        ports.push_back(std::make_unique<dataplane::Port>(port_opts, static_cast<uint16_t>(i)));
    }
    dataplane::install_stop_signals();

    const auto src = *stack::Ipv4Addr::parse(o.src_ip);
    const auto dst = *stack::Ipv4Addr::parse(o.dst_ip);
    const auto dst_mac = *stack::MacAddr::parse(o.dst_mac);
    std::vector<Target> targets(ports.size());
    for (size_t i = 0; i < ports.size(); ++i) {
        targets[i].port = ports[i].get();
        targets[i].src = src;
        targets[i].tpl = build_template(o, ports[i]->mac(), dst_mac, src, dst);
    }

    // Wait for the links (memif connects when both ends run).
    const auto link_deadline = Clock::now() + std::chrono::seconds(20);
    for (const auto& port : ports) {
        while (!port->link().up) {
            if (Clock::now() > link_deadline || dataplane::stop_signal_received()) {
                std::fprintf(stderr, "udpgen: link did not come up (is the device under test running?)\n");
                return 1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (targets.size() == 1) {
        measure_one(targets[0], o);
    } else {
        measure_interleaved(targets, o);
    }
    std::fflush(stdout);
    // Keep the ports open until told to stop: DPDK 22.11's memif server crashes when its
    // client leaves first, so the benchmark script stops the devices under test first.
    rte_mbuf* rx[kBurst];
    const auto linger_end = Clock::now() + std::chrono::duration<double>(o.linger_s);
    while (Clock::now() < linger_end && !dataplane::stop_signal_received()) {
        for (const auto& port : ports) {
            const uint16_t got = rte_eth_rx_burst(port->id(), 0, rx, kBurst);
            rte_pktmbuf_free_bulk(rx, got);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    GenOptions o;
    CLI::App app{"UDP load generator for the slipstream benchmarks (one core; one port, or two compared slice by slice)", "slipstream-udpgen"};
    app.add_option("--vdev", o.vdevs, "DPDK vdev to send through; twice to compare two devices under test")
        ->capture_default_str()
        ->expected(1, 2);
    app.add_option("--pause-pids", o.pause_pids,
                   "With two --vdev: the process behind each, stopped while the other is measured")
        ->delimiter(',');
    app.add_option("--slice", o.slice_s, "With two --vdev: seconds measured per slice")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 10.0));
    app.add_option("--settle", o.settle_s, "With two --vdev: seconds run unmeasured before each slice")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 10.0));
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
    if (o.vdevs.size() == 2 && o.pause_pids.size() != 2) {
        std::fprintf(stderr,
                     "slipstream-udpgen: two --vdev need --pause-pids with the process behind each (both would "
                     "poll the same core otherwise)\n");
        return 2;
    }
    try {
        return run(o);
    } catch (const dataplane::SetupError& e) {
        std::fprintf(stderr, "slipstream-udpgen: %s\n", e.what());
        return 2;
    }
}
