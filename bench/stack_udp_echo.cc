// slipstream-stack-udp-echo: what the stack itself costs per UDP echo, without a port.
// Bursts of 32 identical 64-byte echo requests are allocated and copied into buffers
// (what a copying PMD's RX does), run through NetStack::rx, and the replies freed in
// bulk (what its TX does). The same loop without NetStack::rx is the anchor; the
// difference is the stack's share per packet.
#include <rte_mbuf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "apps/services/udp_echo.h"
#include "stack/session/net_stack.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

using namespace slip;
using namespace slip::stack;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint16_t kBurst = 32;

double run(NetStack* net, const test::Bytes& frame, uint64_t bursts) {
    rte_mbuf* in[kBurst];
    rte_mbuf* out[kBurst * 2];
    const auto t0 = Clock::now();
    for (uint64_t b = 0; b < bursts; ++b) {
        if (rte_pktmbuf_alloc_bulk(test::pool(), in, kBurst) != 0) {
            std::fprintf(stderr, "pool exhausted\n");
            return 0;
        }
        for (auto* m : in) {
            std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
        }
        if (net != nullptr) {
            net->rx({in, kBurst}, Instant{});
            const uint32_t n = net->poll_tx({out, kBurst * 2});
            rte_pktmbuf_free_bulk(out, n);
        } else {
            rte_pktmbuf_free_bulk(in, kBurst);
        }
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    return ns / double(bursts * kBurst);
}

}  // namespace

int main(int argc, char** argv) {
    const uint64_t bursts = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
    StackOptions opts;
    opts.ipv4 = Ipv4Prefix::parse("10.0.0.2/24");
    apps::UdpEcho echo;
    NetStack net(opts, test::kEngineMac, test::pool());
    net.udp_bind(7, &echo);
    StackOptions slow_opts = opts;
    slow_opts.udp_fast_path = false;
    NetStack slow(slow_opts, test::kEngineMac, test::pool());
    slow.udp_bind(7, &echo);
    // The peer asks for us first, so its address is resolved when the echo replies go out.
    auto arp = test::make_ethernet(MacAddr::broadcast(), test::kPeerMac, 0x0806,
                                   test::make_arp(1, test::kPeerMac, test::kPeerIp, MacAddr{}, test::kEngineIp));
    for (NetStack* s : {&net, &slow}) {
        rte_mbuf* m = test::make_mbuf(arp);
        s->rx({&m, 1}, Instant{});
        rte_mbuf* out[4];
        rte_pktmbuf_free_bulk(out, s->poll_tx(out));
    }
    const test::Bytes payload(18, 0x5a);
    const auto frame = test::make_ethernet(
        test::kEngineMac, test::kPeerMac, 0x0800,
        test::make_ipv4({}, test::make_udp4(test::kPeerIp, test::kEngineIp, 9000, 7, payload)));
    // Many short rounds, each configuration's fastest kept: on a shared VM, interference
    // only ever adds time, so the minimum is the repeatable figure.
    double base = 1e9;
    double chain = 1e9;
    double with = 1e9;
    for (int round = 0; round < 30; ++round) {
        base = std::min(base, run(nullptr, frame, bursts / 10));
        chain = std::min(chain, run(&slow, frame, bursts / 10));
        with = std::min(with, run(&net, frame, bursts / 10));
    }
    std::printf("alloc+copy+free %.2f ns/pkt | step chain +%.2f ns/pkt | fast path +%.2f ns/pkt (fastest of 30 rounds, echoed %llu)\n",
                base, chain - base, with - base, static_cast<unsigned long long>(echo.datagrams()));
}
