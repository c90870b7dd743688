// The data path does not allocate: after warm-up, a steady stream of echoes through two
// stacks makes no call to operator new (the stack's containers are sized at start).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "stack/services/udp_echo.h"
#include "tests/sim/sim_link.h"
#include "tests/support/test_env.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}

// Counting replacements for the global allocation functions of this test binary.
void* operator new(size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

using namespace slip::stack;
using namespace slip::test;

namespace {
// Counts datagrams without keeping them (UdpCollector would allocate).
class Counter final : public UdpService {
public:
    UdpAction on_datagram(Mbuf* payload, const UdpMeta&, Instant) override {
        ++count;
        buf::free(payload);
        return UdpAction::consumed;
    }
    uint64_t count = 0;
};
}  // namespace

BOOST_AUTO_TEST_SUITE(hot_path_alloc)

BOOST_AUTO_TEST_CASE(steady_state_echo_allocates_nothing) {
    NetStack a(sim_options(false), kSimMacA, pool());
    NetStack b(sim_options(true), kSimMacB, pool());
    UdpEcho echo;
    Counter counter;
    b.udp_bind(7, &echo);
    a.udp_bind(5000, &counter);
    SimLink link(a, b);
    UdpFlow flow;
    flow.remote4 = *Ipv4Addr::parse("10.0.0.2");
    flow.local_port = 5000;
    flow.remote_port = 7;
    for (bool ipv6 : {false, true}) {
        flow.ipv6 = ipv6;
        flow.remote6 = *Ipv6Addr::parse("fd00::2");
        Mbuf* first = rte_pktmbuf_alloc(pool());
        rte_pktmbuf_append(first, 64);
        a.udp_send(first, flow, link.now());
        link.step();  // warm-up: neighbor resolution
    }
    const uint64_t before = g_allocations.load();
    for (int i = 0; i < 10000; ++i) {
        flow.ipv6 = (i & 1) != 0;
        Mbuf* m = rte_pktmbuf_alloc(pool());
        rte_pktmbuf_append(m, static_cast<uint16_t>(64 + i % 1000));
        a.udp_send(m, flow, link.now());
        link.step();
    }
    const uint64_t during = g_allocations.load() - before;
    BOOST_TEST(counter.count == 10002u);
    BOOST_TEST(during == 0u, "operator new calls on the data path");
}

BOOST_AUTO_TEST_SUITE_END()
