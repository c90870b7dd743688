#include "stack/quic/ack_tracker.h"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace slip::stack::quic;

namespace {

constexpr uint64_t kMs = kNanosPerMilli;

AckTrackerConfig config(PacketNumberSpace space, size_t max_intervals = 32) {
    AckTrackerConfig c;
    c.space = space;
    c.max_intervals = max_intervals;
    return c;
}

std::vector<std::pair<uint64_t, uint64_t>> intervals(const AckTracker& t) {
    AckInterval buf[64];
    const size_t n = t.ack_intervals(buf);
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (size_t i = 0; i < n; ++i) {
        out.emplace_back(buf[i].smallest, buf[i].largest);
    }
    return out;
}

using Ivs = std::vector<std::pair<uint64_t, uint64_t>>;

ReceiveResult receive(AckTracker& t, uint64_t pn, bool ack_eliciting = true, uint64_t now = 0) {
    return t.on_packet_received(PacketNumber(pn), ack_eliciting, now);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ack_tracker)

BOOST_AUTO_TEST_CASE(intervals_merge_and_come_largest_first) {
    AckTracker t(config(PacketNumberSpace::application));
    for (uint64_t pn : {0, 1, 2, 5, 6, 9}) {
        BOOST_TEST((receive(t, pn) == ReceiveResult::accepted));
    }
    BOOST_TEST((intervals(t) == Ivs{{9, 9}, {5, 6}, {0, 2}}));
    // 4 joins the interval above it, 3 then fills the hole and the two become one.
    receive(t, 4);
    BOOST_TEST((intervals(t) == Ivs{{9, 9}, {4, 6}, {0, 2}}));
    receive(t, 3);
    BOOST_TEST((intervals(t) == Ivs{{9, 9}, {0, 6}}));
    receive(t, 7);
    receive(t, 8);
    BOOST_TEST((intervals(t) == Ivs{{0, 9}}));
    BOOST_TEST(t.largest_received().raw() == 9u);
    // A late packet in a fresh hole below everything.
    AckTracker u(config(PacketNumberSpace::application));
    receive(u, 10);
    receive(u, 3);
    receive(u, 7);
    BOOST_TEST((intervals(u) == Ivs{{10, 10}, {7, 7}, {3, 3}}));
    BOOST_TEST(u.largest_received().raw() == 10u);
}

BOOST_AUTO_TEST_CASE(duplicates_are_reported) {
    AckTracker t(config(PacketNumberSpace::application));
    receive(t, 0);
    receive(t, 1);
    receive(t, 4);
    BOOST_TEST((receive(t, 1) == ReceiveResult::duplicate));
    BOOST_TEST((receive(t, 4) == ReceiveResult::duplicate));
    BOOST_TEST((receive(t, 0, false) == ReceiveResult::duplicate));
    BOOST_TEST((receive(t, 2) == ReceiveResult::accepted));
    BOOST_TEST((receive(t, 2) == ReceiveResult::duplicate));
    BOOST_TEST((intervals(t) == Ivs{{4, 4}, {0, 2}}));
}

// RFC 9000 §13.2.3: a bounded number of ranges; the oldest is forgotten and, with it,
// everything below (refused afterwards, since it can no longer be told from a duplicate).
BOOST_AUTO_TEST_CASE(interval_count_is_bounded_and_the_oldest_dropped) {
    AckTracker t(config(PacketNumberSpace::application, 3));
    for (uint64_t pn : {0, 2, 4}) {
        receive(t, pn);
    }
    BOOST_TEST(t.interval_count() == 3u);
    BOOST_TEST((receive(t, 6) == ReceiveResult::accepted));
    BOOST_TEST(t.interval_count() == 3u);
    BOOST_TEST((intervals(t) == Ivs{{6, 6}, {4, 4}, {2, 2}}));
    BOOST_TEST(t.lowest_accepted().raw() == 1u);
    BOOST_TEST((receive(t, 0) == ReceiveResult::too_old));
    // Merging does not need room: 5 joins 4 and 6.
    BOOST_TEST((receive(t, 5) == ReceiveResult::accepted));
    BOOST_TEST((intervals(t) == Ivs{{4, 6}, {2, 2}}));
    // Full again; a packet that would be the new oldest interval is refused, not recorded.
    receive(t, 9);
    BOOST_TEST(t.interval_count() == 3u);
    BOOST_TEST((receive(t, 1) == ReceiveResult::accepted));  // joins {2}
    receive(t, 11);  // drops {1,2}
    BOOST_TEST((intervals(t) == Ivs{{11, 11}, {9, 9}, {4, 6}}));
    BOOST_TEST(t.lowest_accepted().raw() == 3u);
    BOOST_TEST((receive(t, 3) == ReceiveResult::accepted));  // joins {4,6}: kept
    receive(t, 13);  // drops {3,6}
    BOOST_TEST((receive(t, 7) == ReceiveResult::too_old));
    BOOST_TEST((intervals(t) == Ivs{{13, 13}, {11, 11}, {9, 9}}));
    // The ring wrapped several times and still answers in order.
    for (uint64_t pn = 15; pn < 40; pn += 2) {
        receive(t, pn);
    }
    BOOST_TEST((intervals(t) == Ivs{{39, 39}, {37, 37}, {35, 35}}));
    BOOST_TEST((receive(t, 36) == ReceiveResult::accepted));
    BOOST_TEST((intervals(t) == Ivs{{39, 39}, {35, 37}}));
    BOOST_TEST((receive(t, 34) == ReceiveResult::accepted));  // the floor is 34: joins {35,37}
    BOOST_TEST((intervals(t) == Ivs{{39, 39}, {34, 37}}));
}

BOOST_AUTO_TEST_CASE(a_full_tracker_refuses_a_packet_older_than_every_interval) {
    AckTracker t(config(PacketNumberSpace::application, 2));
    receive(t, 10);
    receive(t, 20);
    BOOST_TEST((receive(t, 5) == ReceiveResult::too_old));
    BOOST_TEST((intervals(t) == Ivs{{20, 20}, {10, 10}}));
    BOOST_TEST((receive(t, 15) == ReceiveResult::accepted));  // newer than the oldest: that one goes
    BOOST_TEST((intervals(t) == Ivs{{20, 20}, {15, 15}}));
}

// RFC 9000 §13.2.1: Initial and Handshake ack-eliciting packets are acknowledged at once.
BOOST_AUTO_TEST_CASE(initial_and_handshake_are_acknowledged_immediately) {
    for (PacketNumberSpace s : {PacketNumberSpace::initial, PacketNumberSpace::handshake}) {
        AckTracker t(config(s));
        receive(t, 0, true, 5 * kMs);
        BOOST_TEST(t.should_send_ack(5 * kMs));
        BOOST_TEST(t.ack_deadline() == 0u);
    }
    AckTracker app(config(PacketNumberSpace::application));
    receive(app, 0, true, 5 * kMs);
    BOOST_TEST(!app.should_send_ack(5 * kMs));
}

// RFC 9000 §13.2.2: every second ack-eliciting packet; §13.2.1: otherwise within
// max_ack_delay of the first one not yet acknowledged.
BOOST_AUTO_TEST_CASE(one_rtt_acks_every_second_packet_or_at_max_ack_delay) {
    AckTracker t(config(PacketNumberSpace::application));
    receive(t, 0, true, 100 * kMs);
    BOOST_TEST(!t.should_send_ack(100 * kMs));
    BOOST_TEST(t.ack_deadline() == 125 * kMs);
    BOOST_TEST(!t.should_send_ack(125 * kMs - 1));
    BOOST_TEST(t.should_send_ack(125 * kMs));
    receive(t, 1, true, 110 * kMs);
    BOOST_TEST(t.should_send_ack(110 * kMs));
    t.on_ack_sent();
    BOOST_TEST(!t.should_send_ack(200 * kMs));
    BOOST_TEST(t.ack_deadline() == kNoDeadline);
    BOOST_TEST(!t.has_unacknowledged());
    // The deadline runs from the first unacknowledged packet, not the latest one.
    receive(t, 2, true, 300 * kMs);
    receive(t, 3, false, 310 * kMs);
    BOOST_TEST(t.ack_deadline() == 325 * kMs);
    BOOST_TEST(!t.should_send_ack(320 * kMs));
}

// With a higher threshold, later ack-eliciting packets do not push the deadline back.
BOOST_AUTO_TEST_CASE(max_ack_delay_runs_from_the_first_unacknowledged_packet) {
    AckTrackerConfig c = config(PacketNumberSpace::application);
    c.ack_eliciting_threshold = 10;
    c.max_ack_delay_ns = 20 * kMs;
    AckTracker t(c);
    receive(t, 0, true, 100 * kMs);
    receive(t, 1, true, 110 * kMs);
    receive(t, 2, true, 115 * kMs);
    BOOST_TEST(t.ack_deadline() == 120 * kMs);
    BOOST_TEST(!t.should_send_ack(119 * kMs));
    BOOST_TEST(t.should_send_ack(120 * kMs));
}

BOOST_AUTO_TEST_CASE(non_ack_eliciting_packets_never_trigger_an_ack) {
    AckTracker t(config(PacketNumberSpace::application));
    for (uint64_t pn : {0, 1, 5, 3}) {  // gaps and reordering: still no ACK of ACKs
        receive(t, pn, false, 0);
    }
    BOOST_TEST(!t.should_send_ack(kNoDeadline - 1));
    BOOST_TEST(t.has_unacknowledged());
    BOOST_TEST(!t.ack_eliciting_pending());
    AckTracker i(config(PacketNumberSpace::initial));
    receive(i, 0, false, 0);
    BOOST_TEST(!i.should_send_ack(0));
}

// RFC 9000 §13.2.1: out of order, or a gap below the new packet: acknowledge at once.
BOOST_AUTO_TEST_CASE(reordering_and_gaps_are_acknowledged_immediately) {
    AckTracker t(config(PacketNumberSpace::application));
    receive(t, 0);
    t.on_ack_sent();
    receive(t, 2);  // 1 missing
    BOOST_TEST(t.should_send_ack(0));
    t.on_ack_sent();
    receive(t, 1);  // below the largest ack-eliciting: fills the gap
    BOOST_TEST(t.should_send_ack(0));
    t.on_ack_sent();
    receive(t, 3);  // in order
    BOOST_TEST(!t.should_send_ack(0));
    t.on_ack_sent();
    // Non-ack-eliciting packets received in between are not missing.
    receive(t, 4, false);
    receive(t, 5);
    BOOST_TEST(!t.should_send_ack(0));
    t.on_ack_sent();
    // A hole left only by a non-ack-eliciting packet still counts.
    receive(t, 7, false);
    t.on_ack_sent();
    receive(t, 8);
    BOOST_TEST(t.should_send_ack(0));
}

BOOST_AUTO_TEST_CASE(congestion_experienced_is_acknowledged_immediately) {
    AckTracker t(config(PacketNumberSpace::application));
    t.on_packet_received(PacketNumber(0), true, 0, true);
    BOOST_TEST(t.should_send_ack(0));
}

// RFC 9000 §13.2.5 and §19.3: microseconds since the largest arrived, >> exponent.
BOOST_AUTO_TEST_CASE(ack_delay_is_scaled_by_the_exponent) {
    AckTracker t(config(PacketNumberSpace::application));
    receive(t, 4, true, 1000 * kMs);
    receive(t, 2, true, 1003 * kMs);  // not the largest: its arrival does not count
    BOOST_TEST(t.ack_delay_field(1010 * kMs) == 10000u / 8);
    AckTrackerConfig c = config(PacketNumberSpace::application);
    c.ack_delay_exponent = 0;
    AckTracker u(c);
    BOOST_TEST(u.ack_delay_field(5 * kMs) == 0u);  // nothing received
    receive(u, 0, true, 5 * kMs);
    BOOST_TEST(u.ack_delay_field(5 * kMs + 1500) == 1u);
    BOOST_TEST(decode_ack_delay(1250, 3) == 10 * kMs);
    BOOST_TEST(decode_ack_delay(uint64_t(1) << 61, 20) == UINT64_MAX);
}

BOOST_AUTO_TEST_CASE(acks_are_written_with_write_ack) {
    AckTracker t(config(PacketNumberSpace::application));
    for (uint64_t pn : {0, 1, 2, 5, 6, 9}) {
        receive(t, pn, true, 0);
    }
    AckInterval buf[8];
    const size_t n = t.ack_intervals(buf);
    uint8_t out[64];
    WireWriter w(out);
    BOOST_REQUIRE(write_ack(w, {buf, n}, t.ack_delay_field(8 * kMs), 8));
    WireReader r(w.written());
    Frame f;
    BOOST_REQUIRE(parse_frame(r, f) == TransportError::no_error);
    BOOST_TEST(f.ack.largest == 9u);
    BOOST_TEST(f.ack.delay == 1000u);
    AckRangeReader ranges(f.ack);
    Ivs back;
    uint64_t lo = 0, hi = 0;
    while (ranges.next(lo, hi)) {
        back.emplace_back(lo, hi);
    }
    BOOST_TEST((back == Ivs{{9, 9}, {5, 6}, {0, 2}}));
    // A short output buffer gets the largest intervals.
    AckInterval two[2];
    BOOST_TEST(t.ack_intervals(two) == 2u);
    BOOST_TEST(two[1].smallest == 5u);
}

// RFC 9000 §13.2.4: once the peer acknowledged an ACK up to L, nothing up to L is
// acknowledged again, nor accepted.
BOOST_AUTO_TEST_CASE(ack_of_ack_forgets_what_the_peer_has_seen) {
    AckTracker t(config(PacketNumberSpace::application));
    for (uint64_t pn : {0, 1, 2, 5, 6, 9, 10}) {
        receive(t, pn);
    }
    t.on_ack_sent();
    t.on_ack_of_ack(PacketNumber(5));
    BOOST_TEST((intervals(t) == Ivs{{9, 10}, {6, 6}}));
    BOOST_TEST(t.lowest_accepted().raw() == 6u);
    BOOST_TEST((receive(t, 4) == ReceiveResult::too_old));
    BOOST_TEST((receive(t, 3) == ReceiveResult::too_old));
    BOOST_TEST((receive(t, 7) == ReceiveResult::accepted));
    t.on_ack_of_ack(PacketNumber(10));
    BOOST_TEST(t.interval_count() == 0u);
    BOOST_TEST(t.largest_received().raw() == 10u);  // kept to decode packet numbers
    BOOST_TEST((receive(t, 10) == ReceiveResult::too_old));
    // The next in-order packet after everything was forgotten is not a gap.
    t.on_ack_sent();
    BOOST_TEST((receive(t, 11) == ReceiveResult::accepted));
    BOOST_TEST(!t.should_send_ack(0));
    BOOST_TEST((intervals(t) == Ivs{{11, 11}}));
    // An older ACK acknowledged late changes nothing.
    t.on_ack_of_ack(PacketNumber(2));
    BOOST_TEST(t.lowest_accepted().raw() == 11u);
}

// A packet whose data could not be kept is forgotten: left out of the next ACK (so the
// peer sends its data again, RFC 9000 §13.3) and accepted if it comes again.
BOOST_AUTO_TEST_CASE(a_forgotten_packet_is_not_acknowledged_and_may_come_again) {
    AckTracker t(config(PacketNumberSpace::application));
    for (uint64_t pn = 0; pn <= 9; ++pn) {
        receive(t, pn, true, 0);
    }
    BOOST_TEST(t.forget(PacketNumber(5)));
    BOOST_TEST((intervals(t) == Ivs{{6, 9}, {0, 4}}));
    BOOST_TEST(t.forget(PacketNumber(9)));
    BOOST_TEST(t.forget(PacketNumber(0)));
    BOOST_TEST((intervals(t) == Ivs{{6, 8}, {1, 4}}));
    BOOST_TEST(t.forget(PacketNumber(42)));  // never held: nothing changes
    BOOST_TEST((intervals(t) == Ivs{{6, 8}, {1, 4}}));
    BOOST_TEST((receive(t, 5, true, 0) == ReceiveResult::accepted));
    BOOST_TEST((intervals(t) == Ivs{{1, 8}}));
    // Forgetting the only packet leaves nothing to acknowledge and no ACK due.
    AckTracker one(config(PacketNumberSpace::application));
    receive(one, 3, true, 0);
    BOOST_TEST(one.forget(PacketNumber(3)));
    BOOST_TEST(intervals(one).empty());
    BOOST_TEST(!one.has_unacknowledged());
    BOOST_TEST(!one.should_send_ack(1'000 * kMs));
    // A split that needs an interval more than the tracker holds says so.
    AckTracker full(config(PacketNumberSpace::application, 2));
    for (uint64_t pn : {0, 1, 2, 10}) {
        receive(full, pn, true, 0);
    }
    BOOST_TEST(!full.forget(PacketNumber(1)));
    BOOST_TEST((intervals(full) == Ivs{{10, 10}, {0, 2}}));
}

BOOST_AUTO_TEST_SUITE_END()
