#include "stack/net/ethernet.h"

#include <boost/test/unit_test.hpp>

#include "tests/support/frames.h"
#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::test;

BOOST_AUTO_TEST_SUITE(ethernet)

BOOST_AUTO_TEST_CASE(truncated_header) {
    // Every length below the 14-byte header, from an exact-size buffer so an
    // over-read would be visible under ASan.
    const Bytes frame = make_ethernet(kEngineMac, kPeerMac, 0x0800, {});
    for (size_t len = 0; len < kEthernetHeaderLen; ++len) {
        const Bytes cut(frame.begin(), frame.begin() + long(len));
        const auto h = parse_ethernet(cut.data(), cut.size());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::eth_truncated), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(fields_parsed) {
    const Bytes frame = make_ethernet(kEngineMac, kPeerMac, 0x86dd, Bytes(46, 0xee));
    const auto h = parse_ethernet(frame.data(), frame.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->dst() == kEngineMac);
    BOOST_TEST(h->src() == kPeerMac);
    BOOST_TEST(h->ethertype() == 0x86dd);
}

BOOST_AUTO_TEST_CASE(header_only_frame_parses) {
    // Policy (runt frames, unknown ethertypes) is the caller's; the parser only needs 14 bytes.
    const Bytes frame = make_ethernet(MacAddr::broadcast(), kPeerMac, 0x1234, {});
    const auto h = parse_ethernet(frame.data(), frame.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->dst().is_broadcast());
    BOOST_TEST(h->ethertype() == 0x1234);
}

BOOST_AUTO_TEST_CASE(write_then_parse_round_trips) {
    for (EtherType type : {EtherType::ipv4, EtherType::arp, EtherType::ipv6, EtherType::vlan, EtherType::qinq}) {
        uint8_t buf[kEthernetHeaderLen];
        write_ethernet(buf, kPeerMac, kEngineMac, type);
        const auto h = parse_ethernet(buf, sizeof buf);
        BOOST_REQUIRE(h.ok());
        BOOST_TEST(h->dst() == kPeerMac);
        BOOST_TEST(h->src() == kEngineMac);
        BOOST_TEST(h->ethertype() == static_cast<uint16_t>(type));
    }
    // And the bytes are the builder's.
    uint8_t buf[kEthernetHeaderLen];
    write_ethernet(buf, kEngineMac, kPeerMac, EtherType::arp);
    BOOST_TEST(Bytes(buf, buf + sizeof buf) == make_ethernet(kEngineMac, kPeerMac, 0x0806, {}));
}

BOOST_AUTO_TEST_SUITE_END()
