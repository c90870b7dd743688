#include "stack/tcp/newreno.h"

#include <algorithm>

namespace slip::stack::tcp {

NewReno::NewReno(uint32_t smss, uint32_t initcwnd_segments) : CongestionControl(smss, initcwnd_segments) {}

void NewReno::on_ack(Instant now, uint32_t acked_bytes, uint32_t bytes_in_flight_before, Duration rtt_sample) {
    (void)now;
    (void)rtt_sample;
    if (ack_handled_by_recovery(acked_bytes)) {
        return;
    }
    if (!cwnd_limited(bytes_in_flight_before)) {
        return;
    }
    uint32_t left = acked_bytes;
    if (in_slow_start()) {
        left = slow_start(acked_bytes, kAbcLimitSegments);
        if (left == 0) {
            return;
        }
    }
    // RFC 3465 §2.1 / RFC 5681 §3.1: count acknowledged bytes; each time a whole cwnd
    // has been acknowledged (about one RTT) the window grows by one SMSS. The count is
    // capped at one window so a burst of huge ACKs cannot bank several increments.
    m_bytes_acked = static_cast<uint32_t>(std::min<uint64_t>(uint64_t(m_bytes_acked) + left, m_cwnd));
    if (m_bytes_acked >= m_cwnd) {
        m_bytes_acked -= m_cwnd;
        set_cwnd(uint64_t(m_cwnd) + m_smss);
    }
}

void NewReno::on_enter_recovery(Instant now, uint32_t bytes_in_flight) {
    (void)now;
    if (m_in_recovery) {
        return;
    }
    m_bytes_acked = 0;
    enter_recovery(loss_ssthresh(bytes_in_flight));
}

void NewReno::on_exit_recovery(Instant now) {
    (void)now;
    if (!m_in_recovery) {
        return;
    }
    m_bytes_acked = 0;
    exit_recovery();
}

void NewReno::on_rto(Instant now, uint32_t bytes_in_flight) {
    (void)now;
    m_bytes_acked = 0;
    timeout(loss_ssthresh(bytes_in_flight));
}

void NewReno::on_idle_restart(Instant now) {
    (void)now;
    restart_window();
}

}  // namespace slip::stack::tcp
