#include "stack/quic/newreno.h"

namespace slip::stack::quic {

NewReno::NewReno(uint64_t max_datagram_size) : CongestionController(max_datagram_size) {}

void NewReno::on_packets_acked(uint64_t now_ns, std::span<const AckedPacket> packets, const RttEstimator& rtt) {
    (void)now_ns;
    (void)rtt;
    for (const AckedPacket& p : packets) {
        if (sent_before_recovery(p.time_sent_ns)) {
            continue;  // B.5: no growth in a recovery period
        }
        // §7.3.2: a packet sent during the period acknowledged ends it.
        m_in_recovery = false;
        if (m_app_limited) {
            continue;  // §7.8
        }
        if (m_cwnd < m_ssthresh) {
            m_cwnd += p.bytes;  // §7.3.1 slow start
            continue;
        }
        // §7.3.3: at most one max_datagram_size per congestion window acknowledged.
        m_bytes_acked += p.bytes;
        if (m_bytes_acked >= m_cwnd) {
            m_bytes_acked -= m_cwnd;
            m_cwnd += m_max_datagram_size;
        }
    }
}

void NewReno::on_congestion_event(uint64_t now_ns, uint64_t sent_time_of_last_loss_ns) {
    // §7.3.2: one reduction per recovery period.
    if (sent_before_recovery(sent_time_of_last_loss_ns)) {
        return;
    }
    m_recovery_start_ns = now_ns;
    m_has_recovery_start = true;
    m_in_recovery = true;
    m_ssthresh = m_cwnd / 2;  // kLossReductionFactor 0.5
    m_cwnd = m_ssthresh > minimum_window() ? m_ssthresh : minimum_window();
    m_bytes_acked = 0;
    allow_one_packet();
}

void NewReno::on_persistent_congestion(uint64_t now_ns) {
    (void)now_ns;
    // §7.6.2 and B.8: minimum window, and the recovery period is over, so slow start
    // resumes on the next acknowledgment.
    m_cwnd = minimum_window();
    m_has_recovery_start = false;
    m_in_recovery = false;
    m_bytes_acked = 0;
}

void NewReno::reset() {
    m_cwnd = initial_window(m_max_datagram_size);
    m_ssthresh = UINT64_MAX;
    m_has_recovery_start = false;
    m_in_recovery = false;
    m_bytes_acked = 0;
    m_recovery_allowance = 0;
}

}  // namespace slip::stack::quic
