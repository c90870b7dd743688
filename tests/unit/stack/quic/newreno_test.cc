#include "stack/quic/newreno.h"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace slip::stack::quic;

namespace {

constexpr uint64_t kMs = kNanosPerMilli;

void ack(NewReno& cc, uint64_t now, std::vector<AckedPacket> packets) {
    static const RttEstimator rtt;
    cc.on_packets_acked(now, packets, rtt);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(newreno)

// RFC 9002 §7.3.1: the window grows by the bytes acknowledged.
BOOST_AUTO_TEST_CASE(slow_start_grows_by_bytes_acked) {
    NewReno cc(1200);
    BOOST_TEST(cc.in_slow_start());
    BOOST_TEST(cc.ssthresh() == UINT64_MAX);
    ack(cc, 10 * kMs, {{1 * kMs, 1200}, {2 * kMs, 1000}});
    BOOST_TEST(cc.congestion_window() == 12000u + 2200u);
}

// RFC 9002 §7.3.2: half the window, once per recovery period; §7.2: not below the minimum.
BOOST_AUTO_TEST_CASE(loss_halves_the_window_once_per_recovery_period) {
    NewReno cc(1200);
    cc.on_congestion_event(100 * kMs, 50 * kMs);
    BOOST_TEST(cc.in_recovery());
    BOOST_TEST(cc.ssthresh() == 6000u);
    BOOST_TEST(cc.congestion_window() == 6000u);
    BOOST_TEST(!cc.in_slow_start());
    // Losses of packets sent before the period began (at or before 100 ms) change nothing.
    cc.on_congestion_event(120 * kMs, 90 * kMs);
    cc.on_congestion_event(130 * kMs, 100 * kMs);
    BOOST_TEST(cc.congestion_window() == 6000u);
    // A packet sent after the start is lost: a new period.
    cc.on_congestion_event(140 * kMs, 101 * kMs);
    BOOST_TEST(cc.congestion_window() == 3000u);
    cc.on_congestion_event(150 * kMs, 141 * kMs);
    BOOST_TEST(cc.ssthresh() == 1500u);
    BOOST_TEST(cc.congestion_window() == 2400u);  // kMinimumWindow
}

// RFC 9002 §7.3.2: the period ends when a packet sent during it is acknowledged; until
// then acknowledgments do not grow the window.
BOOST_AUTO_TEST_CASE(recovery_ends_with_an_ack_of_a_packet_sent_during_it) {
    NewReno cc(1200);
    cc.on_congestion_event(100 * kMs, 50 * kMs);
    ack(cc, 110 * kMs, {{60 * kMs, 1200}, {100 * kMs, 1200}});
    BOOST_TEST(cc.congestion_window() == 6000u);
    BOOST_TEST(cc.in_recovery());
    ack(cc, 200 * kMs, {{101 * kMs, 1200}});
    BOOST_TEST(!cc.in_recovery());
    BOOST_TEST(cc.congestion_window() == 6000u);  // counted toward congestion avoidance
}

// RFC 9002 §7.3.3: one max_datagram_size per congestion window acknowledged.
BOOST_AUTO_TEST_CASE(congestion_avoidance_adds_one_datagram_per_window) {
    NewReno cc(1200);
    cc.on_congestion_event(100 * kMs, 50 * kMs);  // cwnd = ssthresh = 6000
    ack(cc, 300 * kMs, {{200 * kMs, 1200}, {201 * kMs, 1200}, {202 * kMs, 1200}, {203 * kMs, 1200}});
    BOOST_TEST(cc.congestion_window() == 6000u);
    ack(cc, 301 * kMs, {{204 * kMs, 1199}});
    BOOST_TEST(cc.congestion_window() == 6000u);
    ack(cc, 302 * kMs, {{205 * kMs, 1}});
    BOOST_TEST(cc.congestion_window() == 7200u);
    // The next increment takes a whole 7200-byte window.
    ack(cc, 303 * kMs, {{206 * kMs, 7199}});
    BOOST_TEST(cc.congestion_window() == 7200u);
    ack(cc, 304 * kMs, {{207 * kMs, 1}});
    BOOST_TEST(cc.congestion_window() == 8400u);
}

// RFC 9002 §7.6.2: the minimum window, then slow start again (cwnd below ssthresh).
BOOST_AUTO_TEST_CASE(persistent_congestion_collapses_to_the_minimum_window) {
    NewReno cc(1200);
    ack(cc, 10 * kMs, {{1 * kMs, 12000}});  // 24000
    cc.on_congestion_event(100 * kMs, 50 * kMs);
    BOOST_TEST(cc.congestion_window() == 12000u);
    cc.on_persistent_congestion(100 * kMs);
    BOOST_TEST(cc.congestion_window() == 2400u);
    BOOST_TEST(!cc.in_recovery());
    BOOST_TEST(cc.in_slow_start());
    // The recovery period is gone: even packets sent before it grow the window.
    ack(cc, 110 * kMs, {{60 * kMs, 1200}});
    BOOST_TEST(cc.congestion_window() == 3600u);
}

// RFC 9002 §7.8: no growth while application or flow control limited.
BOOST_AUTO_TEST_CASE(no_growth_while_app_limited) {
    NewReno cc(1200);
    cc.set_app_limited(true);
    ack(cc, 10 * kMs, {{1 * kMs, 1200}});
    BOOST_TEST(cc.congestion_window() == 12000u);
    cc.set_app_limited(false);
    ack(cc, 11 * kMs, {{2 * kMs, 1200}});
    BOOST_TEST(cc.congestion_window() == 13200u);
}

// RFC 9002 §7.3.2: one packet may go out past the reduced window.
BOOST_AUTO_TEST_CASE(one_packet_allowed_on_entering_recovery) {
    NewReno cc(1200);
    cc.on_congestion_event(100 * kMs, 50 * kMs);
    BOOST_TEST(cc.can_send(12000));
    cc.on_packet_sent(100 * kMs, 1200, 13200);
    BOOST_TEST(!cc.can_send(12000));
    BOOST_TEST(cc.can_send(4800));
}

// RFC 9002 §6.3: a Retry resets congestion control.
BOOST_AUTO_TEST_CASE(reset_returns_to_the_initial_state) {
    NewReno cc(1200);
    cc.on_congestion_event(100 * kMs, 50 * kMs);
    cc.reset();
    BOOST_TEST(cc.congestion_window() == 12000u);
    BOOST_TEST(cc.ssthresh() == UINT64_MAX);
    BOOST_TEST(!cc.in_recovery());
    BOOST_TEST(!cc.can_send(12000));  // the recovery allowance is gone too
    ack(cc, 110 * kMs, {{60 * kMs, 1200}});  // no recovery period left to hold growth back
    BOOST_TEST(cc.congestion_window() == 13200u);
}

BOOST_AUTO_TEST_SUITE_END()
