#pragma once
// Retransmission timeout from measured round-trip times (RFC 6298): SRTT, RTTVAR and
// RTO, with exponential backoff. Clock-free: the caller measures each sample on its own
// clock and hands in the duration.
//
// Karn's algorithm (RFC 6298 §3) is the caller's job: on_sample() must only be given
// RTTs of segments that were not retransmitted (or RFC 7323 timestamp echoes, which are
// unambiguous). A valid sample also ends any backoff, as the RFC prescribes: the
// backed-off RTO is kept until an ACK for a segment that was not retransmitted arrives.
#include <cstdint>
#include <string>

#include "stack/base/instant.h"

namespace slip::stack::tcp {

struct RttOptions {
    // RTO before the first sample (RFC 6298 §2.1).
    Duration initial_rto = Duration::seconds(1);
    // Lower bound on the RTO. RFC 6298 §2.4 asks for 1 s; like Linux (TCP_RTO_MIN) we
    // default to 200 ms, since the 1 s floor dates from coarse clocks and delayed ACKs
    // are bounded by 200 ms (RFC 9293 §3.8.6.3 allows up to 500 ms: raise this then).
    Duration min_rto = Duration::milliseconds(200);
    // Upper bound on the RTO, backoff included (RFC 6298 §2.5: at least 60 s; Linux
    // TCP_RTO_MAX is 120 s).
    Duration max_rto = Duration::seconds(120);
    // Clock granularity G (RFC 6298 §2.2): the RTO is never closer to SRTT than this,
    // even when RTTVAR collapses to zero on a perfectly steady path. The timers that
    // fire the RTO tick in milliseconds, so a finer G would promise what they cannot keep.
    Duration granularity = Duration::milliseconds(1);

    // Returns an empty string when valid, else what is wrong.
    std::string validate() const;
};

class RttEstimator {
public:
    explicit RttEstimator(const RttOptions& opts = {});

    // A round-trip time measured on a segment that was not retransmitted (Karn).
    // Negative samples (a clock stepping back) are ignored.
    void on_sample(Duration rtt);

    // The retransmission timeout to arm now, backoff included, in [min_rto, max_rto].
    Duration rto() const { return m_rto; }
    // The retransmission timer expired: double the RTO, up to max_rto (RFC 6298 §5.5).
    void backoff();
    // Back to the computed RTO without a new sample (e.g. the connection decided the
    // path recovered by other means). on_sample() does this on its own.
    void reset_backoff();
    // RFC 6298 §5.7: when the SYN or SYN-ACK had to be retransmitted and no RTT sample
    // exists, the RTO for data starts at 3 s instead of the initial RTO. Safe to call
    // on every handshake timeout: the backoff under way is left alone (§5.5), and
    // reset_backoff() later lands on 3 s. No effect once a sample exists.
    void restart_after_syn_loss();

    Duration srtt() const { return m_srtt; }
    Duration rttvar() const { return m_rttvar; }
    bool has_sample() const { return m_has_sample; }
    // Lowest sample seen; zero before the first sample.
    Duration min_rtt() const { return m_min_rtt; }
    // A sample timed on our own clock (one timed segment, RFC 6298 §3), as opposed to the
    // millisecond timestamps of RFC 7323 that read 0 on a sub-millisecond path. Only the
    // minimum is kept: it tells a delivery a round trip after a send from an earlier copy's.
    void note_timed_sample(Duration rtt) {
        if (rtt.ns > 0 && (m_min_timed.ns == 0 || rtt < m_min_timed)) {
            m_min_timed = rtt;
        }
    }
    // Lowest timed sample; zero before the first.
    Duration min_timed_rtt() const { return m_min_timed; }
    // The most recent sample; zero before the first sample.
    Duration latest() const { return m_latest; }
    // Consecutive backoffs since the last sample or reset: the connection gives up
    // after some number of these (RFC 9293 §3.8.3 R2).
    uint32_t backoff_count() const { return m_backoffs; }

private:
    Duration clamp(Duration d) const;
    void recompute();

    RttOptions m_opts;
    Duration m_srtt{};
    Duration m_rttvar{};
    Duration m_min_rtt{};
    Duration m_min_timed{};
    Duration m_latest{};
    // RTO before backoff, and after it.
    Duration m_base_rto{};
    Duration m_rto{};
    uint32_t m_backoffs = 0;
    bool m_has_sample = false;
};

}  // namespace slip::stack::tcp
