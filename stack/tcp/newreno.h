#pragma once
// NewReno: RFC 5681 slow start and congestion avoidance, with RFC 3465 byte counting,
// and the RFC 6582 fast recovery window (shared with CUBIC, see congestion.h).
#include <cstdint>

#include "stack/tcp/congestion.h"

namespace slip::stack::tcp {

class NewReno final : public CongestionControl {
public:
    // RFC 3465 §2.3: slow start grows by at most L = 2 SMSS per ACK, which covers a
    // delayed ACK of two segments without letting a stretch ACK release a burst.
    static constexpr uint32_t kAbcLimitSegments = 2;

    explicit NewReno(uint32_t smss, uint32_t initcwnd_segments = 10);

    void on_ack(Instant now, uint32_t acked_bytes, uint32_t bytes_in_flight_before,
                Duration rtt_sample) override;
    void on_enter_recovery(Instant now, uint32_t bytes_in_flight) override;
    void on_exit_recovery(Instant now) override;
    void on_rto(Instant now, uint32_t bytes_in_flight) override;
    void on_idle_restart(Instant now) override;
    const char* name() const override { return "newreno"; }

private:
    // RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS).
    uint32_t loss_ssthresh(uint32_t bytes_in_flight) const { return floor_ssthresh(bytes_in_flight / 2); }

    // Congestion avoidance byte count (RFC 3465 §2.1, RFC 5681 §3.1 "bytes_acked").
    uint32_t m_bytes_acked = 0;
};

}  // namespace slip::stack::tcp
