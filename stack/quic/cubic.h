#pragma once
// CUBIC (RFC 9438) for QUIC, behind the same interface as NewReno: slow start as RFC 9002
// §7.3.1 has it, then a window that follows a cubic curve of the time since the last
// reduction (concave up to W_max, the window where the loss happened, then convex to probe
// beyond), never below what Reno would reach (the Reno-friendly estimate, §4.3), with fast
// convergence (§4.7) and the multiplicative decrease of 0.7 (§4.6). Recovery periods are
// QUIC's (RFC 9002 §7.3.2): one reduction per period, which ends when a packet sent after
// its start is acknowledged. Windows inside the formulas are in max_datagram_size units.
#include <cstdint>

#include "stack/quic/congestion.h"

namespace slip::stack::quic {

class Cubic final : public CongestionController {
public:
    static constexpr double kC = 0.4;     // RFC 9438 §4.1.1
    static constexpr double kBeta = 0.7;  // RFC 9438 §4.1.1
    static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);  // §4.3

    explicit Cubic(uint64_t max_datagram_size = kMinMaxDatagramSize);

    void on_packets_acked(uint64_t now_ns, std::span<const AckedPacket> packets, const RttEstimator& rtt) override;
    void on_congestion_event(uint64_t now_ns, uint64_t sent_time_of_last_loss_ns) override;
    void on_persistent_congestion(uint64_t now_ns) override;
    void reset() override;
    const char* name() const override { return "cubic"; }

    uint64_t ssthresh() const { return m_ssthresh; }
    bool in_recovery() const { return m_in_recovery; }
    double w_max() const { return m_w_max; }  // in datagrams
    double k_seconds() const { return m_k; }

private:
    bool sent_before_recovery(uint64_t time_sent_ns) const {
        return m_has_recovery_start && time_sent_ns <= m_recovery_start_ns;
    }
    double datagrams(uint64_t bytes) const { return double(bytes) / double(m_max_datagram_size); }
    void start_epoch(uint64_t now_ns);
    void grow(uint64_t now_ns, uint64_t acked_bytes, uint64_t smoothed_rtt_ns);

    uint64_t m_ssthresh = UINT64_MAX;
    uint64_t m_recovery_start_ns = 0;
    bool m_has_recovery_start = false;
    bool m_in_recovery = false;
    // RFC 9438 §4.1.2, in datagrams.
    double m_w_max = 0;
    double m_w_est = 0;
    double m_cwnd_epoch = 0;
    double m_k = 0;
    double m_fraction = 0;  // growth below one byte, carried to the next acknowledgment
    uint64_t m_epoch_start_ns = 0;
    bool m_in_epoch = false;
};

}  // namespace slip::stack::quic
