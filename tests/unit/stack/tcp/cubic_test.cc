#include "stack/tcp/cubic.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

constexpr uint32_t kSmss = 1000;
constexpr Instant kT0{1'000'000'000};
constexpr Duration ms(int64_t v) { return Duration::milliseconds(v); }
constexpr Duration us(int64_t v) { return Duration::microseconds(v); }

double seg(uint32_t bytes) { return double(bytes) / kSmss; }
double secs(Duration d) { return double(d.ns) * 1e-9; }

// RFC 9438 Figure 1 and Figure 2, in segments and seconds, computed here on their own.
double rfc_k(double w_max, double cwnd_epoch) { return std::cbrt((w_max - cwnd_epoch) / 0.4); }
double rfc_w_cubic(double t, double k, double w_max) { return 0.4 * std::pow(t - k, 3) + w_max; }

CubicOptions no_hystart() {
    CubicOptions o;
    o.hystart = false;
    return o;
}

// An ACK-clocked sender that keeps its window full: each round trip, one ACK per
// segment of the window, spread evenly over the RTT, each with an RTT sample.
struct Flow {
    Cubic& cc;
    Instant now = kT0;
    Duration rtt = ms(100);

    void round() { round_with(rtt, UINT32_MAX); }
    // A round whose ACKs carry `sample`; `acks` caps the ACKs (UINT32_MAX: the window).
    void round_with(Duration sample, uint32_t acks) {
        const uint32_t n = std::min(acks, std::max(1u, cc.cwnd() / kSmss));
        const Instant start = now;
        for (uint32_t i = 1; i <= n; ++i) {
            cc.on_ack(start + Duration{rtt.ns * i / n}, kSmss, cc.cwnd(), sample);
        }
        now = start + rtt;
        cc.on_round_end(now);
    }
    // Slow start by single ACKs up to exactly `segments`.
    void grow_to(uint32_t segments) {
        while (cc.cwnd() < segments * kSmss) {
            cc.on_ack(now, kSmss, cc.cwnd(), rtt);
        }
    }
    // A fast-recovery episode with the window full; returns when it ended.
    Instant loss() {
        cc.on_enter_recovery(now, cc.cwnd());
        cc.on_exit_recovery(now);
        return now;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cubic)

BOOST_AUTO_TEST_CASE(constants_and_initial_state) {
    BOOST_TEST(Cubic::kAlphaCubic == 3 * 0.3 / 1.7, boost::test_tools::tolerance(1e-12));
    Cubic cc(kSmss);
    BOOST_TEST(std::strcmp(cc.name(), "cubic") == 0);
    BOOST_TEST(cc.cwnd() == 10 * kSmss);
    BOOST_TEST(cc.ssthresh() == kInfiniteSsthresh);
    BOOST_TEST(cc.in_slow_start());
    BOOST_TEST(cc.hystart_active());
    BOOST_TEST(!Cubic(kSmss, 10, no_hystart()).hystart_active());
}

BOOST_AUTO_TEST_CASE(loss_reduces_to_beta_times_w_max) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(100);
    cc.on_enter_recovery(f.now, 100 * kSmss);
    BOOST_TEST(cc.in_recovery());
    BOOST_TEST(cc.w_max_segments() == 100.0);
    BOOST_TEST(cc.cwnd_prior_segments() == 100.0);
    BOOST_TEST(cc.ssthresh() == 70 * kSmss);  // RFC 9438 §4.6: flight * 0.7
    BOOST_TEST(cc.cwnd() == 73 * kSmss);      // + 3 SMSS while recovering (RFC 6582)
    // No growth while recovering.
    cc.on_ack(f.now, 10 * kSmss, 100 * kSmss, ms(100));
    BOOST_TEST(cc.cwnd() == 64 * kSmss);  // partial ACK deflation
    cc.on_exit_recovery(f.now);
    BOOST_TEST(cc.cwnd() == 70 * kSmss);  // 0.7 * W_max
    BOOST_TEST(!cc.in_slow_start());
    // The flight, not cwnd, sets ssthresh; never below 2 SMSS.
    Cubic small(kSmss, 10, no_hystart());
    small.on_enter_recovery(kT0, 2 * kSmss);
    BOOST_TEST(small.ssthresh() == 2 * kSmss);
    BOOST_TEST(small.w_max_segments() == 10.0);
}

BOOST_AUTO_TEST_CASE(k_is_the_time_back_to_w_max) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(100);
    f.loss();
    BOOST_TEST(!cc.in_epoch());
    cc.on_ack(f.now, kSmss, cc.cwnd(), f.rtt);  // the epoch starts with CA's first ACK
    BOOST_TEST(cc.in_epoch());
    BOOST_TEST(cc.cwnd_epoch_segments() == 70.0);
    // K = cbrt(W_max (1 - beta) / C) = cbrt(75) s.
    BOOST_TEST(cc.k_seconds() == std::cbrt(100 * 0.3 / 0.4), boost::test_tools::tolerance(1e-9));
    BOOST_TEST(cc.k_seconds() == 4.2172, boost::test_tools::tolerance(1e-4));
    BOOST_TEST(cc.w_est_segments() == 70.0, boost::test_tools::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(concave_growth_reaches_w_max_at_k_then_convex) {
    // Large window, 100 ms RTT: the cubic curve is above Reno's estimate throughout.
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(1000);
    const Instant loss = f.loss();
    const double k = rfc_k(1000, 700);  // cbrt(750) = 9.086 s
    double last_gain = 1e9;
    double prev = seg(cc.cwnd());
    while (secs(f.now - loss) + secs(f.rtt) <= k) {
        f.round();
        const double t = secs(f.now - loss);
        const double w = seg(cc.cwnd());
        // The window tracks the curve: at least W_cubic(t) (less a segment of lag), at
        // most the target W_cubic(t + RTT).
        BOOST_TEST(w >= rfc_w_cubic(t, k, 1000) - 1.0, "t " << t << " cwnd " << w);
        BOOST_TEST(w <= rfc_w_cubic(t + secs(f.rtt), k, 1000) + 1.0, "t " << t << " cwnd " << w);
        // Concave: each round adds less than the one before (allow rounding).
        BOOST_TEST(w - prev <= last_gain + 0.5, "t " << t);
        last_gain = w - prev;
        prev = w;
    }
    BOOST_TEST(cc.k_seconds() == k, boost::test_tools::tolerance(1e-9));
    // At t = K the window is back at W_max.
    f.round();
    BOOST_TEST(secs(f.now - loss) >= k);
    BOOST_TEST(std::fabs(seg(cc.cwnd()) - 1000) <= 2.0, "cwnd " << seg(cc.cwnd()));
    // Beyond K: convex, faster and faster, along the curve.
    last_gain = 0;
    prev = seg(cc.cwnd());
    for (int i = 0; i < 50; ++i) {
        f.round();
        const double t = secs(f.now - loss);
        const double w = seg(cc.cwnd());
        BOOST_TEST(w >= rfc_w_cubic(t, k, 1000) - 1.0, "t " << t << " cwnd " << w);
        BOOST_TEST(w <= rfc_w_cubic(t + secs(f.rtt), k, 1000) + 1.0, "t " << t << " cwnd " << w);
        BOOST_TEST(w - prev >= last_gain - 0.5, "t " << t);
        last_gain = w - prev;
        prev = w;
    }
    // 5 s past K: W_max + C * 5^3 = 1050 segments.
    BOOST_TEST(seg(cc.cwnd()) > 1045.0);
    BOOST_TEST(cc.w_est_segments() < seg(cc.cwnd()));
}

BOOST_AUTO_TEST_CASE(reno_friendly_region_dominates_small_window_short_rtt) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.rtt = ms(1);
    f.grow_to(20);
    const Instant loss = f.loss();  // W_max 20, cwnd 14, K = cbrt(15) = 2.47 s
    for (int r = 0; r < 200; ++r) {
        f.round();
    }
    const double t = secs(f.now - loss);
    const double k = rfc_k(20, 14);
    // Reno's estimate (RFC 9438 §4.3): +alpha_cubic per RTT up to cwnd_prior (20),
    // then +1 per RTT: 14 + 0.529 r up to r = 11.3, then 20 + (r - 11.3).
    const double r_prior = (20.0 - 14.0) / Cubic::kAlphaCubic;
    const double reno = 20.0 + (200.0 - r_prior);
    BOOST_TEST(rfc_w_cubic(t + secs(f.rtt), k, 20) < 16.0);  // the curve has barely moved
    BOOST_TEST(std::fabs(seg(cc.cwnd()) - reno) <= 3.0, "cwnd " << seg(cc.cwnd()) << " reno " << reno);
    BOOST_TEST(std::fabs(cc.w_est_segments() - seg(cc.cwnd())) <= 1.0);
    // Without the Reno-friendly region the curve alone rules.
    Cubic pure(kSmss, 10, [] {
        CubicOptions o = no_hystart();
        o.reno_friendly = false;
        return o;
    }());
    Flow g{pure};
    g.rtt = ms(1);
    g.grow_to(20);
    const Instant loss2 = g.loss();
    for (int r = 0; r < 200; ++r) {
        g.round();
    }
    const double w = seg(pure.cwnd());
    BOOST_TEST(w >= rfc_w_cubic(secs(g.now - loss2), k, 20) - 1.0);
    BOOST_TEST(w <= rfc_w_cubic(secs(g.now - loss2) + secs(g.rtt), k, 20) + 1.0);
}

BOOST_AUTO_TEST_CASE(alpha_switches_to_one_at_cwnd_prior) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.rtt = ms(1);
    f.grow_to(20);
    f.loss();
    // Per RTT W_est gains alpha_cubic * (acks / cwnd): about 0.53 below cwnd_prior = 20.
    f.round();
    const double first = cc.w_est_segments() - 14.0;
    BOOST_TEST(first == Cubic::kAlphaCubic, boost::test_tools::tolerance(0.03));
    while (cc.w_est_segments() < 20.0) {
        f.round();
    }
    const double before = cc.w_est_segments();
    f.round();
    f.round();
    const double per_rtt = (cc.w_est_segments() - before) / 2;
    BOOST_TEST(per_rtt > 0.9);
    BOOST_TEST(per_rtt <= 1.0 + 1e-9);
}

BOOST_AUTO_TEST_CASE(fast_convergence_lowers_w_max) {
    for (bool fc : {true, false}) {
        CubicOptions o = no_hystart();
        o.fast_convergence = fc;
        Cubic cc(kSmss, 10, o);
        Flow f{cc};
        f.grow_to(100);
        f.loss();
        f.round();  // epoch starts; cwnd a little above 70
        const uint32_t w_bytes = cc.cwnd();
        const double w = seg(w_bytes);
        BOOST_TEST(w < 100.0);
        cc.on_enter_recovery(f.now, w_bytes);
        // RFC 9438 §4.7: below the previous W_max, W_max = cwnd (1 + beta) / 2.
        const double want = fc ? w * (1 + 0.7) / 2 : w;
        BOOST_TEST(cc.w_max_segments() == want, boost::test_tools::tolerance(1e-9));
        cc.on_exit_recovery(f.now);
        const double epoch = seg(cc.cwnd());
        BOOST_TEST(epoch == seg(uint32_t(double(w_bytes) * 0.7)), boost::test_tools::tolerance(1e-9));
        cc.on_ack(f.now, kSmss, cc.cwnd(), f.rtt);
        BOOST_TEST(cc.k_seconds() == rfc_k(want, epoch), boost::test_tools::tolerance(1e-9));
    }
    // A loss above the previous W_max just records the new maximum.
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(100);
    f.loss();
    for (int i = 0; i < 100 && cc.cwnd() < 105 * kSmss; ++i) {
        f.round();
    }
    const double w = seg(cc.cwnd());
    BOOST_TEST(w >= 105.0);
    cc.on_enter_recovery(f.now, cc.cwnd());
    BOOST_TEST(cc.w_max_segments() == w);
}

BOOST_AUTO_TEST_CASE(rto_restarts_from_one_segment_and_a_fresh_curve) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(100);
    cc.on_rto(f.now, 100 * kSmss);
    BOOST_TEST(cc.cwnd() == kSmss);
    BOOST_TEST(cc.ssthresh() == 70 * kSmss);  // beta_cubic, not Reno's half (§4.8)
    BOOST_TEST(cc.cwnd_prior_segments() == 100.0);
    cc.on_rto(f.now, kSmss);  // the same data again: ssthresh held
    BOOST_TEST(cc.ssthresh() == 70 * kSmss);
    // Slow start (1 SMSS per ACK after an RTO) back to ssthresh.
    cc.on_ack(f.now, 2 * kSmss, cc.cwnd(), f.rtt);
    BOOST_TEST(cc.cwnd() == 2 * kSmss);
    f.grow_to(70);
    BOOST_TEST(!cc.in_slow_start());
    // The first CA stage: K = 0, W_max = cwnd_epoch (RFC 9438 §4.8).
    cc.on_ack(f.now, kSmss, cc.cwnd(), f.rtt);
    BOOST_TEST(cc.k_seconds() == 0.0);
    BOOST_TEST(cc.w_max_segments() == 70.0);
    BOOST_TEST(cc.w_est_segments() == 70.0, boost::test_tools::tolerance(0.02));
}

BOOST_AUTO_TEST_CASE(rto_after_a_loss_forgets_the_old_w_max) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(100);
    f.loss();  // W_max 100, cwnd 70
    f.round();
    BOOST_TEST(cc.k_seconds() > 4.0);
    const double prior = seg(cc.cwnd());
    cc.on_rto(f.now, 70 * kSmss);  // ssthresh 49 segments
    BOOST_TEST(cc.ssthresh() == 49 * kSmss);
    f.grow_to(49);
    cc.on_ack(f.now, kSmss, cc.cwnd(), f.rtt);
    // RFC 9438 §4.8: this stage's curve starts at its own cwnd_epoch, not at the old
    // W_max of 100 segments.
    BOOST_TEST(cc.k_seconds() == 0.0);
    BOOST_TEST(cc.w_max_segments() == 49.0);
    BOOST_TEST(cc.cwnd_prior_segments() == prior);
}

BOOST_AUTO_TEST_CASE(target_is_capped_at_one_and_a_half_windows_per_rtt) {
    CubicOptions o = no_hystart();
    o.reno_friendly = false;
    Cubic cc(kSmss, 10, o);
    Flow f{cc};
    f.grow_to(20);
    f.loss();
    cc.on_ack(f.now, kSmss, cc.cwnd(), f.rtt);  // epoch starts at 14 segments
    // 30 s without a single ACK: W_cubic(30 s) is thousands of segments.
    f.now = f.now + Duration::seconds(30);
    const uint32_t start = cc.cwnd();
    BOOST_TEST(rfc_w_cubic(30, rfc_k(20, 14), 20) > 1000.0);
    // RFC 9438 §4.2: target <= 1.5 cwnd, so each ACK adds half a segment and a
    // round of ACKs multiplies the window by 1.5, no more.
    f.round();
    BOOST_TEST(double(cc.cwnd()) == 1.5 * (start / kSmss) * kSmss, boost::test_tools::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(after_rto_the_curve_is_convex_from_the_start) {
    CubicOptions o = no_hystart();
    o.reno_friendly = false;
    Cubic cc(kSmss, 10, o);
    Flow f{cc};
    f.grow_to(100);
    cc.on_rto(f.now, 100 * kSmss);
    f.grow_to(70);
    const Instant start = f.now;
    for (int r = 0; r < 40; ++r) {
        f.round();
        const double t = secs(f.now - start);
        const double w = seg(cc.cwnd());
        BOOST_TEST(w >= rfc_w_cubic(t, 0, 70) - 1.0, "t " << t << " cwnd " << w);
        BOOST_TEST(w <= rfc_w_cubic(t + secs(f.rtt), 0, 70) + 1.0, "t " << t << " cwnd " << w);
    }
    // 4 s: 70 + 0.4 * 64 = 95.6 segments.
    BOOST_TEST(seg(cc.cwnd()) == 95.6, boost::test_tools::tolerance(0.02));
}

BOOST_AUTO_TEST_CASE(application_limited_time_does_not_advance_the_curve) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(100);
    f.loss();
    cc.on_ack(f.now, kSmss, cc.cwnd(), f.rtt);
    const uint32_t before = cc.cwnd();
    // 20 s of ACKs with little in flight: the curve would be far past W_max by now.
    for (int i = 0; i < 200; ++i) {
        f.now = f.now + f.rtt;
        cc.on_ack(f.now, kSmss, 10 * kSmss, f.rtt);
    }
    BOOST_TEST(cc.cwnd() == before);
    f.round();
    BOOST_TEST(seg(cc.cwnd()) < 80.0);  // one RTT of the curve's start, not a jump
}

BOOST_AUTO_TEST_CASE(idle_restart_and_duplicate_acks) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.grow_to(50);
    cc.on_ack(f.now, 0, cc.cwnd(), Duration{});
    BOOST_TEST(cc.cwnd() == 50 * kSmss);
    cc.on_idle_restart(f.now);
    BOOST_TEST(cc.cwnd() == 10 * kSmss);
    BOOST_TEST(cc.in_slow_start());
}

BOOST_AUTO_TEST_CASE(hystart_flat_rtt_stays_in_slow_start) {
    Cubic cc(kSmss);
    Flow f{cc};
    f.rtt = ms(50);
    for (int r = 1; r <= 6; ++r) {
        f.round();
        BOOST_TEST(cc.cwnd() == (10u << r) * kSmss, "round " << r);
        BOOST_TEST(!cc.in_css());
    }
    BOOST_TEST(cc.hystart_active());
    BOOST_TEST(cc.ssthresh() == kInfiniteSsthresh);
}

BOOST_AUTO_TEST_CASE(hystart_exits_on_delay_increase_through_css) {
    Cubic cc(kSmss);
    Flow f{cc};
    f.rtt = ms(50);
    f.round();
    f.round();  // lastRoundMinRTT = 50 ms
    // RttThresh = clamp(50 / 8, 4, 16) = 6.25 ms. The eighth sample decides.
    const Duration high = ms(50) + us(6'250);
    for (uint32_t i = 0; i < 7; ++i) {
        cc.on_ack(f.now, kSmss, cc.cwnd(), high);
    }
    BOOST_TEST(!cc.in_css());
    cc.on_ack(f.now, kSmss, cc.cwnd(), high);
    BOOST_TEST(cc.in_css());
    // CSS grows a quarter as fast (RFC 9406 §4.2).
    const uint32_t w = cc.cwnd();
    cc.on_ack(f.now, kSmss, cc.cwnd(), high);
    BOOST_TEST(cc.cwnd() == w + kSmss / 4);
    cc.on_ack(f.now, 4 * kSmss, cc.cwnd(), high);
    BOOST_TEST(cc.cwnd() == w + kSmss / 4 + kSmss);
    // The entry round counts as the first of CSS_ROUNDS.
    cc.on_round_end(f.now);
    for (int r = 2; r <= 4; ++r) {
        f.round_with(high, UINT32_MAX);
        BOOST_TEST(cc.in_css(), "css round " << r);
        BOOST_TEST(cc.in_slow_start());
    }
    const uint32_t before = cc.cwnd();
    f.round_with(high, UINT32_MAX);
    BOOST_TEST(!cc.in_css());
    BOOST_TEST(!cc.hystart_active());
    BOOST_TEST(!cc.in_slow_start());
    BOOST_TEST(cc.ssthresh() == cc.cwnd());
    // That last CSS round grew by a quarter of its ACKs.
    BOOST_TEST(cc.cwnd() == before + (before / kSmss) * kSmss / 4);
    // Then CUBIC's congestion avoidance, from a curve starting here (RFC 9438 §4.10).
    f.round();
    BOOST_TEST(cc.k_seconds() == 0.0);
    BOOST_TEST(cc.w_max_segments() == seg(before + (before / kSmss) * kSmss / 4));
}

BOOST_AUTO_TEST_CASE(hystart_threshold_is_clamped) {
    struct Case {
        Duration base;
        Duration thresh;
    };
    // lastRoundMinRTT / 8, bounded to [4 ms, 16 ms].
    for (const Case c : {Case{ms(10), ms(4)}, Case{ms(80), ms(10)}, Case{ms(400), ms(16)}}) {
        for (bool over : {false, true}) {
            Cubic cc(kSmss);
            Flow f{cc};
            f.rtt = c.base;
            f.round();
            f.round();
            const Duration sample = c.base + c.thresh + Duration{over ? 0 : -1000};
            f.round_with(sample, 8);
            BOOST_TEST(cc.in_css() == over, "base " << c.base.ns << " over " << over);
        }
    }
}

BOOST_AUTO_TEST_CASE(hystart_needs_n_rtt_samples) {
    Cubic cc(kSmss);
    Flow f{cc};
    f.rtt = ms(50);
    f.round();
    f.round();
    f.round_with(ms(100), 7);  // a big increase, but only 7 samples
    BOOST_TEST(!cc.in_css());
    // ACKs without a sample do not count either.
    f.round();
    for (int i = 0; i < 7; ++i) {
        cc.on_ack(f.now, kSmss, cc.cwnd(), ms(100));
    }
    for (int i = 0; i < 20; ++i) {
        cc.on_ack(f.now, kSmss, cc.cwnd(), Duration{});
    }
    BOOST_TEST(!cc.in_css());
    cc.on_ack(f.now, kSmss, cc.cwnd(), ms(100));
    BOOST_TEST(cc.in_css());
}

BOOST_AUTO_TEST_CASE(hystart_resumes_slow_start_after_a_spurious_exit) {
    Cubic cc(kSmss);
    Flow f{cc};
    f.rtt = ms(50);
    f.round();
    f.round();
    f.round_with(ms(60), UINT32_MAX);
    BOOST_TEST(cc.in_css());
    // The delay falls back below the CSS baseline: resume slow start.
    f.round_with(ms(59), 8);
    BOOST_TEST(!cc.in_css());
    BOOST_TEST(cc.hystart_active());
    const uint32_t w = cc.cwnd();
    cc.on_ack(f.now, kSmss, cc.cwnd(), ms(59));
    BOOST_TEST(cc.cwnd() == w + kSmss);
}

BOOST_AUTO_TEST_CASE(loss_in_slow_start_ends_hystart) {
    Cubic cc(kSmss);
    Flow f{cc};
    f.rtt = ms(50);
    f.round();
    cc.on_enter_recovery(f.now, cc.cwnd());
    BOOST_TEST(!cc.hystart_active());
    cc.on_exit_recovery(f.now);
    // After an RTO slow start is the standard one: no CSS however the RTT moves.
    cc.on_rto(f.now, cc.cwnd());
    for (int r = 0; r < 3; ++r) {
        f.round_with(ms(50 + 20 * r), UINT32_MAX);
    }
    BOOST_TEST(!cc.in_css());
}

BOOST_AUTO_TEST_CASE(hystart_disabled_ignores_delay) {
    Cubic cc(kSmss, 10, no_hystart());
    Flow f{cc};
    f.rtt = ms(50);
    f.round();
    f.round();
    f.round_with(ms(100), UINT32_MAX);
    BOOST_TEST(!cc.in_css());
    BOOST_TEST(cc.cwnd() == 80 * kSmss);
}

BOOST_AUTO_TEST_SUITE_END()
