#include "stack/tcp/seq_range_set.h"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <string>

using namespace slip::stack::tcp;

namespace {

// "[10,20) [30,40)": readable in a failure message, and compares the whole set at once.
template <typename Range>
std::string dump(std::span<const Range> blocks) {
    std::string out;
    for (const Range& r : blocks) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s[%u,%u)", out.empty() ? "" : " ", r.left.raw(), r.right.raw());
        out += buf;
    }
    return out;
}

std::string dump(const SeqRangeSet& s) { return dump(s.ranges()); }
std::string dump(std::span<SackRange> blocks) { return dump(std::span<const SackRange>(blocks)); }

bool add(SeqRangeSet& s, uint32_t left, uint32_t right) { return s.insert(Seq(left), Seq(right)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(seq_range_set)

BOOST_AUTO_TEST_CASE(disjoint_inserts_are_kept_sorted) {
    SeqRangeSet s(8);
    BOOST_TEST(s.empty());
    BOOST_TEST(add(s, 50, 60));
    BOOST_TEST(add(s, 10, 20));
    BOOST_TEST(add(s, 30, 40));
    BOOST_TEST(dump(s) == "[10,20) [30,40) [50,60)");
    BOOST_TEST(s.size() == 3u);
    BOOST_TEST(s.first_left().raw() == 10u);
    BOOST_TEST(s.last_right().raw() == 60u);
    BOOST_TEST(s.bytes() == 30u);
    BOOST_TEST(s[1].left.raw() == 30u);
    BOOST_TEST(s[1].length() == 10u);
}

BOOST_AUTO_TEST_CASE(overlapping_insert_merges) {
    SeqRangeSet s(8);
    add(s, 10, 20);
    BOOST_TEST(add(s, 15, 30));
    BOOST_TEST(dump(s) == "[10,30)");
    BOOST_TEST(add(s, 5, 12));
    BOOST_TEST(dump(s) == "[5,30)");
    BOOST_TEST(s.bytes() == 25u);
}

BOOST_AUTO_TEST_CASE(adjacent_insert_merges) {
    // Touching ranges leave no gap, so they must become one range (one SACK block).
    SeqRangeSet s(8);
    add(s, 10, 20);
    BOOST_TEST(add(s, 20, 30));
    BOOST_TEST(dump(s) == "[10,30)");
    BOOST_TEST(add(s, 5, 10));
    BOOST_TEST(dump(s) == "[5,30)");
    BOOST_TEST(s.size() == 1u);
}

BOOST_AUTO_TEST_CASE(contained_and_containing_inserts) {
    SeqRangeSet s(8);
    add(s, 10, 30);
    add(s, 50, 60);
    BOOST_TEST(add(s, 15, 20));  // inside: no change
    BOOST_TEST(dump(s) == "[10,30) [50,60)");
    BOOST_TEST(add(s, 10, 30));  // identical: no change
    BOOST_TEST(dump(s) == "[10,30) [50,60)");
    BOOST_TEST(add(s, 45, 70));  // swallows [50,60)
    BOOST_TEST(dump(s) == "[10,30) [45,70)");
}

BOOST_AUTO_TEST_CASE(insert_bridges_ranges) {
    SeqRangeSet s(8);
    add(s, 10, 20);
    add(s, 30, 40);
    add(s, 50, 60);
    add(s, 80, 90);
    BOOST_TEST(add(s, 20, 30));  // exactly fills the gap, touching both sides
    BOOST_TEST(dump(s) == "[10,40) [50,60) [80,90)");
    BOOST_TEST(add(s, 35, 55));  // overlaps both sides
    BOOST_TEST(dump(s) == "[10,60) [80,90)");
    BOOST_TEST(add(s, 0, 100));  // swallows everything
    BOOST_TEST(dump(s) == "[0,100)");
    BOOST_TEST(s.bytes() == 100u);
}

BOOST_AUTO_TEST_CASE(empty_and_inverted_ranges) {
    SeqRangeSet s(2);
    add(s, 10, 20);
    BOOST_TEST(add(s, 40, 40));   // empty: nothing to add
    BOOST_TEST(!add(s, 40, 30));  // inverted: refused
    BOOST_TEST(dump(s) == "[10,20)");
}

BOOST_AUTO_TEST_CASE(wrap_around_zero) {
    SeqRangeSet s(8);
    BOOST_TEST(add(s, 0x20, 0x30));
    BOOST_TEST(add(s, 0xfffffff0u, 0x10));  // straddles 0xffffffff -> 0
    BOOST_TEST(add(s, 0xffffffe0u, 0xffffffe8u));
    // Sorted in sequence order, not integer order.
    BOOST_TEST(dump(s) == "[4294967264,4294967272) [4294967280,16) [32,48)");
    BOOST_TEST(s.bytes() == 8u + 32u + 16u);
    BOOST_TEST(s.contains(Seq(0xffffffffu)));
    BOOST_TEST(s.contains(Seq(0)));
    BOOST_TEST(s.contains(Seq(0xfffffff0u)));
    BOOST_TEST(!s.contains(Seq(0x10)));
    BOOST_TEST(!s.contains(Seq(0xffffffe8u)));
    // Bridging across the wrap.
    BOOST_TEST(add(s, 0xffffffe8u, 0xfffffff0u));
    BOOST_TEST(add(s, 0x10, 0x20));
    BOOST_TEST(dump(s) == "[4294967264,48)");
    BOOST_TEST(s.bytes() == 80u);
    // Trimming across the wrap.
    s.remove_below(Seq(4));
    BOOST_TEST(dump(s) == "[4,48)");
}

BOOST_AUTO_TEST_CASE(merge_at_wrap_boundary) {
    SeqRangeSet s(4);
    add(s, 0xfffffff8u, 0);  // ends exactly at the wrap
    BOOST_TEST(s.bytes() == 8u);
    BOOST_TEST(add(s, 0, 8));  // adjacent across it
    BOOST_TEST(s.size() == 1u);
    BOOST_TEST(s.first_left().raw() == 0xfffffff8u);
    BOOST_TEST(s.last_right().raw() == 8u);
    BOOST_TEST(s.bytes() == 16u);
}

BOOST_AUTO_TEST_CASE(capacity_refusal_leaves_state_unchanged) {
    SeqRangeSet s(2);
    BOOST_TEST(s.capacity() == 2u);
    add(s, 10, 20);
    add(s, 30, 40);
    BOOST_TEST(!add(s, 50, 60));  // a third range: refused
    BOOST_TEST(!add(s, 0, 5));
    BOOST_TEST(!add(s, 22, 28));
    BOOST_TEST(dump(s) == "[10,20) [30,40)");
    // Inserts that merge need no new slot, so they still succeed when full.
    BOOST_TEST(add(s, 40, 45));
    BOOST_TEST(add(s, 5, 10));
    BOOST_TEST(dump(s) == "[5,20) [30,45)");
    BOOST_TEST(add(s, 20, 30));
    BOOST_TEST(dump(s) == "[5,45)");
    BOOST_TEST(add(s, 50, 60));  // room again
    BOOST_TEST(dump(s) == "[5,45) [50,60)");
}

BOOST_AUTO_TEST_CASE(zero_capacity_refuses_everything) {
    SeqRangeSet s(0);
    BOOST_TEST(!add(s, 1, 2));
    BOOST_TEST(s.empty());
    BOOST_TEST(s.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(remove_below_trims) {
    SeqRangeSet s(8);
    add(s, 10, 20);
    add(s, 30, 40);
    add(s, 50, 60);
    s.remove_below(Seq(5));  // below everything: no change
    BOOST_TEST(dump(s) == "[10,20) [30,40) [50,60)");
    s.remove_below(Seq(10));  // at a left edge: no change
    BOOST_TEST(dump(s) == "[10,20) [30,40) [50,60)");
    s.remove_below(Seq(35));  // drops one, trims the straddling one
    BOOST_TEST(dump(s) == "[35,40) [50,60)");
    BOOST_TEST(s.bytes() == 15u);
    s.remove_below(Seq(40));  // at a right edge: that range goes
    BOOST_TEST(dump(s) == "[50,60)");
    s.remove_below(Seq(100));
    BOOST_TEST(s.empty());
}

BOOST_AUTO_TEST_CASE(contains_edges) {
    SeqRangeSet s(4);
    add(s, 10, 20);
    add(s, 30, 40);
    BOOST_TEST(s.contains(Seq(10)));
    BOOST_TEST(s.contains(Seq(19)));
    BOOST_TEST(!s.contains(Seq(20)));  // right edge is exclusive
    BOOST_TEST(!s.contains(Seq(25)));
    BOOST_TEST(s.contains(Seq(30)));
    BOOST_TEST(!s.contains(Seq(9)));
    BOOST_TEST(!s.contains(Seq(40)));
}

BOOST_AUTO_TEST_CASE(clear_empties) {
    SeqRangeSet s(4);
    add(s, 10, 20);
    add(s, 30, 40);
    s.clear();
    BOOST_TEST(s.empty());
    BOOST_TEST(s.bytes() == 0u);
    BOOST_TEST(add(s, 1, 2));
    BOOST_TEST(dump(s) == "[1,2)");
}

BOOST_AUTO_TEST_CASE(sack_blocks_most_recent_first_then_highest) {
    SeqRangeSet s(8);
    add(s, 10, 20);
    add(s, 30, 40);
    add(s, 50, 60);
    add(s, 70, 80);
    std::array<SackRange, 4> out{};
    // RFC 2018 §4: the block holding the segment just received comes first.
    size_t n = s.sack_blocks(Seq(35), out);
    BOOST_TEST(n == 4u);
    BOOST_TEST(dump(std::span(out).first(n)) == "[30,40) [70,80) [50,60) [10,20)");
    // The most recent segment may sit inside its block, not at its left edge.
    n = s.sack_blocks(Seq(55), out);
    BOOST_TEST(dump(std::span(out).first(n)) == "[50,60) [70,80) [30,40) [10,20)");
    // The top block is not repeated.
    n = s.sack_blocks(Seq(70), out);
    BOOST_TEST(dump(std::span(out).first(n)) == "[70,80) [50,60) [30,40) [10,20)");
}

BOOST_AUTO_TEST_CASE(sack_blocks_limited_by_output) {
    SeqRangeSet s(8);
    add(s, 10, 20);
    add(s, 30, 40);
    add(s, 50, 60);
    add(s, 70, 80);
    // Three blocks fit beside the timestamp option (RFC 2018 §3).
    std::array<SackRange, 3> out{};
    size_t n = s.sack_blocks(Seq(10), out);
    BOOST_TEST(n == 3u);
    BOOST_TEST(dump(std::span(out).first(n)) == "[10,20) [70,80) [50,60)");
    BOOST_TEST(s.sack_blocks(Seq(10), std::span<SackRange>()) == 0u);
    std::array<SackRange, 1> one{};
    n = s.sack_blocks(Seq(35), one);
    BOOST_TEST(dump(std::span(one).first(n)) == "[30,40)");
}

BOOST_AUTO_TEST_CASE(sack_blocks_without_recent_block) {
    SeqRangeSet s(8);
    std::array<SackRange, 4> out{};
    BOOST_TEST(s.sack_blocks(Seq(5), out) == 0u);
    add(s, 10, 20);
    add(s, 30, 40);
    // The last segment filled the in-order gap and is no longer held: highest first.
    size_t n = s.sack_blocks(Seq(5), out);
    BOOST_TEST(dump(std::span(out).first(n)) == "[30,40) [10,20)");
}

BOOST_AUTO_TEST_CASE(sack_blocks_across_wrap) {
    SeqRangeSet s(8);
    add(s, 0xfffffff0u, 0x10);
    add(s, 0x20, 0x30);
    add(s, 0xffffffd0u, 0xffffffe0u);
    std::array<SackRange, 4> out{};
    size_t n = s.sack_blocks(Seq(0x5), out);
    BOOST_TEST(dump(std::span(out).first(n)) == "[4294967280,16) [32,48) [4294967248,4294967264)");
}

BOOST_AUTO_TEST_SUITE_END()
