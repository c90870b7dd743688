// Flow steering over several queues: which queue a received frame belongs to (its TCP
// flow's owner by the Toeplitz hash, every queue for neighbour answers, this queue for the
// rest), the same owner for a flow seen from our side, and active opens that pick local
// ports their own queue owns.
#include <boost/test/unit_test.hpp>

#include <set>

#include "stack/session/flow_steering.h"
#include "stack/session/net_stack.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

const MacAddr kMac = *MacAddr::parse("02:00:00:00:00:02");

uint16_t classify(const FlowSteering& s, const Bytes& frame) {
    Mbuf* m = make_mbuf(frame);
    const uint16_t q = s.classify(m);
    buf::free(m);
    return q;
}

tcp::FlowKey key_of(uint16_t sport, uint16_t dport, bool ipv6) {
    tcp::FlowKey k;
    k.local = ipv6 ? engine_ip6() : Ipv6Addr::v4_mapped(kEngineIp);
    k.remote = ipv6 ? peer_ip6() : Ipv6Addr::v4_mapped(kPeerIp);
    k.local_port = dport;
    k.remote_port = sport;
    return k;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flow_steering)

BOOST_AUTO_TEST_CASE(tcp_segments_go_to_the_queue_their_flow_hashes_to) {
    const FlowSteering s(0, 4);
    const Toeplitz t;
    std::set<uint16_t> seen;
    for (uint16_t sport = 40000; sport < 40064; ++sport) {
        for (bool ipv6 : {false, true}) {
            const Bytes frame = make_tcp_frame(TcpFields{.sport = sport, .dport = 80}, {}, ipv6);
            const uint16_t q = classify(s, frame);
            BOOST_TEST(q < 4u);
            // As a NIC with the same key and redirection table would place it.
            Bytes in;
            if (ipv6) {
                in.assign(frame.begin() + 14 + 8, frame.begin() + 14 + 40);
                in.insert(in.end(), frame.begin() + 54, frame.begin() + 58);
            } else {
                in.assign(frame.begin() + 14 + 12, frame.begin() + 14 + 20);
                in.insert(in.end(), frame.begin() + 34, frame.begin() + 38);
            }
            BOOST_TEST(q == t.hash(in) % FlowSteering::kRetaSize % 4);
            // Seen from our side, the same flow has the same owner.
            BOOST_TEST(s.owner(key_of(sport, 80, ipv6)) == q);
            seen.insert(q);
        }
    }
    BOOST_TEST(seen.size() == 4u);  // 128 flows reach every queue
}

BOOST_AUTO_TEST_CASE(neighbour_answers_go_to_every_queue_the_rest_stays) {
    const FlowSteering s(1, 2);
    const Bytes reply = make_ethernet(kMac, kPeerMac, 0x0806, make_arp(2, kPeerMac, kPeerIp, kMac, kEngineIp));
    const Bytes request = make_ethernet(kMac, kPeerMac, 0x0806, make_arp(1, kPeerMac, kPeerIp, MacAddr{}, kEngineIp));
    BOOST_TEST(classify(s, reply) == FlowSteering::kEveryQueue);
    BOOST_TEST(classify(s, request) == FlowSteering::kLocal);
    const auto nd = [](uint8_t type, const Ipv6Addr& target) {
        return make_ethernet(kMac, kPeerMac, 0x86dd,
                             make_ipv6(peer_ip6(), engine_ip6(), 58, 255,
                                       make_neighbor_message(peer_ip6(), engine_ip6(), type, 0x60, target, {})));
    };
    const Bytes na = nd(136, peer_ip6());
    const Bytes ns = nd(135, engine_ip6());
    BOOST_TEST(classify(s, na) == FlowSteering::kEveryQueue);
    BOOST_TEST(classify(s, ns) == FlowSteering::kLocal);
    BOOST_TEST(classify(s, make_udp4_frame(5000, 7, Bytes(10, 'u'))) == FlowSteering::kLocal);
    // A fragment, a truncated header, an unknown EtherType: this queue decides (and drops).
    Ipv4Fields frag;
    frag.protocol = 6;
    frag.frag = 0x2000;  // more fragments
    BOOST_TEST(classify(s, make_ethernet(kMac, kPeerMac, 0x0800, make_ipv4(frag, Bytes(20, 0)))) == FlowSteering::kLocal);
    BOOST_TEST(classify(s, Bytes(10, 0)) == FlowSteering::kLocal);
    BOOST_TEST(classify(s, make_ethernet(kMac, kPeerMac, 0x88b5, Bytes(50, 0))) == FlowSteering::kLocal);
}

BOOST_AUTO_TEST_CASE(active_opens_pick_ports_their_own_queue_receives) {
    for (uint16_t queue = 0; queue < 3; ++queue) {
        StackOptions o;
        o.ipv4 = Ipv4Prefix{kEngineIp, 24};
        o.tcp.max_connections = 64;
        o.queue = queue;
        o.queues = 3;
        NetStack stack(o, kMac, pool(), view_pool());
        BOOST_REQUIRE(stack.steering() != nullptr);
        struct Quiet final : tcp::TcpService {
            void on_data(tcp::TcpHandle, Mbuf* m, uint32_t, Instant) override { buf::free(m); }
        } quiet;
        for (int i = 0; i < 20; ++i) {
            const tcp::TcpHandle h =
                stack.tcp().connect(Ipv6Addr::v4_mapped(kPeerIp), 8080, &quiet, Instant{1'000'000'000});
            BOOST_REQUIRE(h.valid());
            BOOST_TEST(stack.steering()->owner(stack.tcp().connection(h)->key) == queue);
        }
        stack.tcp().abort_all(Instant{1'000'000'000});
        Mbuf* out[64];
        while (uint32_t n = stack.poll_tx(out)) {
            buf::free_bulk({out, n});
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
