#include "crypto/siphash.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

BOOST_AUTO_TEST_SUITE(siphash)

// The SipHash paper's reference vectors: key 00 01 .. 0f, message 00 01 .. (len-1), output
// as the little-endian bytes of the 64-bit value.
BOOST_AUTO_TEST_CASE(reference_vectors) {
    const char* expected[] = {
        "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785", "b7877127e09427cf",
        "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab", "6224939a79f5f593", "b0e4a90bdf82009e",
        "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4", "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7",
        "e545be4961ca29a1", "db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
        "98eea21af25cd6be",
    };
    std::array<uint8_t, 16> k{};
    Bytes msg;
    for (size_t i = 0; i < k.size(); ++i) {
        k[i] = uint8_t(i);
    }
    const SipKey key = SipKey::from_bytes(k);
    for (size_t len = 0; len < std::size(expected); ++len) {
        const uint64_t h = siphash24(key, msg);
        uint8_t le[8];
        for (int i = 0; i < 8; ++i) {
            le[i] = uint8_t(h >> (8 * i));
        }
        BOOST_TEST(hex(le, 8) == expected[len], "length " << len);
        msg.push_back(uint8_t(len));
    }
}

BOOST_AUTO_TEST_CASE(random_keys_differ) {
    SipKey a, b;
    BOOST_REQUIRE(a.randomize());
    BOOST_REQUIRE(b.randomize());
    BOOST_TEST((a.k0 != b.k0 || a.k1 != b.k1));
    const Bytes msg = unhex("0a000001");
    BOOST_TEST(siphash24(a, msg) != siphash24(b, msg));
}

BOOST_AUTO_TEST_SUITE_END()
