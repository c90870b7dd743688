#include "stack/net/arp.h"

#include <boost/test/unit_test.hpp>

#include "tests/support/frames.h"
#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::test;

namespace {
Bytes request() { return make_arp(1, kPeerMac, kPeerIp, MacAddr{}, kEngineIp); }
}  // namespace

BOOST_AUTO_TEST_SUITE(arp)

BOOST_AUTO_TEST_CASE(request_fields_parsed) {
    const Bytes p = request();
    const auto a = parse_arp(p.data(), p.size());
    BOOST_REQUIRE(a.ok());
    BOOST_TEST((a->op == ArpOp::request));
    BOOST_TEST(a->sender_mac == kPeerMac);
    BOOST_TEST(a->sender_ip == kPeerIp);
    BOOST_TEST(a->target_mac.is_zero());
    BOOST_TEST(a->target_ip == kEngineIp);
}

BOOST_AUTO_TEST_CASE(ethernet_padding_is_ignored) {
    // An ARP packet arrives padded to the 46-byte minimum payload (IEEE 802.3).
    Bytes p = request();
    p.resize(46, 0);
    BOOST_TEST(parse_arp(p.data(), p.size()).ok());
}

BOOST_AUTO_TEST_CASE(truncated) {
    const Bytes p = request();
    for (size_t len = 0; len < kArpLen; ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        const auto a = parse_arp(cut.data(), cut.size());
        BOOST_TEST((!a.ok() && a.reason() == DropReason::arp_truncated), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(bad_format) {
    // RFC 826: only hardware type 1 (Ethernet), protocol 0x0800, lengths 6 and 4.
    struct Case {
        size_t at;
        Bytes value;
    };
    const Case cases[] = {
        {0, {0x00, 0x06}},  // IEEE 802 hardware type
        {0, {0x01, 0x00}},
        {2, {0x86, 0xdd}},  // IPv6 protocol type
        {2, {0x08, 0x06}},
        {4, {8}},           // hardware length
        {4, {0}},
        {5, {16}},          // protocol length
        {5, {0}},
    };
    for (const Case& c : cases) {
        Bytes p = request();
        std::copy(c.value.begin(), c.value.end(), p.begin() + long(c.at));
        const auto a = parse_arp(p.data(), p.size());
        BOOST_TEST((!a.ok() && a.reason() == DropReason::arp_bad_format), "byte " << c.at);
    }
}

BOOST_AUTO_TEST_CASE(bad_opcode) {
    for (uint16_t op : {0, 3, 4, 8, 9, 0x0100, 0xffff}) {  // RARP (3/4), InARP (8/9) are not ours
        const Bytes p = make_arp(op, kPeerMac, kPeerIp, MacAddr{}, kEngineIp);
        const auto a = parse_arp(p.data(), p.size());
        BOOST_TEST((!a.ok() && a.reason() == DropReason::arp_bad_opcode), "op " << op);
    }
}

BOOST_AUTO_TEST_CASE(write_then_parse_round_trips) {
    const ArpPacket sent{ArpOp::reply, kEngineMac, kEngineIp, kPeerMac, kPeerIp};
    uint8_t buf[kArpLen];
    write_arp(buf, sent);
    BOOST_TEST(Bytes(buf, buf + kArpLen) == make_arp(2, kEngineMac, kEngineIp, kPeerMac, kPeerIp));
    const auto a = parse_arp(buf, sizeof buf);
    BOOST_REQUIRE(a.ok());
    BOOST_TEST((a->op == ArpOp::reply));
    BOOST_TEST(a->sender_mac == kEngineMac);
    BOOST_TEST(a->sender_ip == kEngineIp);
    BOOST_TEST(a->target_mac == kPeerMac);
    BOOST_TEST(a->target_ip == kPeerIp);
}

BOOST_AUTO_TEST_SUITE_END()
