#include "crypto/replay_cache.h"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace slip::crypto;

namespace {
std::vector<uint8_t> key(uint8_t n) {
    return std::vector<uint8_t>(32, n);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(replay_cache)

BOOST_AUTO_TEST_CASE(second_sighting_is_a_replay) {
    ReplayCache cache(4);
    BOOST_TEST(int(cache.insert(key(1), 110, 100)) == int(ReplayCache::Verdict::fresh));
    BOOST_TEST(int(cache.insert(key(1), 111, 101)) == int(ReplayCache::Verdict::replay));
    BOOST_TEST(int(cache.insert(key(2), 111, 101)) == int(ReplayCache::Verdict::fresh));
    BOOST_TEST(cache.size() == 2u);
}

BOOST_AUTO_TEST_CASE(expired_keys_leave_in_order) {
    ReplayCache cache(4);
    cache.insert(key(1), 110, 100);
    cache.insert(key(2), 115, 105);
    // At 112 the first has expired (outside the window GnuTLS checks itself), the second not.
    BOOST_TEST(int(cache.insert(key(3), 122, 112)) == int(ReplayCache::Verdict::fresh));
    BOOST_TEST(cache.size() == 2u);
    BOOST_TEST(int(cache.insert(key(2), 122, 112)) == int(ReplayCache::Verdict::replay));
    BOOST_TEST(int(cache.insert(key(1), 122, 112)) == int(ReplayCache::Verdict::fresh));
}

BOOST_AUTO_TEST_CASE(full_cache_refuses_rather_than_forgets) {
    ReplayCache cache(2);
    cache.insert(key(1), 110, 100);
    cache.insert(key(2), 110, 100);
    BOOST_TEST(int(cache.insert(key(3), 111, 101)) == int(ReplayCache::Verdict::full));
    BOOST_TEST(int(cache.insert(key(1), 111, 101)) == int(ReplayCache::Verdict::replay));  // still remembered
    BOOST_TEST(cache.size() == 2u);
    BOOST_TEST(int(cache.insert(key(3), 121, 111)) == int(ReplayCache::Verdict::fresh));  // room once expired
    BOOST_TEST(cache.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
