#include "stack/quic/cubic.h"

#include <algorithm>
#include <cmath>

namespace slip::stack::quic {

Cubic::Cubic(uint64_t max_datagram_size) : CongestionController(max_datagram_size) {}

void Cubic::on_packets_acked(uint64_t now_ns, std::span<const AckedPacket> packets, const RttEstimator& rtt) {
    for (const AckedPacket& p : packets) {
        if (sent_before_recovery(p.time_sent_ns)) {
            continue;  // RFC 9002 B.5: no growth in a recovery period
        }
        m_in_recovery = false;  // RFC 9002 §7.3.2: a packet sent in the period ends it
        if (m_app_limited) {
            continue;  // RFC 9002 §7.8, RFC 9438 §5.8
        }
        if (m_cwnd < m_ssthresh) {
            m_cwnd += p.bytes;  // slow start
            continue;
        }
        grow(now_ns, p.bytes, rtt.smoothed_rtt());
    }
}

// RFC 9438 §4.2: the curve restarts at each congestion avoidance stage; K is when it
// reaches W_max from the window it starts at (negative, already convex, when W_max is
// below it).
void Cubic::start_epoch(uint64_t now_ns) {
    m_in_epoch = true;
    m_epoch_start_ns = now_ns;
    m_cwnd_epoch = datagrams(m_cwnd);
    m_w_est = m_cwnd_epoch;
    m_fraction = 0;
    if (m_w_max <= 0) {
        m_w_max = m_cwnd_epoch;  // §4.10: no congestion event yet
        m_k = 0;
        return;
    }
    m_k = std::cbrt((m_w_max - m_cwnd_epoch) / kC);
}

void Cubic::grow(uint64_t now_ns, uint64_t acked_bytes, uint64_t smoothed_rtt_ns) {
    if (!m_in_epoch) {
        start_epoch(now_ns);
    }
    const double cwnd = datagrams(m_cwnd);
    const double t = double(now_ns - m_epoch_start_ns) * 1e-9;
    const double rtt = double(smoothed_rtt_ns) * 1e-9;
    const auto w_cubic = [&](double at) {
        const double d = at - m_k;
        return kC * d * d * d + m_w_max;
    };
    // §4.3: what Reno with the same decrease would have by now.
    m_w_est += kAlpha * datagrams(acked_bytes) / cwnd;
    double increase = 0;
    if (w_cubic(t) < m_w_est) {
        increase = m_w_est - cwnd;  // Reno-friendly region
    } else {
        // §4.4, §4.5: toward W_cubic one RTT ahead, at most half the window per RTT.
        const double target = std::clamp(w_cubic(t + rtt), cwnd, 1.5 * cwnd);
        increase = (target - cwnd) / cwnd * datagrams(acked_bytes);
    }
    if (increase <= 0) {
        return;
    }
    m_fraction += increase * double(m_max_datagram_size);
    const uint64_t whole = uint64_t(m_fraction);
    m_fraction -= double(whole);
    m_cwnd += whole;
}

void Cubic::on_congestion_event(uint64_t now_ns, uint64_t sent_time_of_last_loss_ns) {
    if (sent_before_recovery(sent_time_of_last_loss_ns)) {
        return;  // RFC 9002 §7.3.2: one reduction per recovery period
    }
    m_recovery_start_ns = now_ns;
    m_has_recovery_start = true;
    m_in_recovery = true;
    const double cwnd = datagrams(m_cwnd);
    // §4.7 fast convergence: a loss below the last W_max means another flow took
    // bandwidth; give some up.
    m_w_max = cwnd < m_w_max ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
    m_ssthresh = std::max(uint64_t(double(m_cwnd) * kBeta), minimum_window());  // §4.6
    m_cwnd = m_ssthresh;
    m_in_epoch = false;
    allow_one_packet();
}

void Cubic::on_persistent_congestion(uint64_t now_ns) {
    (void)now_ns;
    // RFC 9002 §7.6.2: the minimum window; RFC 9438 §4.8: the next stage starts at the
    // curve's inflection point.
    m_cwnd = minimum_window();
    m_w_max = 0;
    m_in_epoch = false;
    m_has_recovery_start = false;
    m_in_recovery = false;
}

void Cubic::reset() {
    m_cwnd = initial_window(m_max_datagram_size);
    m_ssthresh = UINT64_MAX;
    m_has_recovery_start = false;
    m_in_recovery = false;
    m_w_max = 0;
    m_in_epoch = false;
    m_recovery_allowance = 0;
}

}  // namespace slip::stack::quic
