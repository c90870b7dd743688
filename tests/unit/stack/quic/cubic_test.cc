#include "stack/quic/cubic.h"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

using namespace slip::stack::quic;

namespace {

constexpr uint64_t kMs = kNanosPerMilli;
constexpr uint64_t kMss = 1200;

RttEstimator rtt_of(uint64_t ns) {
    RttEstimator r;
    r.on_sample(ns, 0, true, 0);
    return r;
}

// A window's worth of acknowledgments per round trip, from `from_ns` for `rounds` RTTs.
uint64_t run(Cubic& cc, uint64_t from_ns, uint64_t rounds, uint64_t rtt_ns) {
    const RttEstimator rtt = rtt_of(rtt_ns);
    uint64_t now = from_ns;
    for (uint64_t r = 0; r < rounds; ++r) {
        const uint64_t packets = cc.congestion_window() / kMss;
        for (uint64_t i = 0; i < packets; ++i) {
            const AckedPacket p{now, kMss};
            cc.on_packets_acked(now + rtt_ns, std::span(&p, 1), rtt);
        }
        now += rtt_ns;
    }
    return now;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cubic)

// RFC 9002 §7.3.1: slow start as NewReno's; RFC 9438 §4.6: a loss leaves 0.7 of the window
// and remembers the window it happened at, once per recovery period.
BOOST_AUTO_TEST_CASE(slow_start_then_a_loss_cuts_to_seven_tenths) {
    Cubic cc(kMss);
    const AckedPacket p{1 * kMs, kMss};
    cc.on_packets_acked(10 * kMs, std::span(&p, 1), rtt_of(10 * kMs));
    BOOST_TEST(cc.congestion_window() == 12000u + kMss);
    const uint64_t before = cc.congestion_window();
    cc.on_congestion_event(20 * kMs, 15 * kMs);
    BOOST_TEST(cc.congestion_window() == uint64_t(double(before) * 0.7));
    BOOST_TEST(cc.ssthresh() == cc.congestion_window());
    BOOST_TEST(cc.w_max() == double(before) / kMss);
    BOOST_TEST(cc.in_recovery());
    cc.on_congestion_event(25 * kMs, 18 * kMs);  // sent before the period began
    BOOST_TEST(cc.congestion_window() == uint64_t(double(before) * 0.7));
}

// RFC 9438 §4.2: after the cut the window climbs back to W_max in about K seconds,
// concave (fast first, flat near W_max), then grows beyond it, convex.
BOOST_AUTO_TEST_CASE(the_window_returns_to_w_max_after_k_seconds) {
    Cubic cc(kMss);
    // Slow start to ~100 datagrams, then a loss.
    uint64_t now = run(cc, 0, 4, 50 * kMs);
    while (cc.congestion_window() < 100 * kMss) {
        now = run(cc, now, 1, 50 * kMs);
    }
    const double w_max = double(cc.congestion_window()) / kMss;
    cc.on_congestion_event(now, now - 1);
    now += 1;
    const double k = std::cbrt(w_max * (1 - Cubic::kBeta) / Cubic::kC);
    // Half-way to K the window has covered most of the way back (concave).
    const uint64_t rtt = 50 * kMs;
    now = run(cc, now, uint64_t(k / 2 / 0.05), rtt);
    const double half = double(cc.congestion_window()) / kMss;
    BOOST_TEST(half > 0.85 * w_max);
    BOOST_TEST(half < w_max);
    now = run(cc, now, uint64_t(k / 2 / 0.05), rtt);
    const double at_k = double(cc.congestion_window()) / kMss;
    BOOST_TEST(std::abs(at_k - w_max) < 0.06 * w_max);
    BOOST_TEST(std::abs(cc.k_seconds() - k) < 0.01);
    // Well past K: convex growth beyond W_max.
    run(cc, now, uint64_t(2 * k / 0.05), rtt);
    BOOST_TEST(double(cc.congestion_window()) / kMss > 1.5 * w_max);
}

// RFC 9438 §4.7: a loss below the last W_max (another flow took bandwidth) lowers W_max
// further, to release it faster.
BOOST_AUTO_TEST_CASE(fast_convergence_lowers_w_max) {
    Cubic cc(kMss);
    const uint64_t now = run(cc, 0, 3, 20 * kMs);
    cc.on_congestion_event(now, now - 1);
    const double first = cc.w_max();
    const double cwnd = double(cc.congestion_window()) / kMss;
    const AckedPacket after{now + 1, kMss};
    cc.on_packets_acked(now + 30 * kMs, std::span(&after, 1), rtt_of(20 * kMs));  // the period ends
    cc.on_congestion_event(now + 40 * kMs, now + 35 * kMs);
    BOOST_TEST(cc.w_max() < first);
    BOOST_TEST(std::abs(cc.w_max() - cwnd * (1 + Cubic::kBeta) / 2) < 1.0);
}

// RFC 9002 §7.6.2: persistent congestion leaves the minimum window, and slow start up to
// the last threshold follows.
BOOST_AUTO_TEST_CASE(persistent_congestion_collapses_the_window) {
    Cubic cc(kMss);
    const uint64_t now = run(cc, 0, 3, 20 * kMs);
    cc.on_congestion_event(now, now - 1);
    const uint64_t ssthresh = cc.ssthresh();
    cc.on_persistent_congestion(now + 100 * kMs);
    BOOST_TEST(cc.congestion_window() == 2 * kMss);
    const AckedPacket p{now + 200 * kMs, kMss};
    cc.on_packets_acked(now + 220 * kMs, std::span(&p, 1), rtt_of(20 * kMs));
    BOOST_TEST(cc.congestion_window() == 3 * kMss);
    BOOST_TEST(cc.ssthresh() == ssthresh);
}

BOOST_AUTO_TEST_SUITE_END()
