#include "stack/quic/range_set.h"

#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

using namespace slip::stack::quic;

namespace {

// The set as plain offsets, for comparing with a reference.
std::set<uint64_t> offsets(const RangeSet& s) {
    std::set<uint64_t> out;
    for (size_t i = 0; i < s.size(); ++i) {
        for (uint64_t o = s[i].begin; o < s[i].end; ++o) {
            out.insert(o);
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(range_set)

BOOST_AUTO_TEST_CASE(inserts_merge_what_they_touch) {
    RangeSet s(4);
    BOOST_TEST(s.insert(10, 20));
    BOOST_TEST(s.insert(30, 40));
    BOOST_TEST(s.insert(20, 30));  // touches both: one range
    BOOST_TEST(s.size() == 1u);
    BOOST_TEST((s.front() == ByteRange{10, 40}));
    BOOST_TEST(s.insert(50, 60));
    BOOST_TEST(s.insert(0, 5));
    BOOST_TEST(s.insert(70, 80));
    BOOST_TEST(s.size() == 4u);
    BOOST_TEST(!s.insert(90, 95));  // a fifth range: refused, unchanged
    BOOST_TEST(s.size() == 4u);
    BOOST_TEST(s.insert(5, 75));  // swallows three
    BOOST_TEST(s.size() == 1u);
    BOOST_TEST((s.front() == ByteRange{0, 80}));
    BOOST_TEST(s.contains(3, 80));
    BOOST_TEST(!s.contains(3, 81));
}

BOOST_AUTO_TEST_CASE(erase_splits_and_trims) {
    RangeSet s(2);
    BOOST_TEST(s.insert(0, 100));
    BOOST_TEST(s.erase(40, 60));
    BOOST_TEST(s.size() == 2u);
    BOOST_TEST(s.bytes() == 80u);
    BOOST_TEST(!s.erase(10, 20));  // would need a third range
    BOOST_TEST(s.bytes() == 80u);
    BOOST_TEST(s.erase(30, 70));  // trims both sides of the hole
    BOOST_TEST(s.bytes() == 60u);
    s.remove_below(25);
    BOOST_TEST((s.front() == ByteRange{25, 30}));
    BOOST_TEST(s.erase(0, 1000));
    BOOST_TEST(s.empty());
}

// What a lost packet puts back: its range less what was acknowledged since.
BOOST_AUTO_TEST_CASE(insert_outside_skips_what_another_set_holds) {
    RangeSet acked(8);
    BOOST_TEST(acked.insert(10, 20));
    BOOST_TEST(acked.insert(30, 40));
    RangeSet lost(8);
    lost.insert_outside(0, 50, acked);
    BOOST_TEST(lost.size() == 3u);
    BOOST_TEST((lost[0] == ByteRange{0, 10}));
    BOOST_TEST((lost[1] == ByteRange{20, 30}));
    BOOST_TEST((lost[2] == ByteRange{40, 50}));
    RangeSet none(8);
    none.insert_outside(12, 18, acked);
    BOOST_TEST(none.empty());
}

BOOST_AUTO_TEST_CASE(matches_a_reference_under_random_use) {
    std::mt19937 rng(5);
    RangeSet s(64);
    std::set<uint64_t> ref;
    for (int i = 0; i < 20000; ++i) {
        const uint64_t a = rng() % 2000;
        const uint64_t b = a + rng() % 40;
        if (rng() % 3 == 0) {
            if (s.erase(a, b)) {
                for (uint64_t o = a; o < b; ++o) {
                    ref.erase(o);
                }
            }
        } else if (s.insert(a, b)) {
            for (uint64_t o = a; o < b; ++o) {
                ref.insert(o);
            }
        }
        if (i % 500 == 0) {
            BOOST_REQUIRE(offsets(s) == ref);
            for (size_t k = 1; k < s.size(); ++k) {
                BOOST_REQUIRE(s[k - 1].end < s[k].begin);  // sorted, disjoint, not touching
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
