#pragma once
// CUBIC congestion control (RFC 9438) with HyStart++ (RFC 9406) in the initial slow
// start. The window after a loss follows a cubic curve of the time since the reduction:
// concave back up to the window where the loss happened (W_max), flat around it, then
// convex to probe beyond; never slower than Reno would be (the Reno-friendly region).
//
// Windows inside the algorithm are in segments, as doubles, like the RFC's formulas;
// cwnd itself stays in bytes, with the fraction of a byte carried between ACKs. Time t
// is the caller's clock. The RTT in the target (RFC 9438 §4.2) is a smoothed RTT kept
// here from the samples on_ack() is given (RFC 6298 §2.3 weights), so this needs no
// access to the connection's estimator.
//
// Not implemented: RFC 9438 §4.9 undo after a spurious congestion event (needs the
// connection's spurious-loss detection first).
#include <cstdint>

#include "stack/tcp/congestion.h"

namespace slip::stack::tcp {

struct CubicOptions {
    // HyStart++ (RFC 9406) in the initial slow start.
    bool hystart = true;
    // RFC 9406 §4.3 L: slow start grows by at most L SMSS per ACK; 8 for a sender that
    // does not pace, 0 for unlimited (a paced sender). RFC 3465 §2.3's 1 SMSS still
    // applies in slow start after an RTO.
    uint32_t slow_start_limit_segments = 8;
    // RFC 9438 §4.7.
    bool fast_convergence = true;
    // RFC 9438 §4.3.
    bool reno_friendly = true;
};

class Cubic final : public CongestionControl {
public:
    // RFC 9438 §4.1.1.
    static constexpr double kC = 0.4;
    static constexpr double kBeta = 0.7;
    // RFC 9438 §4.3: Reno's average rate for a flow that backs off by kBeta.
    static constexpr double kAlphaCubic = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);
    // RFC 9406 §4.3.
    static constexpr Duration kMinRttThresh = Duration::milliseconds(4);
    static constexpr Duration kMaxRttThresh = Duration::milliseconds(16);
    static constexpr int64_t kMinRttDivisor = 8;
    static constexpr uint32_t kNRttSample = 8;
    static constexpr uint32_t kCssGrowthDivisor = 4;
    static constexpr uint32_t kCssRounds = 5;

    explicit Cubic(uint32_t smss, uint32_t initcwnd_segments = 10, const CubicOptions& opts = {});

    void on_ack(Instant now, uint32_t acked_bytes, uint32_t bytes_in_flight_before,
                Duration rtt_sample) override;
    void on_round_end(Instant now) override;
    void on_enter_recovery(Instant now, uint32_t bytes_in_flight) override;
    void on_exit_recovery(Instant now) override;
    void on_rto(Instant now, uint32_t bytes_in_flight) override;
    void on_idle_restart(Instant now) override;
    const char* name() const override { return "cubic"; }

    // The algorithm's state, in segments and seconds (statistics and tests). K and the
    // epoch values are set at the start of a congestion avoidance stage: the first ACK
    // after slow start or recovery.
    double w_max_segments() const { return m_w_max; }
    double k_seconds() const { return m_k; }
    double w_est_segments() const { return m_w_est; }
    double cwnd_epoch_segments() const { return m_cwnd_epoch; }
    double cwnd_prior_segments() const { return m_cwnd_prior; }
    bool in_epoch() const { return m_in_epoch; }
    // HyStart++: still watching the initial slow start, and in its Conservative Slow
    // Start phase.
    bool hystart_active() const { return m_hs_phase != HyStartPhase::done; }
    bool in_css() const { return m_hs_phase == HyStartPhase::css; }
    Duration srtt() const { return m_srtt; }

private:
    enum class HyStartPhase : uint8_t { slow_start, css, done };
    static constexpr Duration kNoRtt{INT64_MAX};

    double segments(uint64_t bytes) const { return double(bytes) / m_smss; }
    // RFC 9438 §4.2 Figure 1: W_cubic(t) = C (t - K)^3 + W_max.
    double w_cubic(double t) const;
    void start_epoch(Instant now);
    void grow_avoidance(Instant now, uint32_t acked_bytes, bool cwnd_limited);
    uint32_t grow_slow_start(uint32_t acked_bytes);
    void hystart_sample(Duration rtt);
    // Bookkeeping shared by every congestion event (loss or timeout).
    void congestion_event();

    CubicOptions m_opts;
    // RFC 9438 §4.1.2 variables, in segments.
    double m_w_max = 0;
    double m_cwnd_prior = 0;
    double m_cwnd_epoch = 0;
    double m_w_est = 0;
    double m_k = 0;
    // Growth below one byte, carried to the next ACK.
    double m_frac_bytes = 0;
    Instant m_epoch_start{};
    Instant m_last_ack{};
    bool m_in_epoch = false;
    bool m_after_timeout = false;
    Duration m_srtt{};

    // RFC 9406 §4.2 state.
    HyStartPhase m_hs_phase;
    Duration m_last_round_min = kNoRtt;
    Duration m_round_min = kNoRtt;
    Duration m_css_baseline = kNoRtt;
    uint32_t m_rtt_samples = 0;
    uint32_t m_css_rounds = 0;
};

}  // namespace slip::stack::tcp
