#include "stack/tcp/rtt_estimator.h"

#include <algorithm>

namespace slip::stack::tcp {

namespace {

// Samples are clamped to this before the EWMA so that 7 * SRTT cannot overflow on a
// garbage sample. An RTT this long is far past any RTO we would arm anyway.
constexpr Duration kMaxSample = Duration::seconds(3600);
// RFC 6298 §5.7: the RTO for data after a retransmitted SYN.
constexpr Duration kSynFallbackRto = Duration::seconds(3);

}  // namespace

std::string RttOptions::validate() const {
    if (min_rto.ns <= 0 || initial_rto.ns <= 0 || max_rto.ns <= 0) {
        return "RTO bounds must be positive";
    }
    if (min_rto > max_rto) {
        return "min RTO must not exceed max RTO";
    }
    if (max_rto > kMaxSample) {
        return "max RTO must be at most one hour";
    }
    if (granularity.ns < 0) {
        return "clock granularity must not be negative";
    }
    return {};
}

RttEstimator::RttEstimator(const RttOptions& opts) : m_opts(opts) {
    m_base_rto = clamp(m_opts.initial_rto);
    m_rto = m_base_rto;
}

Duration RttEstimator::clamp(Duration d) const {
    return std::clamp(d, m_opts.min_rto, std::max(m_opts.min_rto, m_opts.max_rto));
}

void RttEstimator::on_sample(Duration rtt) {
    if (rtt.ns < 0) {
        return;
    }
    const Duration r = std::min(rtt, kMaxSample);
    m_latest = r;
    if (!m_has_sample) {
        // RFC 6298 §2.2: the first measurement R sets SRTT = R, RTTVAR = R/2.
        m_srtt = r;
        m_rttvar = Duration{r.ns / 2};
        m_min_rtt = r;
        m_has_sample = true;
    } else {
        // RFC 6298 §2.3 with alpha = 1/8, beta = 1/4. RTTVAR first: it uses the SRTT
        // from before this sample. Rounded to the nearest nanosecond: truncating would
        // bias both downwards by a little on every sample.
        const int64_t err = m_srtt.ns > r.ns ? m_srtt.ns - r.ns : r.ns - m_srtt.ns;
        m_rttvar = Duration{(3 * m_rttvar.ns + err + 2) / 4};
        m_srtt = Duration{(7 * m_srtt.ns + r.ns + 4) / 8};
        m_min_rtt = std::min(m_min_rtt, r);
    }
    recompute();
    // RFC 6298 §5.7 / Karn: a valid sample ends the backoff.
    reset_backoff();
}

void RttEstimator::recompute() {
    // RFC 6298 §2.2-2.3: RTO = SRTT + max(G, K * RTTVAR), K = 4, then the §2.4 and §2.5
    // bounds.
    const Duration var = Duration{std::max(m_opts.granularity.ns, 4 * m_rttvar.ns)};
    m_base_rto = clamp(m_srtt + var);
}

void RttEstimator::backoff() {
    // RFC 6298 §5.5: RTO = RTO * 2, capped (§2.5). Counting stops mattering at the cap,
    // but the count still tells the owner how many timeouts in a row there were.
    const Duration cap = clamp(m_opts.max_rto);
    m_rto = m_rto.ns >= cap.ns / 2 ? cap : m_rto * 2;
    if (m_backoffs < UINT32_MAX) {
        ++m_backoffs;
    }
}

void RttEstimator::reset_backoff() {
    m_rto = m_base_rto;
    m_backoffs = 0;
}

void RttEstimator::restart_after_syn_loss() {
    if (m_has_sample) {
        return;  // a measured RTO beats the fallback
    }
    // Raise only the base, which the first reset_backoff() (data flowing) returns to:
    // the SYNs themselves keep doubling from the initial RTO (§5.5: 1 s, 2 s, 4 s, ...).
    m_base_rto = clamp(std::max(m_opts.initial_rto, kSynFallbackRto));
}

}  // namespace slip::stack::tcp
