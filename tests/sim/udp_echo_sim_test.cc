// UDP echo between two stacks across an impaired link: whatever arrives is intact,
// what is lost is lost by the link (and counted there), and no buffer leaks.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "apps/services/udp_echo.h"
#include "stack/base/rng.h"
#include "tests/sim/sim_link.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;
using slip::dataplane::ImpairmentOptions;

namespace {

Bytes random_payload(Rng& rng, uint32_t index) {
    Bytes b(1 + rng.below(1400));
    for (auto& x : b) {
        x = static_cast<uint8_t>(rng.next());
    }
    if (b.size() >= 4) {  // make every payload unique
        b[0] = static_cast<uint8_t>(index >> 24);
        b[1] = static_cast<uint8_t>(index >> 16);
        b[2] = static_cast<uint8_t>(index >> 8);
        b[3] = static_cast<uint8_t>(index);
    }
    return b;
}

struct EchoResult {
    size_t sent = 0;
    size_t received = 0;
    size_t unknown = 0;
    Counters a;
    Counters b;
};

EchoResult run_echo(const ImpairmentOptions& ab, const ImpairmentOptions& ba, bool ipv6, uint32_t count) {
    const unsigned baseline = mbufs_in_use();
    EchoResult r;
    {
        NetStack a(sim_options(false), kSimMacA, pool());
        NetStack b(sim_options(true), kSimMacB, pool());
        slip::apps::UdpEcho echo;
        UdpCollector collector;
        b.udp_bind(7, &echo);
        a.udp_bind(5000, &collector);
        SimLink link(a, b, ab, ba);
        // Resolve first so link loss during ARP/ND does not count as datagram loss.
        send_udp(a, ipv6, Bytes{0}, 5000, 7, link.now());
        link.run_for(Duration::seconds(4));
        collector.payloads.clear();
        Rng rng(99);
        std::set<Bytes> sent;
        for (uint32_t i = 0; i < count; ++i) {
            Bytes p = random_payload(rng, i);
            sent.insert(p);
            send_udp(a, ipv6, p, 5000, 7, link.now());
            link.run_for(Duration::microseconds(200));
        }
        link.run_for(Duration::milliseconds(100));
        r.sent = count;
        r.received = collector.payloads.size();
        for (const auto& p : collector.payloads) {
            r.unknown += sent.count(p) == 0;
        }
        r.a = a.counters();
        r.b = b.counters();
    }
    BOOST_TEST(mbufs_in_use() == baseline, "no buffer leaked");
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(udp_echo_sim)

BOOST_AUTO_TEST_CASE(clean_link_echoes_everything_v4_and_v6) {
    for (bool v6 : {false, true}) {
        const auto r = run_echo({}, {}, v6, 500);
        BOOST_TEST(r.received == r.sent);
        BOOST_TEST(r.unknown == 0u);
        BOOST_TEST(r.a.total_drops() + r.b.total_drops() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(loss_reorder_duplication_delay) {
    std::string err;
    const auto ab = *ImpairmentOptions::parse("loss=10%,reorder=5%,duplicate=5%,delay=2ms,jitter=1ms,seed=3", err);
    const auto ba = *ImpairmentOptions::parse("loss=10%,reorder=5%,duplicate=5%,delay=2ms,jitter=1ms,seed=4", err);
    const auto r = run_echo(ab, ba, false, 2000);
    // Each echo crosses the link twice: survival (0.9)^2 = 0.81, duplication adds ~10%.
    const double ratio = double(r.received) / double(r.sent);
    BOOST_TEST(ratio > 0.78);
    BOOST_TEST(ratio < 1.0);
    BOOST_TEST(r.unknown == 0u, "every echo is byte-identical to something sent");
}

BOOST_AUTO_TEST_CASE(corruption_is_caught_by_checksums_never_delivered) {
    std::string err;
    const auto corrupt = *ImpairmentOptions::parse("corrupt=30%,seed=5", err);
    const auto r = run_echo(corrupt, {}, false, 1000);
    BOOST_TEST(r.unknown == 0u, "no corrupted payload reached the application");
    BOOST_TEST(r.received < r.sent);
    // The corrupted frames were dropped by a reason, not silently.
    const uint64_t caught = r.b[DropReason::udp_bad_checksum] + r.b[DropReason::ipv4_bad_checksum] +
                            r.b.total_drops();
    BOOST_TEST(caught > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
