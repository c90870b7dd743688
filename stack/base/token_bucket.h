#pragma once
// Token bucket on the caller's clock: `rate` tokens per second, at most `burst` saved.
// Used to rate-limit ICMP errors (RFC 1122 §4.1.3.1 asks for a limit; RFC 4443 §2.4(f)
// requires one) and, later, RSTs for unknown connections.
#include <cstdint>

#include "stack/base/instant.h"

namespace slip::stack {

class TokenBucket {
public:
    TokenBucket(uint32_t rate_per_second, uint32_t burst)
        : m_rate(rate_per_second), m_burst(burst), m_tokens_ns(uint64_t(burst) * kScale) {}

    // Takes one token if there is one.
    bool take(Instant now) {
        if (m_rate == 0) {
            return false;
        }
        refill(now);
        if (m_tokens_ns < kScale) {
            return false;
        }
        m_tokens_ns -= kScale;
        return true;
    }

private:
    // Tokens are kept in units of 1e9 per token so integer refill needs no division
    // per call: elapsed_ns * rate adds rate tokens per second.
    static constexpr uint64_t kScale = 1'000'000'000ULL;

    void refill(Instant now) {
        if (now.ns > m_last.ns) {
            const uint64_t elapsed = now.ns - m_last.ns;
            const uint64_t cap = uint64_t(m_burst) * kScale;
            // Saturate instead of overflowing after a long idle period.
            const uint64_t add = elapsed >= cap / m_rate ? cap : elapsed * m_rate;
            m_tokens_ns = (cap - m_tokens_ns < add) ? cap : m_tokens_ns + add;
        }
        m_last = now;
    }

    uint32_t m_rate;
    uint32_t m_burst;
    uint64_t m_tokens_ns;
    Instant m_last{};
};

}  // namespace slip::stack
