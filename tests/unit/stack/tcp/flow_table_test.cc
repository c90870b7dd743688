#include "stack/tcp/flow_table.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <tuple>
#include <vector>

#include "stack/base/rng.h"

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

// Keys from a small space, so that random operations hit present keys often and probe
// runs collide: peers 10.0.0.0/29 and ports 40000-40063 against one local socket, plus
// IPv6 peers with the same low bytes (a v4-mapped and a native key must differ).
FlowKey key_of(uint32_t n) {
    FlowKey k;
    k.local = Ipv6Addr::v4_mapped(Ipv4Addr::from_octets(10, 0, 0, 2));
    k.local_port = 80;
    k.remote_port = uint16_t(40000 + (n & 63));
    const uint32_t peer = (n >> 6) & 7;
    if ((n >> 9) & 1) {
        k.remote.bytes = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, uint8_t(peer)};
    } else {
        k.remote = Ipv6Addr::v4_mapped(Ipv4Addr::from_octets(10, 0, 0, uint8_t(peer)));
    }
    return k;
}

using Model = std::map<uint32_t, uint32_t>;  // key number -> value

}  // namespace

BOOST_AUTO_TEST_SUITE(flow_table)

BOOST_AUTO_TEST_CASE(insert_find_erase) {
    FlowTable t(4, 1);
    BOOST_TEST(t.find(key_of(1)) == FlowTable::kNone);
    BOOST_TEST(t.insert(key_of(1), 3));
    BOOST_TEST(!t.insert(key_of(1), 2));  // present already
    BOOST_TEST(t.find(key_of(1)) == 3u);
    BOOST_TEST(!t.insert(key_of(2), 4));  // values index the key store: below max_entries
    BOOST_TEST(t.insert(key_of(2), 0));
    BOOST_TEST(t.insert(key_of(3 | 512), 1));  // the IPv6 twin of key 3
    BOOST_TEST(t.find(key_of(3)) == FlowTable::kNone);
    BOOST_TEST(t.insert(key_of(3), 2));
    BOOST_TEST(!t.insert(key_of(4), 2));  // full: four entries
    BOOST_TEST(t.size() == 4u);
    BOOST_TEST(t.erase(key_of(2)));
    BOOST_TEST(!t.erase(key_of(2)));
    BOOST_TEST(t.find(key_of(2)) == FlowTable::kNone);
    BOOST_TEST(t.find(key_of(3)) == 2u);
    BOOST_TEST(t.find(key_of(3 | 512)) == 1u);
    BOOST_TEST(t.size() == 3u);
}

// Against std::map, with the table nearly full and every value in use once: random
// inserts, finds and erases, and after each step every key of the space looked up, so a
// wrong backward shift (an entry left where its probe run no longer reaches) shows.
BOOST_AUTO_TEST_CASE(matches_a_map_under_churn) {
    constexpr uint32_t kMax = 96;
    constexpr uint32_t kKeys = 1024;
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        FlowTable t(kMax, seed);
        Rng rng(seed * 7919);
        Model model;
        std::vector<uint32_t> free_values;
        for (uint32_t v = kMax; v-- > 0;) {
            free_values.push_back(v);
        }
        for (int step = 0; step < 4000; ++step) {
            const uint32_t n = uint32_t(rng.next() % kKeys);
            const bool present = model.count(n) != 0;
            if (rng.next() % 3 != 0) {
                const bool room = !free_values.empty();
                const uint32_t v = room ? free_values.back() : 0;
                const bool ok = t.insert(key_of(n), v);
                BOOST_TEST_REQUIRE(ok == (!present && room));
                if (ok) {
                    model[n] = v;
                    free_values.pop_back();
                }
            } else {
                BOOST_TEST_REQUIRE(t.erase(key_of(n)) == present);
                if (present) {
                    free_values.push_back(model[n]);
                    model.erase(n);
                }
            }
            BOOST_TEST_REQUIRE(t.size() == model.size());
            for (uint32_t m = 0; m < kKeys; ++m) {
                const auto it = model.find(m);
                BOOST_TEST_REQUIRE(t.find(key_of(m)) == (it == model.end() ? FlowTable::kNone : it->second));
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
