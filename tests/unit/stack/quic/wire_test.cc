#include "stack/quic/wire.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;
using slip::test::hex;

BOOST_AUTO_TEST_SUITE(wire)

// RFC 9000 A.1's examples, both ways.
BOOST_AUTO_TEST_CASE(rfc_9000_varint_examples) {
    struct Case {
        const char* bytes;
        uint64_t value;
    };
    for (const Case c : {Case{"c2197c5eff14e88c", 151288809941952652ull}, Case{"9d7f3e7d", 494878333},
                         Case{"7bbd", 15293}, Case{"25", 37}}) {
        const std::vector<uint8_t> b = hex(c.bytes);
        WireReader r(b);
        BOOST_TEST(r.varint() == c.value);
        BOOST_TEST(r.ok());
        BOOST_TEST(r.at_end());
        uint8_t out[8];
        WireWriter w(out);
        w.varint(c.value);
        BOOST_TEST((std::vector<uint8_t>(out, out + w.size()) == b));
        BOOST_TEST(varint_size(c.value) == b.size());
    }
    // Not the shortest, still 37 (A.1).
    const std::vector<uint8_t> two = hex("4025");
    WireReader r(two);
    BOOST_TEST(r.varint() == 37u);
    BOOST_TEST(r.last_varint_size() == 2u);
}

BOOST_AUTO_TEST_CASE(sized_and_patched_varints) {
    uint8_t out[16] = {};
    WireWriter w(out);
    w.varint_sized(37, 2);
    BOOST_TEST(out[0] == 0x40);
    BOOST_TEST(out[1] == 0x25);
    w.varint_sized(0, 4);
    w.patch_varint(2, 1182, 4);
    WireReader r(std::span<const uint8_t>(out, w.size()));
    BOOST_TEST(r.varint() == 37u);
    BOOST_TEST(r.varint() == 1182u);
    BOOST_TEST(w.ok());
    w.varint_sized(64, 1);  // does not fit one byte
    BOOST_TEST(!w.ok());
}

BOOST_AUTO_TEST_CASE(limits_and_sticky_failure) {
    uint8_t out[8];
    WireWriter w(out);
    w.varint(kMaxVarint);
    BOOST_TEST(w.ok());
    WireWriter over(out);
    over.varint(kMaxVarint + 1);
    BOOST_TEST(!over.ok());
    WireWriter small(std::span<uint8_t>(out, 3));
    small.u32(1);
    BOOST_TEST(!small.ok());
    const std::vector<uint8_t> b = hex("c2197c");  // an 8-byte varint cut short
    WireReader r(b);
    BOOST_TEST(r.varint() == 0u);
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.u8() == 0u);  // failed stays failed
    BOOST_TEST(r.left() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
