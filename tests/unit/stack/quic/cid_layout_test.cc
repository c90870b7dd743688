#include "stack/quic/cid_layout.h"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace slip::stack::quic;

BOOST_AUTO_TEST_SUITE(cid_layout)

BOOST_AUTO_TEST_CASE(the_core_comes_back_from_the_cid) {
    CidLayoutOptions o;
    o.length = 12;
    o.config_id = 2;
    o.server_id_length = 2;
    o.server_id = 0x0102;
    BOOST_REQUIRE(o.validate().empty());
    const CidLayout layout(o);
    BOOST_TEST(layout.nonce_length() == 8u);
    const std::vector<uint8_t> random = {9, 8, 7, 6, 5, 4, 3, 2};
    const ConnectionId cid = layout.make(5, random);
    BOOST_REQUIRE(cid.size() == 12u);
    const auto b = cid.span();
    BOOST_TEST(b[0] == (2 << 5 | 11));  // configuration 2, length 12 - 1
    BOOST_TEST(b[1] == 0x01);
    BOOST_TEST(b[2] == 0x02);
    BOOST_TEST(b[3] == 5);
    BOOST_TEST(b[4] == 9);
    BOOST_TEST(b[11] == 2);
    uint8_t core = 0;
    BOOST_TEST(layout.core_of(b, core));
    BOOST_TEST(core == 5);
}

BOOST_AUTO_TEST_CASE(foreign_cids_are_not_ours) {
    const CidLayout layout(CidLayoutOptions{});
    const std::vector<uint8_t> random(5, 0xaa);
    const ConnectionId cid = layout.make(1, random);
    uint8_t core = 0;
    std::vector<uint8_t> b(cid.span().begin(), cid.span().end());
    BOOST_TEST(layout.core_of(b, core));
    b[0] ^= 0x20;  // another configuration
    BOOST_TEST(!layout.core_of(b, core));
    b[0] ^= 0x20;
    b[1] = 9;  // another server
    BOOST_TEST(!layout.core_of(b, core));
    b.push_back(0);  // another length (a client's random DCID)
    BOOST_TEST(!layout.core_of(b, core));
}

BOOST_AUTO_TEST_CASE(bad_options_say_why) {
    CidLayoutOptions o;
    o.length = 7;
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.config_id = 7;
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.server_id_length = 3;  // 8 - 1 - 3 - 1 = 3 random bytes: too few
    BOOST_TEST(o.validate().find("random bytes") != std::string::npos);
    o = {};
    o.server_id = 256;  // one byte
    BOOST_TEST(!o.validate().empty());
}

BOOST_AUTO_TEST_SUITE_END()
