// ARP and Neighbor Discovery between two stacks on a virtual clock.
#include <boost/test/unit_test.hpp>

#include "apps/services/udp_echo.h"
#include "tests/sim/sim_link.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

struct TwoStacks {
    unsigned baseline = mbufs_in_use();
    NetStack a{sim_options(false), kSimMacA, pool()};
    NetStack b{sim_options(true), kSimMacB, pool()};
    slip::apps::UdpEcho echo;
    UdpCollector collector;
    TwoStacks() {
        b.udp_bind(7, &echo);
        a.udp_bind(5000, &collector);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(neighbor_sim)

BOOST_AUTO_TEST_CASE(arp_resolves_and_queued_datagrams_follow) {
    auto* t = new TwoStacks;
    const unsigned baseline = t->baseline;
    {
        SimLink link(t->a, t->b);
        // Ten datagrams before A knows B's MAC: held behind one ARP request, then sent.
        for (int i = 0; i < 10; ++i) {
            send_udp(t->a, false, Bytes(100, uint8_t(i)), 5000, 7, link.now());
        }
        link.run_for(Duration::milliseconds(5));
        BOOST_TEST(t->collector.payloads.size() == 10u);
        for (int i = 0; i < 10; ++i) {
            BOOST_TEST((t->collector.payloads[i] == Bytes(100, uint8_t(i))));
        }
        BOOST_TEST(t->a.counters()[Event::arp_requests_sent] == 1u);
        BOOST_TEST(t->b.counters()[Event::arp_replies_sent] == 1u);
        // B learned A from the request (RFC 826: the target adds the sender), so B never asks.
        BOOST_TEST(t->b.counters()[Event::arp_requests_sent] == 0u);
        BOOST_TEST(t->a.counters().total_drops() == 0u);
        BOOST_TEST(t->b.counters().total_drops() == 0u);
    }
    delete t;
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_CASE(neighbor_discovery_resolves_ipv6) {
    TwoStacks t;
    SimLink link(t.a, t.b);
    for (int i = 0; i < 5; ++i) {
        send_udp(t.a, true, Bytes(1200, uint8_t(i + 1)), 5000, 7, link.now());
    }
    link.run_for(Duration::milliseconds(5));
    BOOST_TEST(t.collector.payloads.size() == 5u);
    BOOST_TEST(t.a.counters()[Event::nd_solicitations_sent] == 1u);
    BOOST_TEST(t.b.counters()[Event::nd_advertisements_sent] == 1u);
    BOOST_TEST(t.collector.metas.at(0).ipv6);
    BOOST_TEST(t.a.counters().total_drops() == 0u);
}

BOOST_AUTO_TEST_CASE(unanswered_resolution_gives_up_after_three_probes) {
    TwoStacks t;
    SimLink link(t.a, t.b);
    UdpFlow nowhere;
    nowhere.remote4 = *Ipv4Addr::parse("10.0.0.99");
    nowhere.local_port = 5000;
    nowhere.remote_port = 7;
    for (int i = 0; i < 3; ++i) {
        t.a.udp_send(make_mbuf(Bytes(10, 1)), nowhere, link.now());
    }
    link.run_for(Duration::milliseconds(2500));
    // RFC 1122 §2.3.2.1: at most one request per second; three tries.
    BOOST_TEST(t.a.counters()[Event::arp_requests_sent] == 3u);
    BOOST_TEST(t.a.counters()[DropReason::neigh_unresolved] == 0u);
    link.run_for(Duration::milliseconds(1000));
    BOOST_TEST(t.a.counters()[DropReason::neigh_unresolved] == 3u);
    BOOST_TEST(t.a.neighbors().find(Ipv6Addr::v4_mapped(nowhere.remote4)) == nullptr);
}

BOOST_AUTO_TEST_CASE(pending_queue_is_bounded) {
    TwoStacks t;
    SimLink link(t.a, t.b);
    const uint32_t limit = t.a.options().neighbor.max_pending;
    for (uint32_t i = 0; i < limit + 10; ++i) {
        send_udp(t.a, false, Bytes(20, 7), 5000, 7, link.now());
    }
    BOOST_TEST(t.a.counters()[DropReason::neigh_queue_full] == 10u);
    link.run_for(Duration::milliseconds(5));
    BOOST_TEST(t.collector.payloads.size() == limit);
}

BOOST_AUTO_TEST_CASE(entries_go_stale_are_confirmed_by_unicast_probe_and_expire) {
    TwoStacks t;
    SimLink link(t.a, t.b);
    send_udp(t.a, false, Bytes(10, 1), 5000, 7, link.now());
    link.run_for(Duration::milliseconds(10));
    const Ipv6Addr key_b = Ipv6Addr::v4_mapped(*Ipv4Addr::parse("10.0.0.2"));
    BOOST_REQUIRE(t.a.neighbors().find(key_b) != nullptr);
    BOOST_TEST((t.a.neighbors().find(key_b)->state == NeighborState::reachable));
    // RFC 4861 §7.3.3: after REACHABLE_TIME the entry is stale but still used.
    link.run_for(Duration::seconds(31));
    BOOST_TEST((t.a.neighbors().find(key_b)->state == NeighborState::stale));
    send_udp(t.a, false, Bytes(10, 2), 5000, 7, link.now());
    link.run_for(Duration::milliseconds(10));
    BOOST_TEST(t.collector.payloads.size() == 2u);
    BOOST_TEST(t.a.counters()[Event::arp_requests_sent] == 2u);  // the unicast confirmation
    BOOST_TEST((t.a.neighbors().find(key_b)->state == NeighborState::reachable));
    // Unused, it goes stale and is then forgotten.
    link.run_for(Duration::seconds(100), Duration::milliseconds(10));
    BOOST_TEST(t.a.neighbors().find(key_b) == nullptr);
    BOOST_TEST(t.a.counters()[Event::neigh_expired] >= 1u);
}

BOOST_AUTO_TEST_SUITE_END()
