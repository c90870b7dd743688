#pragma once
// QUIC's round-trip time estimate for a path (RFC 9002 §5): latest_rtt, min_rtt,
// smoothed_rtt and rttvar, and the two durations recovery derives from them (the probe
// timeout base, §6.2.1, and the time threshold for loss, §6.1.2). Unlike TCP (RFC 6298)
// the peer reports how long it held each ACK back, and that delay is taken out of the
// sample, within limits that keep a misreporting peer from shrinking the estimate.
// Nanoseconds throughout, measured by the caller.
#include <cstdint>

#include "stack/quic/packet_number_space.h"

namespace slip::stack::quic {

// RFC 9002 §6.2.2: the initial RTT when nothing better is known (a PTO of about 1 s).
inline constexpr uint64_t kInitialRttNs = 333 * kNanosPerMilli;
// RFC 9002 §6.1.2: timer granularity, the floor of every recovery timer.
inline constexpr uint64_t kGranularityNs = 1 * kNanosPerMilli;

class RttEstimator {
public:
    explicit RttEstimator(uint64_t initial_rtt_ns = kInitialRttNs) { reset(initial_rtt_ns); }

    // RFC 9002 §5.3: back to the initial state (new path, §9.4 of RFC 9000).
    void reset(uint64_t initial_rtt_ns = kInitialRttNs);

    // An RTT sample (§5.1): `latest_rtt_ns` from the send time of the largest newly
    // acknowledged packet, `ack_delay_ns` as the peer reported it. After handshake
    // confirmation the delay is capped at the peer's `max_ack_delay_ns`; before, it is
    // taken as reported (§5.3).
    void on_sample(uint64_t latest_rtt_ns, uint64_t ack_delay_ns, bool handshake_confirmed,
                   uint64_t max_ack_delay_ns);

    // RFC 9002 §5.2: after persistent congestion, min_rtt restarts from the newest sample.
    void on_persistent_congestion() { m_min_rtt = m_latest_rtt; }

    bool has_sample() const { return m_has_sample; }
    uint64_t latest_rtt() const { return m_latest_rtt; }
    uint64_t min_rtt() const { return m_min_rtt; }
    uint64_t smoothed_rtt() const { return m_smoothed_rtt; }
    uint64_t rttvar() const { return m_rttvar; }

    // RFC 9002 §6.2.1: smoothed_rtt + max(4*rttvar, kGranularity), the PTO before
    // max_ack_delay and backoff.
    uint64_t pto_base() const;
    // RFC 9002 §6.1.2: max(9/8 * max(smoothed_rtt, latest_rtt), kGranularity).
    uint64_t loss_delay() const;

private:
    uint64_t m_latest_rtt = 0;
    uint64_t m_min_rtt = 0;
    uint64_t m_smoothed_rtt = 0;
    uint64_t m_rttvar = 0;
    bool m_has_sample = false;
};

}  // namespace slip::stack::quic
