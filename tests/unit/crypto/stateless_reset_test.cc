#include "crypto/stateless_reset.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

BOOST_AUTO_TEST_SUITE(stateless_reset)

BOOST_AUTO_TEST_CASE(token_depends_on_key_and_cid_only) {
    const StatelessResetKey key(SipKey{1, 2}, SipKey{3, 4});
    const Bytes cid = unhex("8394c8f03e515708");
    const auto t = key.token(cid);
    BOOST_TEST(hex(key.token(cid)) == hex(t));  // a restarted server with the same key agrees
    BOOST_TEST(hex(key.token(unhex("8394c8f03e515709"))) != hex(t));
    const StatelessResetKey other(SipKey{1, 2}, SipKey{3, 5});
    const auto o = other.token(cid);
    BOOST_TEST(hex(std::span(o).first(8)) == hex(std::span(t).first(8)));  // same first key
    BOOST_TEST(hex(std::span(o).last(8)) != hex(std::span(t).last(8)));
    BOOST_TEST(hex(key.token({})) != hex(t));  // a zero-length CID still gets a token
}

BOOST_AUTO_TEST_CASE(constant_time_compare) {
    StatelessResetKey key;
    BOOST_REQUIRE(key.randomize());
    const auto a = key.token(unhex("01020304"));
    auto b = a;
    BOOST_TEST(token_equal(a, b));
    for (size_t i = 0; i < b.size(); ++i) {
        b = a;
        b[i] ^= 0x80;
        BOOST_TEST(!token_equal(a, b), "byte " << i);
    }
}

BOOST_AUTO_TEST_SUITE_END()
