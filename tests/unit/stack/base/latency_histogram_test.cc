#include "stack/base/latency_histogram.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using slip::stack::LatencyHistogram;

BOOST_AUTO_TEST_SUITE(latency_histogram)

BOOST_AUTO_TEST_CASE(buckets_are_monotonic_and_tight) {
    uint32_t last = 0;
    for (uint64_t v = 1; v < (1ull << 34); v += v / 7 + 1) {
        const uint32_t b = LatencyHistogram::bucket_of(v);
        BOOST_TEST(b >= last);
        last = b;
        BOOST_TEST(LatencyHistogram::bucket_low(b) <= v);
        if (b + 1 < LatencyHistogram::kBuckets) {
            BOOST_TEST(LatencyHistogram::bucket_low(b + 1) > v);
            // Width at most 1/8 of the value: the middle is within 1/16.
            BOOST_TEST(LatencyHistogram::bucket_low(b + 1) - LatencyHistogram::bucket_low(b) <= std::max<uint64_t>(1, v / 8));
        }
    }
    BOOST_TEST(LatencyHistogram::bucket_of(~0ull) == LatencyHistogram::kBuckets - 1);
}

BOOST_AUTO_TEST_CASE(quantiles_within_six_percent) {
    LatencyHistogram h;
    BOOST_TEST(h.quantile(0.5) == 0u);
    std::vector<uint64_t> values;
    for (uint64_t i = 1; i <= 10000; ++i) {
        values.push_back(1000 + i * 37);  // 1 us .. 371 us
        h.record(values.back());
    }
    BOOST_TEST(h.count() == 10000u);
    for (double q : {0.5, 0.9, 0.99}) {
        const double truth = double(values[size_t(q * 10000)]);
        BOOST_TEST(std::fabs(double(h.quantile(q)) - truth) <= truth / 16 + 1);
    }
    LatencyHistogram other;
    other.record(5'000'000);
    h += other;
    BOOST_TEST(h.count() == 10001u);
    BOOST_TEST(h.quantile(1.0) > 4'500'000u);
}

BOOST_AUTO_TEST_SUITE_END()
