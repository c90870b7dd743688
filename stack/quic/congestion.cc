#include "stack/quic/congestion.h"

#include <algorithm>

namespace slip::stack::quic {

CongestionController::CongestionController(uint64_t max_datagram_size)
    : m_max_datagram_size(std::max(max_datagram_size, kMinMaxDatagramSize)),
      m_cwnd(initial_window(m_max_datagram_size)) {}

uint64_t CongestionController::initial_window(uint64_t max_datagram_size) {
    return std::min(10 * max_datagram_size, std::max<uint64_t>(14720, 2 * max_datagram_size));
}

void CongestionController::on_packet_sent(uint64_t now_ns, uint64_t bytes, uint64_t bytes_in_flight) {
    (void)now_ns;
    (void)bytes;
    (void)bytes_in_flight;
    if (m_recovery_allowance > 0) {
        --m_recovery_allowance;
    }
}

uint64_t CongestionController::pacing_rate(const RttEstimator& rtt) const {
    const uint64_t srtt = std::max<uint64_t>(rtt.smoothed_rtt(), 1);
    // 5/4 * cwnd bytes per smoothed_rtt, in bytes per second (a hint: double is exact
    // enough and cannot overflow).
    const double rate = static_cast<double>(m_cwnd) * 1.25 * 1e9 / static_cast<double>(srtt);
    return rate >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(rate);
}

}  // namespace slip::stack::quic
