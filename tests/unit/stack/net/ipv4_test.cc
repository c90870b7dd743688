#include "stack/net/ipv4.h"

#include <boost/test/unit_test.hpp>

#include "stack/net/checksum.h"
#include "tests/support/frames.h"

using namespace slip::stack;
using namespace slip::test;

namespace {
// xorshift64: reproducible header values for the randomised cases.
void xorshift(uint64_t& x) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ipv4)

BOOST_AUTO_TEST_CASE(valid_header_parses) {
    const Bytes p = make_ipv4({}, Bytes(10, 0xab));
    const auto h = parse_ipv4(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->header_len == 20);
    BOOST_TEST(h->total_len == 30);
    BOOST_TEST(h->protocol == 17);
    BOOST_TEST(h->src.value == kPeerIp.value);
    BOOST_TEST(h->dst.value == kEngineIp.value);
}

BOOST_AUTO_TEST_CASE(options_are_skipped_by_ihl) {
    const Bytes p = make_ipv4({.options = {1, 1, 1, 0}}, Bytes(4, 1));  // NOP NOP NOP EOL
    const auto h = parse_ipv4(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->header_len == 24);
}

BOOST_AUTO_TEST_CASE(truncated_header) {
    const Bytes p = make_ipv4({}, {});
    for (size_t len = 0; len < 20; ++len) {
        const auto h = parse_ipv4(p.data(), len);
        BOOST_TEST((!h.ok() && h.reason() == DropReason::ipv4_truncated), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(bad_version) {
    Bytes p = make_ipv4({}, {});
    p[0] = 0x65;
    BOOST_TEST((parse_ipv4(p.data(), p.size()).reason() == DropReason::ipv4_bad_version));
}

BOOST_AUTO_TEST_CASE(bad_ihl) {
    for (uint8_t ihl = 0; ihl < 5; ++ihl) {
        Bytes p = make_ipv4({}, Bytes(40, 0));
        p[0] = static_cast<uint8_t>(0x40 | ihl);
        BOOST_TEST((parse_ipv4(p.data(), p.size()).reason() == DropReason::ipv4_bad_ihl), "ihl " << int(ihl));
    }
}

BOOST_AUTO_TEST_CASE(ihl_beyond_packet) {
    Bytes p = make_ipv4({}, {});
    p[0] = 0x4f;  // 60-byte header in a 20-byte packet
    BOOST_TEST((parse_ipv4(p.data(), p.size()).reason() == DropReason::ipv4_truncated));
}

BOOST_AUTO_TEST_CASE(total_length_beyond_frame_or_below_header) {
    Bytes p = make_ipv4({}, Bytes(8, 0));
    p[2] = 0;
    p[3] = 200;
    BOOST_TEST((parse_ipv4(p.data(), p.size(), {.checksum_verified = true}).reason() == DropReason::ipv4_bad_length));
    p[3] = 19;
    BOOST_TEST((parse_ipv4(p.data(), p.size(), {.checksum_verified = true}).reason() == DropReason::ipv4_bad_length));
}

BOOST_AUTO_TEST_CASE(bad_checksum) {
    const Bytes p = make_ipv4({.bad_checksum = true}, {});
    BOOST_TEST((parse_ipv4(p.data(), p.size()).reason() == DropReason::ipv4_bad_checksum));
    // ...unless the NIC already verified it.
    BOOST_TEST(parse_ipv4(p.data(), p.size(), {.checksum_verified = true}).ok());
}

BOOST_AUTO_TEST_CASE(fragments_are_dropped) {
    const Bytes more = make_ipv4({.frag = 0x2000}, Bytes(8, 0));
    BOOST_TEST((parse_ipv4(more.data(), more.size()).reason() == DropReason::ipv4_fragment));
    const Bytes offset = make_ipv4({.frag = 0x0001}, Bytes(8, 0));
    BOOST_TEST((parse_ipv4(offset.data(), offset.size()).reason() == DropReason::ipv4_fragment));
}

BOOST_AUTO_TEST_CASE(ttl_zero) {
    const Bytes p = make_ipv4({.ttl = 0}, {});
    BOOST_TEST((parse_ipv4(p.data(), p.size()).reason() == DropReason::ipv4_ttl_zero));
}

BOOST_AUTO_TEST_CASE(write_then_parse_round_trips) {
    uint8_t buf[20];
    write_ipv4(buf, Ipv4Header{20, 20, 7, 33, 6, kEngineIp, kPeerIp});
    const auto h = parse_ipv4(buf, sizeof buf);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->ttl == 33);
    BOOST_TEST(h->protocol == 6);
    BOOST_TEST(h->id == 7);
}

// write_ipv4 computes the header checksum from the field values; it must equal RFC 1071's
// sum over the written bytes for any values (carries across every field included).
BOOST_AUTO_TEST_CASE(written_checksum_matches_the_bytes) {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 5000; ++i) {
        xorshift(x);
        const Ipv4Header h{20, uint16_t(x), uint16_t(x >> 16), uint8_t(x >> 32), uint8_t(x >> 40),
                           Ipv4Addr{uint32_t(x >> 13)}, Ipv4Addr{uint32_t(x >> 29) ^ 0xffff0000u}};
        uint8_t buf[20];
        write_ipv4(buf, h);
        BOOST_TEST(slip::stack::checksum(buf, sizeof buf) == 0, "header " << i << " sums to all ones");
    }
    uint8_t ones[20];
    write_ipv4(ones, Ipv4Header{20, 0xffff, 0xffff, 0xff, 0xff, Ipv4Addr{0xffffffffu}, Ipv4Addr{0xffffffffu}});
    BOOST_TEST(slip::stack::checksum(ones, sizeof ones) == 0);
}

// turn_ipv4_header_around sums the new checksum from the values it writes: for any
// received header it must give a header whose bytes sum to all ones, with the addresses
// swapped, our TTL and length, DF, the request's DSCP and identification, no ECN bits;
// also when it only swaps the addresses of a request that has the rest already.
BOOST_AUTO_TEST_CASE(turned_around_header_is_right_for_any_request) {
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int i = 0; i < 5000; ++i) {
        xorshift(x);
        uint8_t h[20];
        const Ipv4Addr src{uint32_t(x >> 13)};
        const Ipv4Addr dst{uint32_t(x >> 29) ^ 0xffff0000u};
        write_ipv4(h, Ipv4Header{20, uint16_t(x), uint16_t(x >> 16), uint8_t(x >> 32), uint8_t(x >> 40), src, dst});
        h[1] = uint8_t(x >> 48);                     // any DSCP and ECN
        store_be16(h + 6, uint16_t(x >> 52) & 0xbfffu);  // any flags but DF
        uint8_t ttl = uint8_t(1 + (x >> 56) % 255);
        uint16_t total_len = uint16_t(20 + (x >> 24) % 1480);
        if (i % 2 == 1) {
            // Every other request already carries the reply's TTL, length, DF and no ECN
            // mark: only the addresses move, the checksum stays.
            h[1] &= 0xfc;
            store_be16(h + 6, kFlagDontFragment);
            ttl = h[8] == 0 ? 1 : h[8];
            h[8] = ttl;
            total_len = load_be16(h + 2);
        }
        refresh_ipv4_checksum(h, sizeof h);
        const uint16_t id = load_be16(h + 4);
        const uint8_t protocol = h[9];
        const uint8_t tos = h[1];
        turn_ipv4_header_around(h, ttl, total_len);
        BOOST_TEST(slip::stack::checksum(h, sizeof h) == 0, "header " << i << " sums to all ones");
        BOOST_TEST(h[0] == 0x45);
        BOOST_TEST(h[1] == (tos & 0xfc));
        BOOST_TEST(load_be16(h + 2) == total_len);
        BOOST_TEST(load_be16(h + 4) == id);
        BOOST_TEST(load_be16(h + 6) == kFlagDontFragment);
        BOOST_TEST(h[8] == ttl);
        BOOST_TEST(h[9] == protocol);
        BOOST_TEST(load_be32(h + 12) == dst.value);
        BOOST_TEST(load_be32(h + 16) == src.value);
    }
}

BOOST_AUTO_TEST_SUITE_END()
