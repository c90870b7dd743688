#include "stack/base/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace slip::stack {

namespace {
constexpr uint64_t kSub = 1u << LatencyHistogram::kSubBits;
}

uint32_t LatencyHistogram::bucket_of(uint64_t ns) {
    if (ns < kSub) {
        return uint32_t(ns);  // exact below 8 ns
    }
    const uint32_t octave = uint32_t(63 - std::countl_zero(ns));  // >= kSubBits
    const uint32_t sub = uint32_t(ns >> (octave - kSubBits)) & uint32_t(kSub - 1);
    return std::min<uint32_t>((octave - kSubBits + 1) * uint32_t(kSub) + sub, kBuckets - 1);
}

uint64_t LatencyHistogram::bucket_low(uint32_t index) {
    if (index < kSub) {
        return index;
    }
    const uint32_t octave = index / uint32_t(kSub) + kSubBits - 1;
    const uint64_t sub = index % kSub;
    return (kSub + sub) << (octave - kSubBits);
}

uint64_t LatencyHistogram::quantile(double q) const {
    if (m_count == 0) {
        return 0;
    }
    const uint64_t rank = std::min<uint64_t>(m_count - 1, uint64_t(q * double(m_count)));
    uint64_t seen = 0;
    for (uint32_t i = 0; i < kBuckets; ++i) {
        seen += m_buckets[i];
        if (seen > rank) {
            const uint64_t low = bucket_low(i);
            const uint64_t high = i + 1 < kBuckets ? bucket_low(i + 1) : low;
            return low + (high - low) / 2;
        }
    }
    return bucket_low(kBuckets - 1);
}

LatencyHistogram& LatencyHistogram::operator+=(const LatencyHistogram& o) {
    m_count += o.m_count;
    for (uint32_t i = 0; i < kBuckets; ++i) {
        m_buckets[i] += o.m_buckets[i];
    }
    return *this;
}

}  // namespace slip::stack
