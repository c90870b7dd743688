#include "stack/tcp/fast_open_cache.h"

#include <boost/test/unit_test.hpp>

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {
Ipv6Addr v4(uint32_t a) {
    return Ipv6Addr::v4_mapped(Ipv4Addr{a});
}
const std::array<uint8_t, 8> kCookie{1, 2, 3, 4, 5, 6, 7, 8};
}  // namespace

BOOST_AUTO_TEST_SUITE(fast_open_cache)

BOOST_AUTO_TEST_CASE(stores_finds_replaces_and_forgets) {
    FastOpenCache cache(64, 1);
    BOOST_TEST(cache.find(v4(0x0a000001)) == nullptr);
    cache.store(v4(0x0a000001), kCookie, 1460);
    const FastOpenCookie* c = cache.find(v4(0x0a000001));
    BOOST_REQUIRE(c != nullptr);
    BOOST_TEST(c->len == 8);
    BOOST_TEST(c->server_mss == 1460);
    BOOST_TEST(std::equal(kCookie.begin(), kCookie.end(), c->bytes.begin()));
    BOOST_TEST(cache.find(v4(0x0a000002)) == nullptr);
    // A new cookie from the same server replaces the old one in place.
    const std::array<uint8_t, 4> shorter{9, 9, 9, 9};
    cache.store(v4(0x0a000001), shorter, 1400);
    BOOST_TEST(cache.find(v4(0x0a000001))->len == 4);
    BOOST_TEST(cache.size() == 1u);
    cache.forget(v4(0x0a000001));
    BOOST_TEST(cache.find(v4(0x0a000001)) == nullptr);
    BOOST_TEST(cache.size() == 0u);
}

// RFC 7413 §4.1.1: a cookie is 4 to 16 bytes; anything else is never cached.
BOOST_AUTO_TEST_CASE(invalid_cookie_lengths_are_ignored) {
    FastOpenCache cache(8, 1);
    const std::array<uint8_t, 2> tiny{1, 2};
    const std::array<uint8_t, 18> huge{};
    cache.store(v4(1), tiny, 0);
    cache.store(v4(1), huge, 0);
    BOOST_TEST(cache.find(v4(1)) == nullptr);
}

// Bounded: many servers never grow it past its size; the latest stays findable.
BOOST_AUTO_TEST_CASE(bounded_and_latest_wins) {
    FastOpenCache cache(16, 7);
    for (uint32_t i = 0; i < 1000; ++i) {
        cache.store(v4(0x0a000000 + i), kCookie, 1460);
        BOOST_REQUIRE(cache.find(v4(0x0a000000 + i)) != nullptr);
    }
    BOOST_TEST(cache.size() <= 16u);
    uint32_t found = 0;
    for (uint32_t i = 0; i < 1000; ++i) {
        found += cache.find(v4(0x0a000000 + i)) != nullptr ? 1 : 0;
    }
    BOOST_TEST(found == cache.size());
}

BOOST_AUTO_TEST_CASE(zero_entries_disable_it) {
    FastOpenCache cache(0, 1);
    cache.store(v4(1), kCookie, 1460);
    BOOST_TEST(cache.find(v4(1)) == nullptr);
    cache.forget(v4(1));
    BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
