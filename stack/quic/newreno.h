#pragma once
// NewReno as RFC 9002 §7 and Appendix B give it for QUIC: slow start growing by the bytes
// acknowledged, congestion avoidance by one max_datagram_size per window acknowledged, a
// recovery period that starts at the first loss and ends when a packet sent after that
// point is acknowledged (not when the lost one is, as TCP's does), a loss halving the
// window once per period, and persistent congestion collapsing it to the minimum.
#include <cstdint>

#include "stack/quic/congestion.h"

namespace slip::stack::quic {

class NewReno final : public CongestionController {
public:
    explicit NewReno(uint64_t max_datagram_size = kMinMaxDatagramSize);

    void on_packets_acked(uint64_t now_ns, std::span<const AckedPacket> packets, const RttEstimator& rtt) override;
    void on_congestion_event(uint64_t now_ns, uint64_t sent_time_of_last_loss_ns) override;
    void on_persistent_congestion(uint64_t now_ns) override;
    void reset() override;
    const char* name() const override { return "newreno"; }

    uint64_t ssthresh() const { return m_ssthresh; }
    bool in_slow_start() const { return m_cwnd < m_ssthresh; }
    // A recovery period started and no packet sent after its start has been acknowledged.
    bool in_recovery() const { return m_in_recovery; }

private:
    // RFC 9002 B.5: a packet sent at or before the start of the recovery period.
    bool sent_before_recovery(uint64_t time_sent_ns) const {
        return m_has_recovery_start && time_sent_ns <= m_recovery_start_ns;
    }

    uint64_t m_ssthresh = UINT64_MAX;  // §7.3.1: infinite at first
    uint64_t m_recovery_start_ns = 0;
    bool m_has_recovery_start = false;
    bool m_in_recovery = false;
    // Congestion avoidance counts acknowledged bytes (RFC 3465 §2.1, as RFC 9002 B.5
    // suggests for integer windows): one max_datagram_size per full window.
    uint64_t m_bytes_acked = 0;
};

}  // namespace slip::stack::quic
