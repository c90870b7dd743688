#include "stack/net/udp.h"

#include <boost/test/unit_test.hpp>

#include "stack/base/byte_order.h"
#include "tests/support/frames.h"

using namespace slip::stack;
using namespace slip::test;

BOOST_AUTO_TEST_SUITE(udp)

BOOST_AUTO_TEST_CASE(fields_parsed) {
    const Bytes p = make_udp4(kPeerIp, kEngineIp, 40000, 7, {1, 2, 3});
    const auto h = parse_udp(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->src_port == 40000);
    BOOST_TEST(h->dst_port == 7);
    BOOST_TEST(h->length == 11);
    BOOST_TEST(h->checksum == load_be16(&p[6]));
}

BOOST_AUTO_TEST_CASE(truncated) {
    const Bytes p = make_udp4(kPeerIp, kEngineIp, 1, 2, {});
    for (size_t len = 0; len < kUdpHeaderLen; ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        const auto h = parse_udp(cut.data(), cut.size());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::udp_truncated), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(length_below_header) {
    // RFC 768: the length counts the 8-byte header, so below 8 is malformed.
    for (uint16_t length = 0; length < 8; ++length) {
        Bytes p = make_udp4(kPeerIp, kEngineIp, 1, 2, Bytes(4, 0));
        store_be16(&p[4], length);
        BOOST_TEST((parse_udp(p.data(), p.size()).reason() == DropReason::udp_bad_length), "length " << length);
    }
}

BOOST_AUTO_TEST_CASE(length_beyond_ip_payload) {
    for (uint16_t length : {13, 100, 0xffff}) {
        Bytes p = make_udp4(kPeerIp, kEngineIp, 1, 2, Bytes(4, 0));  // 12 bytes
        store_be16(&p[4], length);
        BOOST_TEST((parse_udp(p.data(), p.size()).reason() == DropReason::udp_bad_length), "length " << length);
    }
}

BOOST_AUTO_TEST_CASE(length_below_ip_payload_is_accepted) {
    // Bytes after the datagram inside the IP payload are not part of it; the caller trims.
    Bytes p = make_udp4(kPeerIp, kEngineIp, 1, 2, Bytes(4, 0));
    p.resize(30, 0xaa);
    const auto h = parse_udp(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->length == 12);
}

BOOST_AUTO_TEST_CASE(zero_payload) {
    const Bytes p = make_udp6(peer_ip6(), engine_ip6(), 5, 6, {});
    BOOST_REQUIRE(p.size() == 8u);
    const auto h = parse_udp(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->length == 8);
}

BOOST_AUTO_TEST_CASE(never_reads_past_the_given_length) {
    // Every length 0..20 of a 20-byte datagram: short ones truncated, the rest judged
    // by the length field alone.
    const Bytes p = make_udp4(kPeerIp, kEngineIp, 1, 2, Bytes(12, 0x55));
    for (size_t len = 0; len <= p.size(); ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        const auto h = parse_udp(cut.data(), cut.size());
        if (len < 8) {
            BOOST_TEST((h.reason() == DropReason::udp_truncated));
        } else if (len < 20) {
            BOOST_TEST((h.reason() == DropReason::udp_bad_length), "length " << len);
        } else {
            BOOST_TEST(h.ok());
        }
    }
}

BOOST_AUTO_TEST_CASE(write_then_parse_round_trips) {
    uint8_t buf[kUdpHeaderLen];
    write_udp(buf, 53, 65535, 8, 0xbeef);
    const auto h = parse_udp(buf, sizeof buf);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->src_port == 53);
    BOOST_TEST(h->dst_port == 65535);
    BOOST_TEST(h->length == 8);
    BOOST_TEST(h->checksum == 0xbeef);
}

BOOST_AUTO_TEST_SUITE_END()
