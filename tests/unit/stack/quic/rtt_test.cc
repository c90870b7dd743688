#include "stack/quic/rtt.h"

#include <boost/test/unit_test.hpp>

using namespace slip::stack::quic;

namespace {
constexpr uint64_t kMs = kNanosPerMilli;
constexpr uint64_t kMaxAckDelay = 25 * kMs;
}  // namespace

BOOST_AUTO_TEST_SUITE(rtt)

// RFC 9002 §6.2.2 and §5.3: 333 ms before any sample, rttvar half of it, so the first PTO
// is about one second.
BOOST_AUTO_TEST_CASE(initial_estimate) {
    RttEstimator r;
    BOOST_TEST(!r.has_sample());
    BOOST_TEST(r.smoothed_rtt() == 333 * kMs);
    BOOST_TEST(r.rttvar() == 333 * kMs / 2);
    BOOST_TEST(r.min_rtt() == 0u);
    BOOST_TEST(r.pto_base() == 333 * kMs + 4 * (333 * kMs / 2));
    RttEstimator resumed(50 * kMs);  // §6.2.2: a previous connection's RTT
    BOOST_TEST(resumed.smoothed_rtt() == 50 * kMs);
}

// §5.3: the first sample resets the estimator; its ack delay is not used.
BOOST_AUTO_TEST_CASE(first_sample_sets_everything) {
    RttEstimator r;
    r.on_sample(100 * kMs, 30 * kMs, true, kMaxAckDelay);
    BOOST_TEST(r.has_sample());
    BOOST_TEST(r.latest_rtt() == 100 * kMs);
    BOOST_TEST(r.min_rtt() == 100 * kMs);
    BOOST_TEST(r.smoothed_rtt() == 100 * kMs);
    BOOST_TEST(r.rttvar() == 50 * kMs);
}

// §5.3: adjusted_rtt = latest_rtt - ack_delay; smoothed 7/8, rttvar 3/4 (A.7's order:
// rttvar against the previous smoothed_rtt).
BOOST_AUTO_TEST_CASE(later_samples_subtract_the_ack_delay) {
    RttEstimator r;
    r.on_sample(100 * kMs, 0, true, kMaxAckDelay);
    r.on_sample(140 * kMs, 20 * kMs, true, kMaxAckDelay);  // adjusted 120
    BOOST_TEST(r.latest_rtt() == 140 * kMs);
    BOOST_TEST(r.min_rtt() == 100 * kMs);
    BOOST_TEST(r.rttvar() == (3 * 50 * kMs + 20 * kMs) / 4);  // |100 - 120|
    BOOST_TEST(r.smoothed_rtt() == (7 * 100 * kMs + 120 * kMs) / 8);
}

// §5.3: after handshake confirmation the delay is capped at max_ack_delay; before, it is
// used as reported.
BOOST_AUTO_TEST_CASE(ack_delay_is_capped_after_confirmation_only) {
    RttEstimator confirmed;
    confirmed.on_sample(100 * kMs, 0, true, kMaxAckDelay);
    confirmed.on_sample(200 * kMs, 60 * kMs, true, kMaxAckDelay);  // counts 25: adjusted 175
    BOOST_TEST(confirmed.smoothed_rtt() == (7 * 100 * kMs + 175 * kMs) / 8);
    RttEstimator handshake;
    handshake.on_sample(100 * kMs, 0, false, kMaxAckDelay);
    handshake.on_sample(200 * kMs, 60 * kMs, false, kMaxAckDelay);  // adjusted 140
    BOOST_TEST(handshake.smoothed_rtt() == (7 * 100 * kMs + 140 * kMs) / 8);
}

// §5.3: never subtract the delay when that would go below min_rtt; §5.2: min_rtt ignores
// the delay.
BOOST_AUTO_TEST_CASE(ack_delay_never_takes_the_sample_below_min_rtt) {
    RttEstimator r;
    r.on_sample(100 * kMs, 0, true, kMaxAckDelay);
    r.on_sample(110 * kMs, 20 * kMs, true, kMaxAckDelay);  // 90 < min 100: 110 used as is
    BOOST_TEST(r.smoothed_rtt() == (7 * 100 * kMs + 110 * kMs) / 8);
    RttEstimator exact;
    exact.on_sample(100 * kMs, 0, true, kMaxAckDelay);
    exact.on_sample(120 * kMs, 20 * kMs, true, kMaxAckDelay);  // exactly min_rtt: subtracted
    BOOST_TEST(exact.smoothed_rtt() == 100 * kMs);
    BOOST_TEST(exact.rttvar() == 3 * 50 * kMs / 4);
    // A lower sample moves min_rtt whatever the delay says.
    exact.on_sample(80 * kMs, 50 * kMs, true, kMaxAckDelay);
    BOOST_TEST(exact.min_rtt() == 80 * kMs);
}

// §6.2.1 and §6.1.2: the derived durations, with kGranularity as floor.
BOOST_AUTO_TEST_CASE(pto_base_and_loss_delay) {
    RttEstimator r;
    r.on_sample(8 * kMs, 0, true, kMaxAckDelay);
    BOOST_TEST(r.pto_base() == 8 * kMs + 4 * 4 * kMs);
    BOOST_TEST(r.loss_delay() == 9 * kMs);
    // A steady path: rttvar decays below a quarter of the granularity; the floor holds.
    RttEstimator steady;
    steady.on_sample(100 * 1000, 0, true, kMaxAckDelay);  // 100 us
    for (int i = 0; i < 50; ++i) {
        steady.on_sample(100 * 1000, 0, true, kMaxAckDelay);
    }
    BOOST_TEST(steady.rttvar() < kGranularityNs / 4);
    BOOST_TEST(steady.pto_base() == steady.smoothed_rtt() + kGranularityNs);
    BOOST_TEST(steady.loss_delay() == kGranularityNs);
    // latest_rtt above smoothed_rtt drives the loss delay.
    RttEstimator rising;
    rising.on_sample(80 * kMs, 0, true, kMaxAckDelay);
    rising.on_sample(160 * kMs, 0, true, kMaxAckDelay);
    BOOST_TEST(rising.loss_delay() == 180 * kMs);
}

BOOST_AUTO_TEST_CASE(persistent_congestion_restarts_min_rtt) {
    RttEstimator r;
    r.on_sample(50 * kMs, 0, true, kMaxAckDelay);
    r.on_sample(200 * kMs, 0, true, kMaxAckDelay);
    BOOST_TEST(r.min_rtt() == 50 * kMs);
    r.on_persistent_congestion();
    BOOST_TEST(r.min_rtt() == 200 * kMs);
    r.reset();
    BOOST_TEST(!r.has_sample());
    BOOST_TEST(r.smoothed_rtt() == kInitialRttNs);
}

BOOST_AUTO_TEST_SUITE_END()
