#include "stack/net/ipv6.h"

#include <boost/test/unit_test.hpp>

#include "stack/base/byte_order.h"
#include "stack/net/ipv4.h"
#include "tests/support/frames.h"
#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

constexpr uint8_t kHbh = 0;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragment = 44;
constexpr uint8_t kNoNext = 59;
constexpr uint8_t kDestOpts = 60;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kIcmpv6 = 58;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

const Bytes kUpper(8, 0x77);  // stands in for the upper-layer header

Parsed<Ipv6Upper> walk(uint8_t first, const Bytes& payload) {
    return walk_ipv6_extensions(first, payload.data(), payload.size());
}

bool dropped(const Parsed<Ipv6Upper>& r, DropReason why) { return !r.ok() && r.reason() == why; }

}  // namespace

BOOST_AUTO_TEST_SUITE(ipv6)

BOOST_AUTO_TEST_CASE(header_fields_parsed) {
    const Bytes p = make_ipv6(peer_ip6(), engine_ip6(), kUdp, 64, Bytes(12, 1));
    const auto h = parse_ipv6(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->payload_len == 12);
    BOOST_TEST(h->next_header == kUdp);
    BOOST_TEST(h->hop_limit == 64);
    BOOST_TEST(h->src == peer_ip6());
    BOOST_TEST(h->dst == engine_ip6());
}

BOOST_AUTO_TEST_CASE(truncated_header) {
    const Bytes p = make_ipv6(peer_ip6(), engine_ip6(), kUdp, 64, {});
    for (size_t len = 0; len < kIpv6HeaderLen; ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        const auto h = parse_ipv6(cut.data(), cut.size());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::ipv6_truncated), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(bad_version) {
    for (uint8_t first : {0x40, 0x00, 0x70, 0xf0, 0x45}) {
        Bytes p = make_ipv6(peer_ip6(), engine_ip6(), kUdp, 64, {});
        p[0] = first;
        BOOST_TEST((parse_ipv6(p.data(), p.size()).reason() == DropReason::ipv6_bad_version), "byte " << int(first));
    }
    // Traffic class and flow label bits do not disturb the version.
    Bytes p = make_ipv6(peer_ip6(), engine_ip6(), kUdp, 64, {});
    p[0] = 0x6f;
    p[1] = 0xff;
    BOOST_TEST(parse_ipv6(p.data(), p.size()).ok());
}

BOOST_AUTO_TEST_CASE(payload_length_beyond_packet) {
    // RFC 8200 §3: payload length counts the bytes after the fixed header.
    const Bytes p = make_ipv6(peer_ip6(), engine_ip6(), kUdp, 64, Bytes(20, 0));
    for (size_t len = kIpv6HeaderLen; len < p.size(); ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        BOOST_TEST((parse_ipv6(cut.data(), cut.size()).reason() == DropReason::ipv6_truncated), "length " << len);
    }
    Bytes big = p;
    store_be16(&big[4], 0xffff);
    BOOST_TEST((parse_ipv6(big.data(), big.size()).reason() == DropReason::ipv6_truncated));
}

BOOST_AUTO_TEST_CASE(payload_length_below_packet_is_accepted) {
    // Link padding after the payload (short packets on Ethernet) is not an error.
    Bytes p = make_ipv6(peer_ip6(), engine_ip6(), kUdp, 64, Bytes(4, 0));
    p.resize(60, 0);
    const auto h = parse_ipv6(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->payload_len == 4);
}

BOOST_AUTO_TEST_CASE(write_then_parse_round_trips) {
    uint8_t buf[kIpv6HeaderLen];
    write_ipv6(buf, Ipv6Header{300, kIcmpv6, 255, engine_ip6(), peer_ip6()});
    Bytes packet(buf, buf + sizeof buf);
    packet.resize(kIpv6HeaderLen + 300, 0);
    const auto h = parse_ipv6(packet.data(), packet.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->payload_len == 300);
    BOOST_TEST(h->next_header == kIcmpv6);
    BOOST_TEST(h->hop_limit == 255);
    BOOST_TEST(h->src == engine_ip6());
    BOOST_TEST(h->dst == peer_ip6());
    const Bytes built = make_ipv6(engine_ip6(), peer_ip6(), kIcmpv6, 255, Bytes(300, 0));
    BOOST_TEST(Bytes(buf, buf + sizeof buf) == Bytes(built.begin(), built.begin() + kIpv6HeaderLen));
}

BOOST_AUTO_TEST_CASE(no_extension_headers) {
    for (uint8_t upper : {kUdp, kTcp, kIcmpv6, uint8_t(50), uint8_t(51), uint8_t(255)}) {
        const auto r = walk(upper, kUpper);
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(r->protocol == upper);
        BOOST_TEST(r->offset == 0);
    }
    // An upper-layer protocol needs no bytes from the walk itself.
    const auto empty = walk_ipv6_extensions(kUdp, nullptr, 0);
    BOOST_REQUIRE(empty.ok());
    BOOST_TEST(empty->offset == 0);
}

BOOST_AUTO_TEST_CASE(hop_by_hop_first_is_accepted) {
    const auto r = walk(kHbh, cat({make_ipv6_options_header(kUdp, {}), kUpper}));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->protocol == kUdp);
    BOOST_TEST(r->offset == 8);
    // With a Router Alert option (RFC 2711, type 5: action bits 00, so skipped).
    const auto ra = walk(kHbh, cat({make_ipv6_options_header(kIcmpv6, {5, 2, 0, 0}), kUpper}));
    BOOST_REQUIRE(ra.ok());
    BOOST_TEST(ra->protocol == kIcmpv6);
}

BOOST_AUTO_TEST_CASE(hop_by_hop_not_first_is_misplaced) {
    // RFC 8200 §4.1: Hop-by-Hop only immediately after the IPv6 header.
    const auto r = walk(kDestOpts, cat({make_ipv6_options_header(kHbh, {}), make_ipv6_options_header(kUdp, {}), kUpper}));
    BOOST_TEST(dropped(r, DropReason::ipv6_ext_misplaced));
    const auto twice = walk(kHbh, cat({make_ipv6_options_header(kHbh, {}), make_ipv6_options_header(kUdp, {}), kUpper}));
    BOOST_TEST(dropped(twice, DropReason::ipv6_ext_misplaced));
    const auto after_routing =
        walk(kRouting, cat({make_ipv6_routing_header(kHbh, 4, 0), make_ipv6_options_header(kUdp, {}), kUpper}));
    BOOST_TEST(dropped(after_routing, DropReason::ipv6_ext_misplaced));
}

BOOST_AUTO_TEST_CASE(pad1_and_padn) {
    // RFC 8200 §4.2: Pad1 is one zero octet; PadN is type 1, length, zeros.
    for (const Bytes& opts : {Bytes{0, 0, 0, 0, 0, 0}, Bytes{1, 4, 0, 0, 0, 0}, Bytes{0, 1, 0, 0, 0, 0},
                              Bytes{1, 0, 1, 0, 0, 0}, Bytes{1, 0, 0, 1, 0, 0}, Bytes{1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}) {
        const Bytes hdr = make_ipv6_options_header(kUdp, opts);
        BOOST_REQUIRE(hdr.size() == 2 + opts.size());  // already a multiple of 8: no padding added
        const auto r = walk(kDestOpts, cat({hdr, kUpper}));
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(r->protocol == kUdp);
        BOOST_TEST(r->offset == hdr.size());
    }
}

BOOST_AUTO_TEST_CASE(unknown_option_action_bits) {
    // RFC 8200 §4.2: the two high bits of an unrecognised option type: 00 skip it,
    // 01 discard, 10 discard (+ Parameter Problem), 11 discard (+ PP unless multicast).
    // The third bit (may change en route) does not matter.
    for (uint8_t low : {uint8_t(0x1e), uint8_t(0x3e), uint8_t(0x07)}) {
        for (uint8_t action = 0; action < 4; ++action) {
            const uint8_t type = static_cast<uint8_t>(action << 6 | low);
            const Bytes opts{type, 4, 0xde, 0xad, 0xbe, 0xef};
            for (uint8_t first : {kHbh, kDestOpts}) {
                const auto r = walk(first, cat({make_ipv6_options_header(kUdp, opts), kUpper}));
                if (action == 0) {
                    BOOST_TEST(r.ok(), "type " << int(type));
                } else {
                    BOOST_TEST(dropped(r, DropReason::ipv6_ext_bad_option), "type " << int(type));
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_discard_option_after_skippable_ones) {
    // The walk keeps going after skipped options and still finds the bad one.
    const Bytes opts{0, 0x1e, 0, 0x9e, 0};  // Pad1, skippable (empty), then discard-type
    BOOST_TEST(dropped(walk(kDestOpts, cat({make_ipv6_options_header(kUdp, opts), kUpper})),
                       DropReason::ipv6_ext_bad_option));
}

BOOST_AUTO_TEST_CASE(option_running_past_the_header) {
    // The option area of an 8-byte header is 6 bytes.
    for (const Bytes& opts : {
             Bytes{1, 5, 0, 0, 0, 0},        // PadN claiming 5 bytes, 4 left
             Bytes{0x1e, 200, 0, 0, 0, 0},   // skippable type, length far beyond
             Bytes{0, 0, 0, 0, 0, 1},        // a type byte with no length byte
             Bytes{0, 0, 0, 0, 0, 0x1e},
             Bytes{1, 2, 0, 0, 1, 1},        // second PadN needs 3, has 2
         }) {
        Bytes hdr{kUdp, 0};
        hdr.insert(hdr.end(), opts.begin(), opts.end());
        BOOST_TEST(dropped(walk(kDestOpts, cat({hdr, kUpper})), DropReason::ipv6_ext_bad_option));
        BOOST_TEST(dropped(walk(kHbh, cat({hdr, kUpper})), DropReason::ipv6_ext_bad_option));
    }
}

BOOST_AUTO_TEST_CASE(extension_header_truncated) {
    const Bytes dest = make_ipv6_options_header(kUdp, Bytes(14, 0));  // 16 bytes, hdr ext len 1
    BOOST_REQUIRE(dest.size() == 16u);
    for (size_t len = 0; len < dest.size(); ++len) {
        const Bytes cut(dest.begin(), dest.begin() + long(len));
        BOOST_TEST(dropped(walk(kDestOpts, cut), DropReason::ipv6_ext_truncated), "length " << len);
        BOOST_TEST(dropped(walk(kHbh, cut), DropReason::ipv6_ext_truncated), "length " << len);
    }
    const Bytes routing = make_ipv6_routing_header(kUdp, 4, 0, Bytes(12, 0));  // 16 bytes
    BOOST_REQUIRE(routing.size() == 16u);
    for (size_t len = 0; len < routing.size(); ++len) {
        const Bytes cut(routing.begin(), routing.begin() + long(len));
        BOOST_TEST(dropped(walk(kRouting, cut), DropReason::ipv6_ext_truncated), "length " << len);
    }
    // The length byte claiming the maximum (255 -> 2048 bytes) in a short packet.
    Bytes huge = make_ipv6_options_header(kUdp, {});
    huge[1] = 255;
    BOOST_TEST(dropped(walk(kDestOpts, cat({huge, kUpper})), DropReason::ipv6_ext_truncated));
}

BOOST_AUTO_TEST_CASE(routing_header_segments_left) {
    // RFC 8200 §4.4: with Segments Left zero the header is ignored whatever its type;
    // otherwise a host would have to forward the packet.
    for (uint8_t type : {uint8_t(0), uint8_t(2), uint8_t(3), uint8_t(4), uint8_t(253)}) {
        const auto ok = walk(kRouting, cat({make_ipv6_routing_header(kUdp, type, 0, Bytes(20, 0)), kUpper}));
        BOOST_REQUIRE(ok.ok());
        BOOST_TEST(ok->protocol == kUdp);
        BOOST_TEST(ok->offset == 24);
        for (uint8_t left : {uint8_t(1), uint8_t(2), uint8_t(255)}) {
            const auto r = walk(kRouting, cat({make_ipv6_routing_header(kUdp, type, left, Bytes(20, 0)), kUpper}));
            BOOST_TEST(dropped(r, DropReason::ipv6_routing_header), "type " << int(type) << " left " << int(left));
        }
    }
}

BOOST_AUTO_TEST_CASE(fragment_header) {
    const Bytes frag = make_ipv6_fragment_header(kUdp, 0, true, 0x12345678);
    BOOST_TEST(dropped(walk(kFragment, cat({frag, kUpper})), DropReason::ipv6_fragment));
    // Also as an atomic fragment (offset 0, M=0) and behind other headers.
    BOOST_TEST(dropped(walk(kFragment, cat({make_ipv6_fragment_header(kUdp, 0, false, 1), kUpper})),
                       DropReason::ipv6_fragment));
    BOOST_TEST(dropped(walk(kDestOpts, cat({make_ipv6_options_header(kFragment, {}), frag, kUpper})),
                       DropReason::ipv6_fragment));
}

BOOST_AUTO_TEST_CASE(no_next_header) {
    BOOST_TEST(dropped(walk(kNoNext, {}), DropReason::ipv6_no_next_header));
    BOOST_TEST(dropped(walk(kHbh, make_ipv6_options_header(kNoNext, {})), DropReason::ipv6_no_next_header));
    BOOST_TEST(dropped(walk(kRouting, make_ipv6_routing_header(kNoNext, 4, 0)), DropReason::ipv6_no_next_header));
}

BOOST_AUTO_TEST_CASE(chain_of_headers) {
    // Hop-by-Hop -> Destination Options -> Routing (0 left) -> Destination Options -> ICMPv6,
    // the order RFC 8200 §4.1 recommends.
    const Bytes hbh = make_ipv6_options_header(kDestOpts, {5, 2, 0, 0});            // 8
    const Bytes dest1 = make_ipv6_options_header(kRouting, Bytes(10, 0));          // 16
    const Bytes routing = make_ipv6_routing_header(kDestOpts, 4, 0, Bytes(36, 0));  // 40
    const Bytes dest2 = make_ipv6_options_header(kIcmpv6, {0x1e, 1, 0xaa});        // 8
    const Bytes chain = cat({hbh, dest1, routing, dest2});
    BOOST_REQUIRE(chain.size() == 72u);
    const auto r = walk(kHbh, cat({chain, kUpper}));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->protocol == kIcmpv6);
    BOOST_TEST(r->offset == 72);

    // Cut anywhere: short of the upper layer is truncated, from there on the result is the same.
    for (size_t len = 0; len <= chain.size() + kUpper.size(); ++len) {
        const Bytes full = cat({chain, kUpper});
        const Bytes cut(full.begin(), full.begin() + long(len));
        const auto c = walk(kHbh, cut);
        if (len < chain.size()) {
            BOOST_TEST(dropped(c, DropReason::ipv6_ext_truncated), "length " << len);
        } else {
            BOOST_TEST((c.ok() && c->protocol == kIcmpv6 && c->offset == 72), "length " << len);
        }
    }
}

BOOST_AUTO_TEST_CASE(long_chains_stay_in_bounds) {
    // Many Destination Options headers: every one is walked, the offset adds up.
    Bytes chain;
    for (int i = 0; i < 100; ++i) {
        chain = cat({chain, make_ipv6_options_header(i == 99 ? kTcp : kDestOpts, Bytes(size_t(i % 20), 0))});
    }
    const auto r = walk(kDestOpts, cat({chain, kUpper}));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->protocol == kTcp);
    BOOST_TEST(r->offset == chain.size());
}

BOOST_AUTO_TEST_SUITE_END()
