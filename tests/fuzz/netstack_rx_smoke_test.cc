// Deterministic fuzz smoke test, run in every build: valid frames of every kind the
// stack parses, mutated (bit flips, byte overwrites, truncation, extension, length-field
// lies, splices of other frames) and fed through the libFuzzer target; and scripts of TCP
// segments played against a fresh stack after a canned handshake (the second target), whose
// mutations land inside an established connection. A crash, a sanitizer report or a leaked
// buffer fails it; the scripts must also be seen to reach ESTABLISHED, in-order delivery,
// reassembly and SACK processing. The libFuzzer build explores further from the same seeds.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <initializer_list>

#include "stack/base/byte_order.h"
#include "stack/base/rng.h"
#include "tests/fuzz/netstack_rx_target.h"
#include "tests/fuzz/netstack_tcp_script.h"
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

// Part of `from` copied into `into`: over its bytes at a random place (the length kept, so
// headers stay where parsers look) or, when that would change nothing, inserted there.
// Never returns `into` unchanged unless `from` is empty.
Bytes splice(const Bytes& into, const Bytes& from, Rng& rng) {
    if (from.empty()) {
        return into;
    }
    const size_t len = 1 + rng.below(std::min<size_t>(from.size(), 64));
    const size_t start = rng.below(from.size() - len + 1);
    const size_t at = rng.below(into.size() + 1);
    Bytes b = into;
    if (at + len <= b.size() && !std::equal(from.begin() + start, from.begin() + start + len, b.begin() + at)) {
        std::copy_n(from.begin() + start, len, b.begin() + at);
    } else {
        b.insert(b.begin() + at, from.begin() + start, from.begin() + start + len);
    }
    return b;
}

Bytes mutate(const Bytes& seed, Rng& rng, const std::vector<Bytes>& others) {
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
            default:  // splice in part of another frame (often of another kind)
                b = splice(b, others[rng.below(others.size())], rng);
                break;
        }
    }
    return b;
}

// ---- TCP scripts (netstack_tcp_script.h has the format) ----

// One record, with the flags as sent (the format stores them XOR ACK).
struct Rec {
    uint8_t flags = 0x10;  // ACK
    int16_t seq = 0;       // from the peer's ISN + 1
    int16_t ack = 0;       // from the highest sequence number the engine sent
    uint16_t len = 0;      // payload bytes, a multiple of 8
    uint8_t win = 0xff;
    uint8_t opts = 0;      // SACK block count, no-TS, same-burst, PAWS bits
    uint8_t sack[6] = {};
    uint8_t ms = 1;
    uint8_t quarters = 0;  // of a second
};
constexpr uint8_t kPsh = 0x18;  // PSH|ACK
constexpr uint8_t kFin = 0x11;  // FIN|ACK
constexpr uint8_t kRst = 0x04;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kSetup = 0x0e;  // IPv4, window scale, timestamps, SACK-permitted

Bytes script(uint8_t setup, std::initializer_list<Rec> recs) {
    Bytes b = {setup};
    for (const Rec& r : recs) {
        const uint8_t rec[kScriptRecord] = {
            uint8_t(r.flags ^ 0x10), uint8_t(uint16_t(r.seq) >> 8), uint8_t(r.seq), uint8_t(uint16_t(r.ack) >> 8),
            uint8_t(r.ack), uint8_t(r.len / 8), r.win, r.opts, r.sack[0], r.sack[1], r.sack[2], r.sack[3], r.sack[4],
            r.sack[5], r.ms, r.quarters};
        b.insert(b.end(), rec, rec + kScriptRecord);
    }
    return b;
}

struct ScriptSeed {
    const char* name;
    Bytes bytes;
    ScriptReach must;  // what this seed reaches unmutated
};

std::vector<ScriptSeed> script_seeds() {
    const Rec ack_all{.seq = 4000};
    // The engine echoed 4000 bytes: an ACK for the first 1000 (3000 below the top) with a
    // block for the last 2000 leaves a hole at 1000..2000.
    const Rec sack_hole{.seq = 4000, .ack = -3000, .opts = 1, .sack = {31, 62}};
    const Rec dupack_more{.seq = 4000, .ack = -3000, .opts = 2, .sack = {31, 62, 62, 0}};
    return {
        {"in order, then FIN", script(kSetup, {{.flags = kPsh, .len = 800}, {.flags = kPsh, .seq = 800, .len = 800},
                                               {.seq = 1600, .ms = 50}, {.flags = kFin, .seq = 1600, .ms = 10},
                                               {.seq = 1601, .ms = 100}}),
         {true, true, false, false}},
        {"hole filled late", script(kSetup, {{.flags = kPsh, .seq = 800, .len = 800},
                                             {.flags = kPsh, .seq = 1600, .len = 800},
                                             {.flags = kPsh, .seq = 0, .len = 800}, {.seq = 2400, .ms = 50}}),
         {true, true, true, false}},
        {"SACK, recovery, full ACK", script(kSetup, {{.flags = kPsh, .seq = 0, .len = 1000},
                                                     {.flags = kPsh, .seq = 1000, .len = 1000},
                                                     {.flags = kPsh, .seq = 2000, .len = 1000},
                                                     {.flags = kPsh, .seq = 3000, .len = 1000}, sack_hole, dupack_more,
                                                     dupack_more, {.seq = 4000, .ms = 30}, ack_all}),
         {true, true, false, true}},
        {"SACK over IPv6, NewReno", script(kSetup | 0x41, {{.flags = kPsh, .seq = 0, .len = 1000},
                                                           {.flags = kPsh, .seq = 1000, .len = 1000},
                                                           {.flags = kPsh, .seq = 2000, .len = 1000},
                                                           {.flags = kPsh, .seq = 3000, .len = 1000}, sack_hole,
                                                           dupack_more, {.seq = 4000, .ms = 200}, ack_all}),
         {true, true, false, true}},
        {"no SACK: duplicate ACKs, RTO", script(0x06, {{.flags = kPsh, .seq = 0, .len = 1000},
                                                       {.flags = kPsh, .seq = 1000, .len = 1000},
                                                       {.flags = kPsh, .seq = 2000, .len = 1000},
                                                       {.seq = 3000, .ack = -2000}, {.seq = 3000, .ack = -2000},
                                                       {.seq = 3000, .ack = -2000}, {.seq = 3000, .ack = -2000},
                                                       {.seq = 3000, .ms = 0, .quarters = 8}, {.seq = 3000}}),
         {true, true, false, false}},
        {"small buffer: reassembly queue full", [] {
             Bytes b = script(kSetup | 0x20, {});
             for (int16_t i = 1; i <= 12; ++i) {
                 const Bytes r = script(0, {{.flags = kPsh, .seq = int16_t(i * 600), .len = 504, .opts = 8}});
                 b.insert(b.end(), r.begin() + 1, r.end());
             }
             const Bytes fill = script(0, {{.flags = kPsh, .seq = 0, .len = 600}, {.seq = 600, .ms = 100}});
             b.insert(b.end(), fill.begin() + 1, fill.end());
             return b;
         }(),
         {true, true, true, false}},
        {"zero window, probes", script(kSetup, {{.flags = kPsh, .len = 1000, .win = 0}, {.seq = 1000, .win = 0, .quarters = 12},
                                                {.seq = 1000, .win = 0, .quarters = 12}, {.seq = 1000, .ms = 10}}),
         {true, true, false, false}},
        {"RST, SYN, old and PAWS segments", script(kSetup, {{.flags = kPsh, .len = 400},
                                                            {.flags = kPsh, .seq = -2000, .len = 400},
                                                            {.flags = kPsh, .seq = 400, .len = 400, .opts = 0x10},
                                                            {.flags = kSyn, .seq = 800}, {.flags = kRst, .seq = 900},
                                                            {.flags = kRst, .seq = 800}}),
         {true, true, false, false}},
    };
}

// A change that keeps the script's shape: one field of one record set to a value near
// what matters (small offsets, the window edges, SACK blocks around the hole), a record
// repeated, dropped or swapped, or the setup byte changed.
Bytes mutate_script(const Bytes& seed, Rng& rng) {
    Bytes b = seed;
    const size_t records = (b.size() - 1) / kScriptRecord;
    if (records == 0) {
        return b;
    }
    uint8_t* r = &b[1 + rng.below(records) * kScriptRecord];
    switch (rng.below(8)) {
        case 0:  // flags
            r[0] ^= uint8_t(1u << rng.below(8));
            break;
        case 1:  // SEQ a little off: overlaps, holes, just outside the window
            store_be16(r + 1, uint16_t(load_be16(r + 1) + int16_t(rng.below(4097)) - 2048));
            break;
        case 2:  // ACK a little off: old, duplicate, beyond what was sent
            store_be16(r + 3, uint16_t(load_be16(r + 3) + int16_t(rng.below(4097)) - 2048));
            break;
        case 3:  // length and window
            r[5 + rng.below(2)] = uint8_t(rng.next());
            break;
        case 4:  // SACK blocks and option bits
            r[7 + rng.below(7)] = uint8_t(rng.next());
            break;
        case 5:  // timing
            r[14 + rng.below(2)] = uint8_t(rng.below(2) == 0 ? rng.below(256) : rng.below(16));
            break;
        case 6: {  // a record repeated in place (duplicates, retransmissions)
            const Bytes copy(r, r + kScriptRecord);
            b.insert(b.begin() + (r - b.data()), copy.begin(), copy.end());
            break;
        }
        default:
            b[0] ^= uint8_t(1u << rng.below(7));
            break;
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
        const Bytes b = mutate(all[rng.below(all.size())], rng, all);
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
        Bytes b = mutate(all[rng.below(all.size())], rng, all);
        if (rng.below(2) == 0) {
            fix_tcp_checksum(b);
        }
        netstack_rx_one(b.data(), b.size());
    }
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(splice_changes_inputs) {
    Rng rng(99);
    const auto all = seeds();
    unsigned unchanged = 0;
    unsigned overwritten = 0;
    unsigned inserted = 0;
    for (int i = 0; i < 20000; ++i) {
        const Bytes& into = all[rng.below(all.size())];
        const Bytes& from = all[rng.below(all.size())];
        const Bytes b = splice(into, from, rng);
        if (b == into) {
            ++unchanged;
        } else {
            (b.size() == into.size() ? overwritten : inserted) += 1;
        }
    }
    BOOST_TEST(unchanged == 0u);
    // Both ways happen, and overwriting (which keeps headers in place) is the usual one.
    BOOST_TEST(overwritten > 10000u);
    BOOST_TEST(inserted > 100u);
    // A splice from the very same frame still changes it.
    BOOST_TEST(splice(all[0], all[0], rng) != all[0]);
}

// Each script seed reaches what it was written for, unmutated.
BOOST_AUTO_TEST_CASE(script_seeds_reach_their_states) {
    for (const auto& seed : script_seeds()) {
        const ScriptReach r = netstack_tcp_script_one(seed.bytes.data(), seed.bytes.size());
        BOOST_TEST_CONTEXT(seed.name) {
            BOOST_TEST(r.established == seed.must.established);
            BOOST_TEST(r.in_order_data == seed.must.in_order_data);
            BOOST_TEST((r.out_of_order || !seed.must.out_of_order));
            BOOST_TEST((r.sack || !seed.must.sack));
        }
    }
}

// Mutated scripts: no crash, no leak, and the mutations still reach the inside of a
// connection: established, data delivered in order, data held out of order, SACK blocks
// taken into the scoreboard.
BOOST_AUTO_TEST_CASE(mutated_scripts_never_crash_or_leak_and_reach_established_connections) {
    Rng rng(20261207);
    const auto seeds = script_seeds();
    std::vector<Bytes> all;
    for (const auto& s : seeds) {
        all.push_back(s.bytes);
    }
    constexpr int kRuns = 5000;
    int established = 0, in_order = 0, out_of_order = 0, sack = 0;
    for (int i = 0; i < kRuns; ++i) {
        const Bytes& seed = all[rng.below(all.size())];
        Bytes b = mutate_script(seed, rng);
        if (rng.below(4) == 0) {
            b = mutate_script(b, rng);
        }
        if (rng.below(8) == 0) {  // a byte-level change now and then, splices of other scripts included
            b = mutate(b, rng, all);
        }
        const ScriptReach r = netstack_tcp_script_one(b.data(), b.size());
        established += r.established;
        in_order += r.in_order_data;
        out_of_order += r.out_of_order;
        sack += r.sack;
    }
    BOOST_TEST_MESSAGE(kRuns << " mutated scripts: " << established << " established, " << in_order
                             << " delivered data in order, " << out_of_order << " held data out of order, " << sack
                             << " took SACK blocks");
    BOOST_TEST(established >= kRuns * 8 / 10);
    BOOST_TEST(in_order >= kRuns * 6 / 10);
    BOOST_TEST(out_of_order >= kRuns / 10);
    BOOST_TEST(sack >= kRuns / 10);
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
