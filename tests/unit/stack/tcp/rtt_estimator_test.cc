#include "stack/tcp/rtt_estimator.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

constexpr Duration ms(int64_t v) { return Duration::milliseconds(v); }
constexpr Duration us(int64_t v) { return Duration::microseconds(v); }

// RFC 6298 §2, computed independently in doubles (nanoseconds).
struct Reference {
    double srtt = 0;
    double rttvar = 0;
    bool first = true;

    void sample(double r) {
        if (first) {
            srtt = r;
            rttvar = r / 2;
            first = false;
            return;
        }
        rttvar = (1 - 0.25) * rttvar + 0.25 * std::fabs(srtt - r);
        srtt = (1 - 0.125) * srtt + 0.125 * r;
    }
    double rto(double g, double lo, double hi) const { return std::clamp(srtt + std::max(g, 4 * rttvar), lo, hi); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(rtt_estimator)

BOOST_AUTO_TEST_CASE(initial_rto_before_any_sample) {
    RttEstimator e;
    BOOST_TEST(!e.has_sample());
    BOOST_TEST(e.rto() == Duration::seconds(1));  // RFC 6298 §2.1
    BOOST_TEST(e.srtt() == Duration{});
    BOOST_TEST(e.rttvar() == Duration{});
    BOOST_TEST(e.min_rtt() == Duration{});
    BOOST_TEST(e.backoff_count() == 0u);
}

BOOST_AUTO_TEST_CASE(first_sample_sets_srtt_and_half_rttvar) {
    RttEstimator e;
    e.on_sample(ms(100));
    BOOST_TEST(e.has_sample());
    BOOST_TEST(e.srtt() == ms(100));
    BOOST_TEST(e.rttvar() == ms(50));
    // RTO = SRTT + max(G, 4 RTTVAR) = 100 + 200 ms.
    BOOST_TEST(e.rto() == ms(300));
    BOOST_TEST(e.min_rtt() == ms(100));
    BOOST_TEST(e.latest() == ms(100));
}

BOOST_AUTO_TEST_CASE(small_first_sample_is_raised_to_min_rto) {
    RttEstimator e;
    e.on_sample(ms(10));  // 10 + 20 ms, below the 200 ms floor
    BOOST_TEST(e.srtt() == ms(10));
    BOOST_TEST(e.rttvar() == ms(5));
    BOOST_TEST(e.rto() == ms(200));
}

BOOST_AUTO_TEST_CASE(second_sample_updates_rttvar_with_the_old_srtt) {
    RttEstimator e;
    e.on_sample(ms(100));
    e.on_sample(ms(200));
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms (with the new SRTT it would be
    // 59.375 ms); SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms.
    BOOST_TEST(e.rttvar() == us(62'500));
    BOOST_TEST(e.srtt() == us(112'500));
    BOOST_TEST(e.rto() == us(112'500 + 4 * 62'500));
    BOOST_TEST(e.min_rtt() == ms(100));
    BOOST_TEST(e.latest() == ms(200));
}

BOOST_AUTO_TEST_CASE(ewma_follows_rfc6298_over_many_samples) {
    RttOptions o;
    o.min_rto = Duration::nanoseconds(1);
    RttEstimator e(o);
    Reference ref;
    const std::vector<int64_t> samples_us = {40'000, 42'500, 39'000, 80'000, 41'000, 41'000, 41'000, 300,
                                             150'000, 45'000, 44'000, 43'000, 60'000, 38'000, 38'000, 38'000};
    for (int64_t s : samples_us) {
        e.on_sample(us(s));
        ref.sample(double(s) * 1000);
        // Integer nanoseconds round by at most half a nanosecond per step, and old
        // errors decay with the EWMA weights.
        BOOST_TEST(std::fabs(double(e.srtt().ns) - ref.srtt) <= 2.0, "sample " << s);
        BOOST_TEST(std::fabs(double(e.rttvar().ns) - ref.rttvar) <= 2.0, "sample " << s);
        const double want = ref.rto(1e6, 1, 120e9);
        BOOST_TEST(std::fabs(double(e.rto().ns) - want) <= 10.0, "sample " << s);
    }
    BOOST_TEST(e.min_rtt() == us(300));
}

BOOST_AUTO_TEST_CASE(steady_path_converges_to_srtt_plus_granularity) {
    RttOptions o;
    o.min_rto = ms(1);
    o.granularity = ms(10);
    RttEstimator e(o);
    for (int i = 0; i < 200; ++i) {
        e.on_sample(ms(50));
    }
    // RTTVAR decays towards zero; G keeps the RTO above SRTT.
    BOOST_TEST(e.srtt() == ms(50));
    BOOST_TEST(e.rttvar() < ms(1));
    BOOST_TEST(e.rto() == ms(60));
}

BOOST_AUTO_TEST_CASE(backoff_doubles_and_caps_at_max) {
    RttEstimator e;
    e.on_sample(ms(100));
    int64_t want = 300;
    for (uint32_t i = 1; i <= 12; ++i) {
        e.backoff();
        want = std::min<int64_t>(want * 2, 120'000);
        BOOST_TEST(e.rto() == ms(want), "backoff " << i);
        BOOST_TEST(e.backoff_count() == i);
    }
    // 300 ms * 2^8 = 76.8 s; the ninth doubling is capped.
    BOOST_TEST(e.rto() == Duration::seconds(120));
    e.backoff();
    BOOST_TEST(e.rto() == Duration::seconds(120));
}

BOOST_AUTO_TEST_CASE(backoff_from_initial_rto) {
    RttEstimator e;
    e.backoff();
    BOOST_TEST(e.rto() == Duration::seconds(2));
    e.backoff();
    BOOST_TEST(e.rto() == Duration::seconds(4));
}

BOOST_AUTO_TEST_CASE(a_new_sample_ends_the_backoff) {
    RttEstimator e;
    e.on_sample(ms(100));
    e.backoff();
    e.backoff();
    BOOST_TEST(e.rto() == ms(1200));
    e.on_sample(ms(100));
    // RTTVAR = 3/4 * 50 = 37.5 ms: RTO = 100 + 150 ms, backoff gone.
    BOOST_TEST(e.rto() == ms(250));
    BOOST_TEST(e.backoff_count() == 0u);
}

BOOST_AUTO_TEST_CASE(reset_backoff_restores_the_computed_rto) {
    RttEstimator e;
    e.on_sample(ms(100));
    e.backoff();
    BOOST_TEST(e.rto() == ms(600));
    e.reset_backoff();
    BOOST_TEST(e.rto() == ms(300));
    BOOST_TEST(e.backoff_count() == 0u);
    BOOST_TEST(e.srtt() == ms(100));
}

BOOST_AUTO_TEST_CASE(computed_rto_is_capped_at_max) {
    RttEstimator e;
    e.on_sample(Duration::seconds(100));  // 100 + 200 s
    BOOST_TEST(e.rto() == Duration::seconds(120));
}

BOOST_AUTO_TEST_CASE(options_bound_the_rto) {
    RttOptions o;
    o.initial_rto = ms(50);
    o.min_rto = ms(100);
    o.max_rto = ms(500);
    RttEstimator e(o);
    BOOST_TEST(e.rto() == ms(100));  // initial raised to the floor
    e.backoff();
    e.backoff();
    BOOST_TEST(e.rto() == ms(400));
    e.backoff();
    BOOST_TEST(e.rto() == ms(500));
}

BOOST_AUTO_TEST_CASE(min_rtt_is_the_lowest_sample) {
    RttEstimator e;
    for (int64_t v : {30, 20, 25, 40, 21}) {
        e.on_sample(ms(v));
    }
    BOOST_TEST(e.min_rtt() == ms(20));
    BOOST_TEST(e.latest() == ms(21));
}

BOOST_AUTO_TEST_CASE(negative_sample_is_ignored) {
    RttEstimator e;
    e.on_sample(ms(-5));
    BOOST_TEST(!e.has_sample());
    BOOST_TEST(e.rto() == Duration::seconds(1));
    e.on_sample(ms(100));
    e.on_sample(ms(-5));
    BOOST_TEST(e.srtt() == ms(100));
    BOOST_TEST(e.rttvar() == ms(50));
}

BOOST_AUTO_TEST_CASE(zero_sample_counts) {
    RttOptions o;
    o.min_rto = Duration::nanoseconds(1);
    RttEstimator e(o);
    e.on_sample(Duration{});
    BOOST_TEST(e.has_sample());
    BOOST_TEST(e.rto() == ms(1));  // only G remains
}

BOOST_AUTO_TEST_CASE(huge_sample_does_not_overflow) {
    RttEstimator e;
    e.on_sample(Duration{INT64_MAX});
    e.on_sample(Duration{INT64_MAX});
    BOOST_TEST(e.srtt() == Duration::seconds(3600));
    BOOST_TEST(e.rto() == Duration::seconds(120));
    e.on_sample(ms(10));
    BOOST_TEST(e.srtt() > Duration{});
    BOOST_TEST(e.srtt() < Duration::seconds(3600));
}

BOOST_AUTO_TEST_CASE(syn_loss_raises_the_initial_rto_to_three_seconds) {
    RttEstimator e;
    e.backoff();  // the SYN timed out after 1 s
    BOOST_TEST(e.rto() == Duration::seconds(2));
    e.restart_after_syn_loss();  // RFC 6298 §5.7: for data, later
    BOOST_TEST(e.rto() == Duration::seconds(2));  // §5.5: the SYNs keep doubling
    e.backoff();
    e.restart_after_syn_loss();
    BOOST_TEST(e.rto() == Duration::seconds(4));
    BOOST_TEST(e.backoff_count() == 2u);
    // Once data flows, the RTO without a sample is 3 s, not the initial 1 s.
    e.reset_backoff();
    BOOST_TEST(e.rto() == Duration::seconds(3));
    e.on_sample(ms(100));  // a real sample wins
    BOOST_TEST(e.rto() == ms(300));
    e.restart_after_syn_loss();
    BOOST_TEST(e.rto() == ms(300));
}

BOOST_AUTO_TEST_CASE(options_validate) {
    BOOST_TEST(RttOptions{}.validate().empty());
    RttOptions o;
    o.min_rto = Duration::seconds(200);
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.initial_rto = Duration{};
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.granularity = ms(-1);
    BOOST_TEST(!o.validate().empty());
}

BOOST_AUTO_TEST_SUITE_END()
