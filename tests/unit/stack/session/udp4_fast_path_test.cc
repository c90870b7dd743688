// The one-pass IPv4 UDP path against the step chain: every frame goes through a stack
// with the fast path and one without, and what comes out (frames, byte for byte) and
// what is counted (every drop reason and event but the fast path's own) must agree.
// The plainly valid frames must take the fast path; everything else must not.
#include <boost/test/unit_test.hpp>

#include <functional>

#include "stack/base/byte_order.h"
#include "stack/base/rng.h"
#include "stack/net/checksum.h"
#include "stack/session/net_stack.h"
#include "tests/support/frames.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

const Ipv4Addr kGateway = Ipv4Addr::from_octets(10, 0, 0, 254);
const Ipv4Addr kRemote = Ipv4Addr::from_octets(192, 0, 2, 9);

StackOptions options(bool fast) {
    StackOptions o;
    o.ipv4 = Ipv4Prefix::parse("10.0.0.2/24");
    o.ipv6 = Ipv6Prefix::parse("fd00::2/64");
    o.gateway4 = kGateway;
    o.udp_fast_path = fast;
    return o;
}

// Echo (RFC 862): the datagram goes back as it came (a `reflect`, in place).
struct Reflect final : UdpService {
    UdpAction on_datagram(Mbuf*, const UdpMeta&, Instant) override { return UdpAction::reflect; }
};

// Answers with the first half of the payload (a `reply`, built by the general path).
struct HalfReply final : UdpService {
    UdpAction on_datagram(Mbuf* payload, const UdpMeta&, Instant) override {
        buf::truncate(payload, buf::pkt_len(payload) / 2);
        return UdpAction::reply;
    }
};

// Keeps nothing and answers nothing.
struct Swallow final : UdpService {
    UdpAction on_datagram(Mbuf* payload, const UdpMeta&, Instant) override {
        buf::free(payload);
        return UdpAction::consumed;
    }
};

struct Side {
    explicit Side(bool fast) : net(options(fast), kEngineMac, pool()) {
        net.udp_bind(7, &echo);
        net.udp_bind(8, &half);
        net.udp_bind(9, &swallow);
        // The peer resolves us first, so replies to it go out at once.
        feed(make_ethernet(MacAddr::broadcast(), kPeerMac, 0x0806,
                           make_arp(1, kPeerMac, kPeerIp, MacAddr{}, kEngineIp)));
    }
    ~Side() {
        // Frames waiting for the gateway's resolution are given up after the probes.
        for (int i = 0; i < 10; ++i) {
            now = now + Duration::seconds(1);
            net.on_timer(now);
            drain();
        }
    }
    // Frames the stack sent in answer to `m`.
    std::vector<Bytes> feed(Mbuf* m) {
        net.rx({&m, 1}, now);
        return drain();
    }
    std::vector<Bytes> feed(const Bytes& frame) { return feed(make_mbuf(frame)); }
    std::vector<Bytes> drain() {
        std::vector<Bytes> out;
        Mbuf* tx[64];
        while (const uint32_t n = net.poll_tx(tx)) {
            for (uint32_t i = 0; i < n; ++i) {
                out.push_back(bytes_of(tx[i]));
            }
            buf::free_bulk({tx, n});
        }
        return out;
    }
    Reflect echo;
    HalfReply half;
    Swallow swallow;
    NetStack net;
    Instant now{1'000'000'000};
};

struct Pair {
    Side fast{true};
    Side chain{false};

    // Runs one frame through both; returns whether the fast path took it.
    bool check(const Bytes& frame, const std::string& what) {
        return check_mbufs(make_mbuf(frame), make_mbuf(frame), what);
    }
    bool check_mbufs(Mbuf* a, Mbuf* b, const std::string& what) {
        const uint64_t before = fast.net.counters()[Event::rx_udp_fast];
        const auto out_fast = fast.feed(a);
        const auto out_chain = chain.feed(b);
        BOOST_TEST((out_fast == out_chain), what << ": same frames out");
        Counters cf = fast.net.counters();
        cf.events[size_t(Event::rx_udp_fast)] = 0;
        BOOST_TEST((cf.drops == chain.net.counters().drops), what << ": same drops");
        BOOST_TEST((cf.events == chain.net.counters().events), what << ": same events");
        BOOST_TEST(chain.net.counters()[Event::rx_udp_fast] == 0u);
        return fast.net.counters()[Event::rx_udp_fast] != before;
    }
};

Bytes echo_frame(const Bytes& payload, Ipv4Fields ip = {}, uint16_t dport = 7) {
    return make_ethernet(kEngineMac, kPeerMac, 0x0800,
                         make_ipv4(ip, make_udp4(ip.src, ip.dst, 9000, dport, payload)));
}

// Rewrites a field of a valid frame and fixes up the IPv4 header checksum (so the frame
// is wrong only in the way the test means).
Bytes with_ip(Bytes f, const std::function<void(uint8_t*)>& edit) {
    uint8_t* ip = f.data() + 14;
    edit(ip);
    const size_t hl = (ip[0] & 0x0f) * 4u;
    store_be16(ip + 10, 0);
    store_be16(ip + 10, checksum(ip, std::min(hl, f.size() - 14)));
    return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(udp4_fast_path)

BOOST_AUTO_TEST_CASE(plain_datagrams_take_the_fast_path_and_match_the_chain) {
    LeakCheck leaks;
    {
        Pair p;
        for (size_t len : {0, 1, 18, 19, 512, 1472}) {
            BOOST_TEST(p.check(echo_frame(Bytes(len, 0xa5)), "payload " + std::to_string(len)));
        }
        // A zero UDP checksum means "none" over IPv4 (RFC 768).
        Bytes f = echo_frame(Bytes(10, 1));
        store_be16(&f[14 + 20 + 6], 0);
        BOOST_TEST(p.check(f, "no checksum"));
        // Link padding after the IP packet, and bytes after the UDP length inside it.
        Bytes padded = echo_frame(Bytes(4, 2));
        padded.resize(padded.size() + 20, 0xee);
        BOOST_TEST(p.check(padded, "link padding"));
        Bytes short_udp = echo_frame(Bytes(12, 3));
        store_be16(&short_udp[14 + 20 + 4], 8 + 4);  // UDP says 4 bytes of payload, IP carries 12
        const auto pseudo = pseudo_header_v4(kPeerIp, kEngineIp, 17, 12);
        store_be16(&short_udp[14 + 20 + 6], 0);
        store_be16(&short_udp[14 + 20 + 6], uint16_t(~checksum_fold(checksum_partial(&short_udp[34], 12, pseudo))));
        BOOST_TEST(p.check(short_udp, "UDP shorter than the IP payload"));
        // The NIC vouched for both checksums: trusted, as on the chain.
        Mbuf* a = make_mbuf(echo_frame(Bytes(8, 4)));
        Mbuf* b = make_mbuf(echo_frame(Bytes(8, 4)));
        for (Mbuf* m : {a, b}) {
            m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
            buf::data(m)[14 + 20 + 6] ^= 0x40;
        }
        BOOST_TEST(p.check_mbufs(a, b, "offloaded checksums"));
        // The NIC calls the UDP checksum bad but it is right: the stack sums it itself.
        a = make_mbuf(echo_frame(Bytes(8, 5)));
        b = make_mbuf(echo_frame(Bytes(8, 5)));
        for (Mbuf* m : {a, b}) {
            m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
        }
        BOOST_TEST(p.check_mbufs(a, b, "L4 flagged bad, right in fact"));
        // Services that answer with new content, or not at all.
        BOOST_TEST(p.check(echo_frame(Bytes(40, 6), {}, 8), "reply service"));
        BOOST_TEST(p.check(echo_frame(Bytes(40, 6), {}, 9), "consuming service"));
    }
}

BOOST_AUTO_TEST_CASE(replies_are_atomic_and_unmarked) {
    // A request without DF and with the ECN bits at CE: the reply (on both paths) has DF
    // set, the request's DSCP, no ECN mark, and a right header checksum.
    LeakCheck leaks;
    {
        Pair p;
        const Bytes f = with_ip(echo_frame(Bytes(10, 9), Ipv4Fields{.frag = 0}), [](uint8_t* ip) { ip[1] = 0xb8 | 0x03; });
        BOOST_TEST(p.check(f, "no DF, CE"));
        Mbuf* m = make_mbuf(f);
        const auto out = p.fast.feed(m);
        BOOST_REQUIRE(out.size() == 1u);
        const uint8_t* ip = out[0].data() + 14;
        BOOST_TEST(load_be16(ip + 6) == 0x4000);
        BOOST_TEST(ip[1] == 0xb8);
        BOOST_TEST(ipv4_min_header_checksum_ok(ip));
        BOOST_TEST(load_be32(ip + 12) == kEngineIp.value);
        BOOST_TEST(load_be32(ip + 16) == kPeerIp.value);
    }
}

BOOST_AUTO_TEST_CASE(everything_else_goes_to_the_chain_with_the_same_outcome) {
    LeakCheck leaks;
    {
        Pair p;
        const Bytes valid = echo_frame(Bytes(18, 0x5a));
        std::vector<std::pair<std::string, Bytes>> cases;
        Bytes f = valid;
        f[0] = 0xff, f[1] = 0xff, f[2] = 0xff, f[3] = 0xff, f[4] = 0xff, f[5] = 0xff;
        cases.emplace_back("broadcast MAC", f);
        f = valid;
        f[5] ^= 1;
        cases.emplace_back("other MAC", f);
        f = valid;
        f[12] = 0x86, f[13] = 0xdd;
        cases.emplace_back("IPv6 ethertype", f);
        cases.emplace_back("IPv4 options", echo_frame(Bytes(18, 1), Ipv4Fields{.options = {1, 1, 1, 0}}));
        cases.emplace_back("bad IPv4 checksum", echo_frame(Bytes(18, 1), Ipv4Fields{.bad_checksum = true}));
        cases.emplace_back("more fragments", echo_frame(Bytes(18, 1), Ipv4Fields{.frag = 0x2000}));
        cases.emplace_back("fragment offset", echo_frame(Bytes(18, 1), Ipv4Fields{.frag = 0x0001}));
        cases.emplace_back("TTL zero", echo_frame(Bytes(18, 1), Ipv4Fields{.ttl = 0}));
        cases.emplace_back("version 5", with_ip(valid, [](uint8_t* ip) { ip[0] = 0x55; }));
        cases.emplace_back("total length beyond the frame",
                           with_ip(valid, [](uint8_t* ip) { store_be16(ip + 2, load_be16(ip + 2) + 1); }));
        cases.emplace_back("total length below IP+UDP", with_ip(valid, [](uint8_t* ip) { store_be16(ip + 2, 27); }));
        cases.emplace_back("TCP", with_ip(valid, [](uint8_t* ip) { ip[9] = 6; }));
        cases.emplace_back("multicast source", echo_frame(Bytes(3, 1), Ipv4Fields{.src = Ipv4Addr::from_octets(224, 0, 0, 1)}));
        cases.emplace_back("broadcast source", echo_frame(Bytes(3, 1), Ipv4Fields{.src = Ipv4Addr{0xffffffffu}}));
        cases.emplace_back("our own source", echo_frame(Bytes(3, 1), Ipv4Fields{.src = kEngineIp}));
        cases.emplace_back("subnet broadcast source",
                           echo_frame(Bytes(3, 1), Ipv4Fields{.src = Ipv4Addr::from_octets(10, 0, 0, 255)}));
        cases.emplace_back("to another host", echo_frame(Bytes(3, 1), Ipv4Fields{.dst = Ipv4Addr::from_octets(10, 0, 0, 3)}));
        cases.emplace_back("to the limited broadcast",
                           echo_frame(Bytes(3, 1), Ipv4Fields{.dst = Ipv4Addr{0xffffffffu}}));
        cases.emplace_back("to the subnet broadcast",
                           echo_frame(Bytes(3, 1), Ipv4Fields{.dst = Ipv4Addr::from_octets(10, 0, 0, 255)}));
        cases.emplace_back("unbound port", echo_frame(Bytes(3, 1), {}, 4444));
        f = valid;
        store_be16(&f[14 + 20 + 4], 7);
        cases.emplace_back("UDP length below 8", f);
        f = valid;
        store_be16(&f[14 + 20 + 4], 8 + 19);
        cases.emplace_back("UDP length beyond the IP payload", f);
        f = valid;
        f[f.size() - 1] ^= 0x10;
        cases.emplace_back("bad UDP checksum", f);
        for (size_t n = 0; n < valid.size(); n += 3) {
            cases.emplace_back("truncated to " + std::to_string(n), Bytes(valid.begin(), valid.begin() + n));
        }
        for (const auto& [what, frame] : cases) {
            BOOST_TEST(!p.check(frame, what), what << ": left to the chain");
        }
        // Accepted by the fast path, but the reply goes through the general output path:
        // a sender off the subnet (via the gateway, still being resolved).
        BOOST_TEST(p.check(echo_frame(Bytes(5, 1), Ipv4Fields{.src = kRemote}), "off-subnet sender"));
        // Chained buffers always take the chain.
        const Bytes chained = echo_frame(Bytes(100, 7));
        Mbuf* heads[2];
        for (Mbuf*& h : heads) {
            h = make_mbuf(Bytes(chained.begin(), chained.begin() + 50));
            Mbuf* tail = make_mbuf(Bytes(chained.begin() + 50, chained.end()));
            buf::chain(h, h, tail, buf::pkt_len(tail), 1);
        }
        BOOST_TEST(!p.check_mbufs(heads[0], heads[1], "two segments"));
    }
}

BOOST_AUTO_TEST_CASE(random_corruptions_agree) {
    LeakCheck leaks;
    {
        Pair p;
        Rng rng(2026);
        size_t taken = 0;
        for (int i = 0; i < 20000; ++i) {
            Bytes f = echo_frame(Bytes(1 + rng.below(64), uint8_t(i)));
            // One to three bytes anywhere in the headers (and sometimes the payload) changed.
            for (uint32_t k = 0, n = 1 + rng.below(3); k < n; ++k) {
                f[rng.below(uint32_t(std::min<size_t>(f.size(), 50)))] ^= uint8_t(1 + rng.below(255));
            }
            if (rng.below(4) == 0) {
                f = with_ip(f, [](uint8_t*) {});  // header checksum made right again
            }
            taken += p.check(f, "corruption " + std::to_string(i));
        }
        BOOST_TEST_MESSAGE(taken << " of 20000 corrupted frames were still plain valid datagrams");
    }
}

BOOST_AUTO_TEST_SUITE_END()
