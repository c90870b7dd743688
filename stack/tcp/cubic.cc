#include "stack/tcp/cubic.h"

#include <algorithm>
#include <cmath>

namespace slip::stack::tcp {

namespace {

double seconds(Duration d) { return double(d.ns) * 1e-9; }

}  // namespace

Cubic::Cubic(uint32_t smss, uint32_t initcwnd_segments, const CubicOptions& opts)
    : CongestionControl(smss, initcwnd_segments),
      m_opts(opts),
      m_hs_phase(opts.hystart ? HyStartPhase::slow_start : HyStartPhase::done) {}

double Cubic::w_cubic(double t) const {
    const double d = t - m_k;
    return kC * d * d * d + m_w_max;
}

void Cubic::on_ack(Instant now, uint32_t acked_bytes, uint32_t bytes_in_flight_before, Duration rtt_sample) {
    if (rtt_sample.ns > 0) {
        // RFC 6298 §2.3 weights (1/8): the RTT the target looks ahead by (RFC 9438 §4.2).
        m_srtt = m_srtt.ns == 0 ? rtt_sample : Duration{(7 * m_srtt.ns + rtt_sample.ns) / 8};
        if (m_hs_phase != HyStartPhase::done && in_slow_start()) {
            hystart_sample(rtt_sample);
        }
    }
    // RFC 9438 §4.6 leaves loss recovery to RFC 6582 / RFC 6675: no growth there.
    if (ack_handled_by_recovery(acked_bytes)) {
        return;
    }
    const bool limited = cwnd_limited(bytes_in_flight_before);
    uint32_t left = acked_bytes;
    if (in_slow_start()) {
        if (!limited) {
            return;
        }
        left = grow_slow_start(acked_bytes);
        if (left == 0) {
            return;
        }
    }
    grow_avoidance(now, left, limited);
}

uint32_t Cubic::grow_slow_start(uint32_t acked_bytes) {
    if (m_hs_phase != HyStartPhase::css) {
        return slow_start(acked_bytes, m_opts.slow_start_limit_segments);
    }
    // RFC 9406 §4.2 Conservative Slow Start: cwnd += min(N, L * SMSS) / CSS_GROWTH_DIVISOR.
    // ssthresh is still infinite here (any congestion event ends HyStart++), so nothing
    // is left over for congestion avoidance.
    uint64_t n = acked_bytes;
    if (m_opts.slow_start_limit_segments != 0) {
        n = std::min<uint64_t>(n, uint64_t(m_opts.slow_start_limit_segments) * m_smss);
    }
    set_cwnd(m_cwnd + n / kCssGrowthDivisor);
    return 0;
}

void Cubic::hystart_sample(Duration rtt) {
    // RFC 9406 §4.2: the minimum RTT of the round, judged once it has N_RTT_SAMPLE
    // samples so that one lucky or unlucky sample decides nothing.
    m_round_min = std::min(m_round_min, rtt);
    ++m_rtt_samples;
    if (m_rtt_samples < kNRttSample) {
        return;
    }
    if (m_hs_phase == HyStartPhase::slow_start) {
        if (m_last_round_min == kNoRtt) {
            return;
        }
        // The queue is building when this round's minimum exceeds the last round's by
        // an eighth of it, bounded to [4 ms, 16 ms]: leave slow start before the
        // exponential growth overshoots into loss.
        const Duration thresh = std::clamp(Duration{m_last_round_min.ns / kMinRttDivisor}, kMinRttThresh,
                                           kMaxRttThresh);
        if (m_round_min >= m_last_round_min + thresh) {
            m_css_baseline = m_round_min;
            m_css_rounds = 0;
            m_hs_phase = HyStartPhase::css;
        }
    } else if (m_round_min < m_css_baseline) {
        // The delay fell back below where CSS began: the exit was spurious (jitter), so
        // resume slow start, HyStart++ included.
        m_css_baseline = kNoRtt;
        m_css_rounds = 0;
        m_hs_phase = HyStartPhase::slow_start;
    }
}

void Cubic::on_round_end(Instant now) {
    (void)now;
    if (m_hs_phase == HyStartPhase::done) {
        return;
    }
    if (!in_slow_start()) {
        m_hs_phase = HyStartPhase::done;
        return;
    }
    // RFC 9406 §4.2: CSS_ROUNDS rounds of CSS confirmed the delay increase; the round
    // CSS began in counts as the first. Congestion avoidance from the current window.
    if (m_hs_phase == HyStartPhase::css && ++m_css_rounds >= kCssRounds) {
        m_ssthresh = m_cwnd;
        // RFC 9438 §4.10: leaving slow start without a loss leaves W_max undefined;
        // cwnd_prior is this window, and the epoch takes W_max = cwnd_epoch, K = 0.
        m_cwnd_prior = segments(m_cwnd);
        m_w_max = 0;
        m_in_epoch = false;
        m_hs_phase = HyStartPhase::done;
        return;
    }
    m_last_round_min = m_round_min;
    m_round_min = kNoRtt;
    m_rtt_samples = 0;
}

void Cubic::start_epoch(Instant now) {
    // RFC 9438 §4.2: t counts from the start of this congestion avoidance stage, and K
    // is when the curve, starting at cwnd_epoch, reaches W_max (Figure 2).
    m_in_epoch = true;
    m_epoch_start = now;
    m_last_ack = now;
    m_cwnd_epoch = segments(m_cwnd);
    m_w_est = m_cwnd_epoch;  // RFC 9438 §4.3
    m_frac_bytes = 0;
    if (m_after_timeout || m_w_max <= 0) {
        // RFC 9438 §4.8 (first stage after a timeout) and §4.10 (no loss yet): the
        // curve starts at its inflection point, convex from here.
        m_w_max = m_cwnd_epoch;
        m_k = 0;
        m_after_timeout = false;
        return;
    }
    // W_max can lie below cwnd_epoch (fast convergence, or a recovery that ended with
    // a larger window): K is then negative and the curve is already convex, as Figure 2
    // gives with a real cube root.
    m_k = std::cbrt((m_w_max - m_cwnd_epoch) / kC);
}

void Cubic::grow_avoidance(Instant now, uint32_t acked_bytes, bool cwnd_limited) {
    if (!m_in_epoch) {
        start_epoch(now);
    }
    if (!cwnd_limited) {
        // RFC 9438 §5.8: time the sender did not use the window must not advance the
        // curve, or the window jumps once it is used again. Shift the epoch instead.
        if (now > m_last_ack) {
            m_epoch_start = m_epoch_start + (now - m_last_ack);
        }
        m_last_ack = now;
        return;
    }
    m_last_ack = now;
    const double cwnd = segments(m_cwnd);
    const double acked = segments(acked_bytes);
    const double t = std::max(0.0, seconds(now - m_epoch_start));
    double next;
    if (m_opts.reno_friendly) {
        // RFC 9438 §4.3 Figure 4: Reno's window, growing by alpha_cubic per RTT until it
        // reaches the window of the last reduction, then by 1 like Reno itself.
        const double alpha = m_w_est >= m_cwnd_prior ? 1.0 : kAlphaCubic;
        m_w_est += alpha * acked / cwnd;
    }
    if (m_opts.reno_friendly && w_cubic(t) < m_w_est) {
        // Reno-friendly region: at least what Reno would have.
        next = std::max(cwnd, m_w_est);
    } else {
        // RFC 9438 §4.2: aim at the curve one RTT ahead, no lower than cwnd and no
        // faster than 1.5x per RTT; §4.4-4.5: move (target - cwnd) / cwnd per segment
        // acknowledged, reaching the target in about one RTT.
        const double target = std::clamp(w_cubic(t + seconds(m_srtt)), cwnd, 1.5 * cwnd);
        next = cwnd + (target - cwnd) / cwnd * acked;
    }
    const double grow = std::min((next - cwnd) * m_smss + m_frac_bytes, double(kMaxCwnd));
    const double whole = std::floor(grow);
    m_frac_bytes = grow - whole;
    set_cwnd(uint64_t(m_cwnd) + uint64_t(whole));
}

void Cubic::congestion_event() {
    m_in_epoch = false;
    m_frac_bytes = 0;
    // RFC 9406 §4.2: a congestion event in slow start or CSS ends HyStart++; later slow
    // starts (after an RTO) are standard ones (§4.3).
    m_hs_phase = HyStartPhase::done;
}

void Cubic::on_enter_recovery(Instant now, uint32_t bytes_in_flight) {
    (void)now;
    if (m_in_recovery) {
        return;
    }
    const double cwnd = segments(m_cwnd);
    // RFC 9438 §4.7: a loss below the previous W_max means the share of the path
    // shrank (a new flow arrived); release some of it by aiming lower.
    if (m_opts.fast_convergence && cwnd < m_w_max) {
        m_w_max = cwnd * (1.0 + kBeta) / 2.0;
    } else {
        m_w_max = cwnd;
    }
    // RFC 9438 §4.6 Figure 5: ssthresh = flight_size * beta_cubic, at least 2 SMSS.
    m_cwnd_prior = cwnd;
    congestion_event();
    enter_recovery(uint64_t(double(bytes_in_flight) * kBeta));
}

void Cubic::on_exit_recovery(Instant now) {
    (void)now;
    if (!m_in_recovery) {
        return;
    }
    exit_recovery();
    m_in_epoch = false;
}

void Cubic::on_rto(Instant now, uint32_t bytes_in_flight) {
    (void)now;
    // RFC 9438 §4.8: cwnd as Reno (the loss window), ssthresh with beta_cubic; the next
    // congestion avoidance stage starts a fresh curve (see start_epoch). A repeated
    // timeout of the same data changes neither.
    if (!repeated_timeout()) {
        m_cwnd_prior = segments(m_cwnd);
        m_after_timeout = true;
    }
    congestion_event();
    timeout(uint64_t(double(bytes_in_flight) * kBeta));
}

void Cubic::on_idle_restart(Instant now) {
    (void)now;
    restart_window();
    // The curve's clock ran while nothing was sent; start a new stage from the
    // restart window instead of jumping to where the old curve has got to.
    m_in_epoch = false;
}

}  // namespace slip::stack::tcp
