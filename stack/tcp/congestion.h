#pragma once
// TCP congestion control (RFC 5681) as clock-free logic: the connection tells the
// algorithm what happened (ACKs, loss detected by duplicate ACKs, timeouts, idle
// restarts) and when, and reads cwnd and ssthresh back. Nothing here sends, times or
// retransmits; windows are in bytes.
//
// One virtual interface with two implementations (NewReno, CUBIC). It is called once
// per ACK, not per byte, so the indirect call does not matter; CongestionSlot holds
// either algorithm inside the connection so setting one up does not allocate.
//
// Loss recovery mechanics are shared: while in fast recovery the window follows RFC 5681
// §3.2 and RFC 6582 §3.2 (inflation by one SMSS per duplicate ACK, deflation on partial
// ACKs) for every algorithm; the algorithm decides ssthresh on a congestion event and
// how the window grows outside recovery.
//
// How the connection drives it:
//   - every ACK outside recovery: on_ack(acked bytes, flight before the ACK, RTT sample)
//     (acked 0 for a duplicate ACK; the first two only allow RFC 3042 limited transmit)
//   - third duplicate ACK (RFC 5681 §3.2, with RFC 6582's `recover` check done by the
//     caller): on_enter_recovery(); further duplicate ACKs and partial ACKs: on_ack();
//     the full ACK (covers `recover`): on_exit_recovery() instead of on_ack()
//   - retransmission timer expiry: on_rto()
//   - a round ends (RFC 9406 §4.2): the ACK just given to on_ack() covered the end
//     marker, the SND.NXT recorded when the round began; call on_round_end() and record
//     SND.NXT as the next marker. Only CUBIC's HyStart++ uses rounds.
//   - sending again after an idle period longer than the RTO (RFC 5681 §4.1):
//     on_idle_restart() before sending.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "stack/base/instant.h"

namespace slip::stack::tcp {

enum class CcAlgorithm : uint8_t { newreno, cubic };

std::optional<CcAlgorithm> parse_cc_algorithm(std::string_view name);
inline const char* to_string(CcAlgorithm a) { return a == CcAlgorithm::cubic ? "cubic" : "newreno"; }

// The largest window TCP can advertise (RFC 7323 §2.3: 65535 << 14, rounded up). cwnd
// saturates here: beyond it the receive window always limits first.
inline constexpr uint32_t kMaxCwnd = 1u << 30;
// The "arbitrarily high" initial ssthresh of RFC 5681 §3.1.
inline constexpr uint32_t kInfiniteSsthresh = UINT32_MAX;

class CongestionControl {
public:
    virtual ~CongestionControl() = default;
    CongestionControl(const CongestionControl&) = delete;
    CongestionControl& operator=(const CongestionControl&) = delete;

    uint32_t cwnd() const { return m_cwnd; }
    uint32_t ssthresh() const { return m_ssthresh; }
    uint32_t smss() const { return m_smss; }
    uint32_t initial_window() const { return m_initial_window; }
    // RFC 5681 §3.1: slow start while cwnd < ssthresh.
    bool in_slow_start() const { return m_cwnd < m_ssthresh; }
    bool in_recovery() const { return m_in_recovery; }

    // An ACK arrived. `acked_bytes`: bytes newly acknowledged (0 for a duplicate ACK).
    // `bytes_in_flight_before`: the flight before this ACK was applied; the window only
    // grows when the sender used it (RFC 7661 §4.1: at least half of it). `rtt_sample`:
    // the RTT this ACK measured (Karn-valid), or zero when it measured none.
    virtual void on_ack(Instant now, uint32_t acked_bytes, uint32_t bytes_in_flight_before,
                        Duration rtt_sample) = 0;
    // The ACK just passed to on_ack() ended a round (see above).
    virtual void on_round_end(Instant now) { (void)now; }
    // Fast retransmit (RFC 5681 §3.2 steps 2-3, RFC 6582 §3.2 "entering fast
    // retransmit"). Ignored when already in recovery: one episode reduces the window
    // once.
    virtual void on_enter_recovery(Instant now, uint32_t bytes_in_flight) = 0;
    // The full ACK: leave recovery with cwnd = ssthresh (RFC 6582 §3.2 "full
    // acknowledgments", option 2; RFC 5681 §3.2 step 6).
    virtual void on_exit_recovery(Instant now) = 0;
    // The retransmission timer fired (RFC 5681 §3.1): ssthresh from the flight (held
    // when the same data times out again before any ACK), cwnd = 1 SMSS.
    virtual void on_rto(Instant now, uint32_t bytes_in_flight) = 0;
    // RFC 5681 §4.1 restart window after idle: cwnd = min(cwnd, IW).
    virtual void on_idle_restart(Instant now) = 0;
    virtual const char* name() const = 0;
    // How the next recovery runs. With SACK the sender counts what is in flight itself
    // (RFC 6675 §4 SetPipe) and cwnd stays at ssthresh through the recovery (§5 step
    // (4.2)): RFC 5681/6582's inflation by duplicate ACKs would count the same departures
    // twice, and deflation by a partial ACK would collapse cwnd when one retransmission
    // fills a long hole and the peer acknowledges hundreds of segments at once.
    void use_sack_recovery(bool on) { m_sack_recovery = on; }

protected:
    // `initcwnd_segments`: initial window in segments (RFC 6928: 10). RFC 6928 §2 also
    // caps IW at max(2 SMSS, 14600) bytes; like Linux we count segments only.
    CongestionControl(uint32_t smss, uint32_t initcwnd_segments);

    // RFC 7661 §4.1: the window is validated (may grow) only if at least half was used.
    bool cwnd_limited(uint32_t bytes_in_flight_before) const;
    // RFC 5681 §3.1 slow start with RFC 3465 §2.2 byte counting: cwnd grows by the bytes
    // acked, at most `limit_segments` SMSS per ACK (0: no limit), and 1 SMSS after an
    // RTO (RFC 3465 §2.3). Stops at ssthresh; returns the acked bytes left over there.
    uint32_t slow_start(uint32_t acked_bytes, uint32_t limit_segments);
    // A duplicate (acked 0, RFC 5681 §3.2 step 4) or partial ACK (RFC 6582 §3.2) in
    // recovery; with SACK recovery, cwnd stays.
    void recovery_ack(uint32_t acked_bytes);
    // What every algorithm does first with an ACK: inside recovery it is RFC 6582's
    // (recovery_ack); outside, a duplicate ACK changes nothing. True when the ACK was fully
    // handled here; false when it acknowledged new data outside recovery (progress noted)
    // and the algorithm's own growth applies.
    bool ack_handled_by_recovery(uint32_t acked_bytes);
    // Enter recovery with `ssthresh` (floored at 2 SMSS): cwnd = ssthresh + 3 SMSS, or
    // ssthresh with SACK recovery.
    void enter_recovery(uint64_t ssthresh);
    void exit_recovery();
    // True when the last RTO has seen no ACK of new data since: a repeated timeout of
    // the same data, which must not lower ssthresh again (RFC 5681 §3.1, before eq. 4).
    bool repeated_timeout() const { return m_rto_pending; }
    // Loss window after an RTO; ssthresh only changes on the first timeout.
    void timeout(uint64_t ssthresh);
    // New data was acknowledged: the next RTO is a fresh one.
    void note_progress() { m_rto_pending = false; }
    void restart_window();
    void set_cwnd(uint64_t bytes);
    // At least 2 SMSS (RFC 5681 eq. 4), at most kMaxCwnd.
    uint32_t floor_ssthresh(uint64_t bytes) const;

    uint32_t m_smss;
    uint32_t m_initial_window;
    uint32_t m_cwnd;
    uint32_t m_ssthresh = kInfiniteSsthresh;
    bool m_in_recovery = false;
    bool m_sack_recovery = false;
    // In slow start after an RTO: ABC uses L = 1 SMSS (RFC 3465 §2.3).
    bool m_after_rto = false;
    bool m_rto_pending = false;
};

// Storage for any algorithm, embedded in a connection: emplace() constructs in place.
inline constexpr size_t kCongestionSlotSize = 320;

class CongestionSlot {
public:
    CongestionSlot() = default;
    ~CongestionSlot() { reset(); }
    CongestionSlot(const CongestionSlot&) = delete;
    CongestionSlot& operator=(const CongestionSlot&) = delete;

    // Destroys the current algorithm, if any, and constructs `algo` with defaults.
    CongestionControl& emplace(CcAlgorithm algo, uint32_t smss, uint32_t initcwnd_segments = 10);
    void reset();
    CongestionControl* get() const { return m_cc; }
    CongestionControl* operator->() const { return m_cc; }
    CongestionControl& operator*() const { return *m_cc; }

private:
    alignas(std::max_align_t) std::byte m_storage[kCongestionSlotSize];
    CongestionControl* m_cc = nullptr;
};

// Heap-allocated alternative for owners that do not embed a CongestionSlot.
std::unique_ptr<CongestionControl> make_congestion(CcAlgorithm algo, uint32_t smss,
                                                   uint32_t initcwnd_segments = 10);

}  // namespace slip::stack::tcp
