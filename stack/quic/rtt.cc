#include "stack/quic/rtt.h"

#include <algorithm>

namespace slip::stack::quic {

void RttEstimator::reset(uint64_t initial_rtt_ns) {
    // RFC 9002 §5.3: smoothed_rtt = kInitialRtt, rttvar = kInitialRtt / 2.
    m_latest_rtt = 0;
    m_min_rtt = 0;
    m_smoothed_rtt = initial_rtt_ns;
    m_rttvar = initial_rtt_ns / 2;
    m_has_sample = false;
}

void RttEstimator::on_sample(uint64_t latest_rtt_ns, uint64_t ack_delay_ns, bool handshake_confirmed,
                             uint64_t max_ack_delay_ns) {
    m_latest_rtt = latest_rtt_ns;
    if (!m_has_sample) {
        // RFC 9002 §5.2, §5.3: the first sample resets the estimator, ack delay unused.
        m_has_sample = true;
        m_min_rtt = latest_rtt_ns;
        m_smoothed_rtt = latest_rtt_ns;
        m_rttvar = latest_rtt_ns / 2;
        return;
    }
    // §5.2: min_rtt is what we observed, never adjusted for the peer's delay.
    m_min_rtt = std::min(m_min_rtt, latest_rtt_ns);
    if (handshake_confirmed) {
        ack_delay_ns = std::min(ack_delay_ns, max_ack_delay_ns);
    }
    // §5.3: subtract the delay only when the result stays at or above min_rtt.
    uint64_t adjusted = latest_rtt_ns;
    if (latest_rtt_ns >= m_min_rtt && latest_rtt_ns - m_min_rtt >= ack_delay_ns) {
        adjusted = latest_rtt_ns - ack_delay_ns;
    }
    // RFC 9002 Appendix A.7 order (as RFC 6298 §2.3): rttvar from the previous
    // smoothed_rtt, then smoothed_rtt.
    const uint64_t deviation =
        m_smoothed_rtt > adjusted ? m_smoothed_rtt - adjusted : adjusted - m_smoothed_rtt;
    m_rttvar = (3 * m_rttvar + deviation) / 4;
    m_smoothed_rtt = (7 * m_smoothed_rtt + adjusted) / 8;
}

uint64_t RttEstimator::pto_base() const {
    return m_smoothed_rtt + std::max(4 * m_rttvar, kGranularityNs);
}

uint64_t RttEstimator::loss_delay() const {
    const uint64_t rtt = std::max(m_smoothed_rtt, m_latest_rtt);
    // kTimeThreshold = 9/8, rounded up so that a packet is never declared lost early.
    return std::max((rtt * 9 + 7) / 8, kGranularityNs);
}

}  // namespace slip::stack::quic
