#pragma once
// Latencies in nanoseconds, counted in log-linear buckets: eight per power of two, so
// any percentile read back is within 1/16 (6%) of the true value, from 1 ns to ~1 min.
// Fixed size and trivially copyable: it is published with the other per-core counters
// and merged by addition.
#include <array>
#include <cstdint>

namespace slip::stack {

class LatencyHistogram {
public:
    static constexpr uint32_t kSubBits = 3;  // 2^3 buckets per octave
    static constexpr uint32_t kBuckets = 280;

    void record(uint64_t ns) {
        ++m_buckets[bucket_of(ns)];
        ++m_count;
    }
    uint64_t count() const { return m_count; }
    // The value at quantile q (0..1): the middle of the bucket holding it; 0 when empty.
    uint64_t quantile(double q) const;
    LatencyHistogram& operator+=(const LatencyHistogram& o);

    static uint32_t bucket_of(uint64_t ns);
    static uint64_t bucket_low(uint32_t index);  // smallest value in the bucket

private:
    uint64_t m_count = 0;
    std::array<uint64_t, kBuckets> m_buckets{};
};

}  // namespace slip::stack
