// Deterministic fuzz smoke test, run in every build: valid frames of every kind the
// stack parses, mutated (bit flips, byte overwrites, truncation, extension, length-field
// lies) and fed through the libFuzzer target. A crash, a sanitizer report or a leaked
// buffer fails it. The libFuzzer build explores further from the same seeds.
#include <boost/test/unit_test.hpp>

#include "stack/base/byte_order.h"
#include "stack/base/rng.h"
#include "tests/fuzz/netstack_rx_target.h"
#include "tests/support/frames.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

// TCP segments for the listener on port 7, a closed port and no connection: SYNs with
// every option the stack parses (RFC 9293 MSS, RFC 7323 WS and TS, RFC 2018 SACK-permitted
// and blocks, RFC 7413 Fast Open), a SYN with a malformed option, a lone ACK (the SYN-cookie
// check), data, FIN and RST for no connection.
std::vector<Bytes> tcp_seeds() {
    const Bytes all_options = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    const Bytes tfo_request = {2, 4, 5, 0xb4, 34, 2, 1, 1};
    const Bytes tfo_cookie = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 1, 1};
    const Bytes sack_blocks = {1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0};
    const Bytes bad_length = {2, 0, 5, 0xb4};
    return {
        make_tcp_frame({.options = all_options}, {}),
        make_tcp_frame({.options = all_options}, {}, true),
        make_tcp_frame({.options = tfo_request}, {}),
        make_tcp_frame({.options = tfo_cookie}, Bytes(30, 'x')),
        make_tcp_frame({.options = bad_length}, {}),
        make_tcp_frame({.dport = 4444, .options = all_options}, {}),
        make_tcp_frame({.ack = 12345, .flags = 0x10, .options = sack_blocks}, {}),
        make_tcp_frame({.ack = 12345, .flags = 0x18}, Bytes(100, 'y'), true),
        make_tcp_frame({.ack = 12345, .flags = 0x11}, {}),
        make_tcp_frame({.flags = 0x04}, {}),
    };
}

std::vector<Bytes> seeds() {
    const Ipv6Addr peer6 = peer_ip6();
    const Ipv6Addr engine6 = engine_ip6();
    Bytes ns_body(20, 0);  // reserved + target, then a source link-layer option
    std::copy(engine6.bytes.begin(), engine6.bytes.end(), ns_body.begin() + 4);
    ns_body.insert(ns_body.end(), {1, 1, 2, 0, 0, 0, 0, 1});
    return {
        make_ethernet(MacAddr::broadcast(), kPeerMac, 0x0806,
                      make_arp(1, kPeerMac, kPeerIp, MacAddr{}, kEngineIp)),
        make_udp4_frame(5000, 7, Bytes(40, 0x5a)),
        make_udp4_frame(5000, 9, Bytes(3, 1)),  // closed port: ICMP error path
        make_ethernet(kEngineMac, kPeerMac, 0x0800,
                      make_ipv4({.protocol = 1}, make_icmp_echo(8, 1, 1, Bytes(56, 7)))),
        make_ethernet(kEngineMac, kPeerMac, 0x0800,
                      make_ipv4({.options = {1, 1, 1, 0}}, make_udp4(kPeerIp, kEngineIp, 1, 7, Bytes(9, 9)))),
        make_udp6_frame(5000, 7, Bytes(100, 0x11)),
        make_ethernet(kEngineMac, kPeerMac, 0x86dd,
                      make_ipv6(peer6, engine6, 58, 64, make_icmpv6(peer6, engine6, 128, 0, Bytes(60, 3)))),
        make_ethernet(engine6.solicited_node().multicast_mac(), kPeerMac, 0x86dd,
                      make_ipv6(peer6, engine6.solicited_node(), 58, 255,
                                make_icmpv6(peer6, engine6.solicited_node(), 135, 0, ns_body))),
        make_ethernet(kEngineMac, kPeerMac, 0x86dd,
                      make_ipv6(peer6, engine6, 0, 64, [&] {  // hop-by-hop then UDP
                          Bytes hbh = {17, 0, 1, 4, 0, 0, 0, 0};
                          const Bytes udp = make_udp6(peer6, engine6, 1, 7, Bytes(20, 4));
                          hbh.insert(hbh.end(), udp.begin(), udp.end());
                          return hbh;
                      }())),
    };
}

Bytes mutate(const Bytes& seed, Rng& rng) {
    Bytes b = seed;
    const unsigned edits = 1 + static_cast<unsigned>(rng.below(4));
    for (unsigned e = 0; e < edits; ++e) {
        switch (rng.below(6)) {
            case 0:  // flip a bit
                if (!b.empty()) {
                    b[rng.below(b.size())] ^= static_cast<uint8_t>(1u << rng.below(8));
                }
                break;
            case 1:  // overwrite a byte with an interesting value
                if (!b.empty()) {
                    static const uint8_t values[] = {0, 1, 0x7f, 0x80, 0xff, 5, 6, 17, 58, 0x45, 0x60};
                    b[rng.below(b.size())] = values[rng.below(sizeof values)];
                }
                break;
            case 2:  // truncate
                b.resize(rng.below(b.size() + 1));
                break;
            case 3:  // extend with garbage
                for (uint64_t i = rng.below(64); i > 0; --i) {
                    b.push_back(static_cast<uint8_t>(rng.next()));
                }
                break;
            case 4:  // lie in a 16-bit field somewhere in the headers
                if (b.size() >= 2) {
                    const size_t at = rng.below(std::min<size_t>(b.size() - 1, 80));
                    store_be16(&b[at], static_cast<uint16_t>(rng.next()));
                }
                break;
            default:  // splice in part of another frame kind
                break;
        }
    }
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(netstack_rx_smoke)

BOOST_AUTO_TEST_CASE(seeds_are_handled) {
    for (const auto& s : seeds()) {
        netstack_rx_one(s.data(), s.size());
    }
}

BOOST_AUTO_TEST_CASE(mutated_frames_never_crash_or_leak) {
    Rng rng(20261122);
    const auto all = seeds();
    for (int i = 0; i < 200000; ++i) {
        const Bytes b = mutate(all[rng.below(all.size())], rng);
        netstack_rx_one(b.data(), b.size());
    }
    BOOST_TEST(true);
}

// Mutated TCP segments with their checksum made right again half of the time, so that the
// mutations reach the option parser, LISTEN and the SYN-cookie check instead of stopping at
// the checksum.
BOOST_AUTO_TEST_CASE(mutated_tcp_segments_never_crash_or_leak) {
    Rng rng(20261123);
    const auto all = tcp_seeds();
    for (const auto& seed : all) {
        netstack_rx_one(seed.data(), seed.size());
    }
    for (int i = 0; i < 100000; ++i) {
        Bytes b = mutate(all[rng.below(all.size())], rng);
        if (rng.below(2) == 0) {
            fix_tcp_checksum(b);
        }
        netstack_rx_one(b.data(), b.size());
    }
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash_or_leak) {
    Rng rng(7);
    for (int i = 0; i < 50000; ++i) {
        Bytes b(rng.below(200));
        for (auto& x : b) {
            x = static_cast<uint8_t>(rng.next());
        }
        netstack_rx_one(b.data(), b.size());
    }
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
