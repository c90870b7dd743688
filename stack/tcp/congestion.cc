#include "stack/tcp/congestion.h"

#include <algorithm>
#include <new>

#include "stack/tcp/cubic.h"
#include "stack/tcp/newreno.h"

namespace slip::stack::tcp {

static_assert(sizeof(NewReno) <= kCongestionSlotSize && alignof(NewReno) <= alignof(std::max_align_t));
static_assert(sizeof(Cubic) <= kCongestionSlotSize && alignof(Cubic) <= alignof(std::max_align_t));

std::optional<CcAlgorithm> parse_cc_algorithm(std::string_view name) {
    if (name == "newreno" || name == "reno") {
        return CcAlgorithm::newreno;
    }
    if (name == "cubic") {
        return CcAlgorithm::cubic;
    }
    return std::nullopt;
}

CongestionControl::CongestionControl(uint32_t smss, uint32_t initcwnd_segments)
    : m_smss(std::max<uint32_t>(smss, 1)) {
    const uint64_t iw = uint64_t(std::max<uint32_t>(initcwnd_segments, 1)) * m_smss;
    m_initial_window = static_cast<uint32_t>(std::min<uint64_t>(iw, kMaxCwnd));
    m_cwnd = m_initial_window;
}

bool CongestionControl::cwnd_limited(uint32_t bytes_in_flight_before) const {
    return uint64_t(bytes_in_flight_before) * 2 >= m_cwnd;
}

void CongestionControl::set_cwnd(uint64_t bytes) {
    m_cwnd = static_cast<uint32_t>(std::clamp<uint64_t>(bytes, m_smss, kMaxCwnd));
}

uint32_t CongestionControl::floor_ssthresh(uint64_t bytes) const {
    return static_cast<uint32_t>(std::clamp<uint64_t>(bytes, uint64_t(2) * m_smss, kMaxCwnd));
}

uint32_t CongestionControl::slow_start(uint32_t acked_bytes, uint32_t limit_segments) {
    if (m_cwnd >= m_ssthresh) {
        return acked_bytes;
    }
    uint64_t inc = acked_bytes;
    if (m_after_rto) {
        limit_segments = 1;
    }
    if (limit_segments != 0) {
        inc = std::min<uint64_t>(inc, uint64_t(limit_segments) * m_smss);
    }
    const uint64_t room = m_ssthresh - m_cwnd;
    if (inc < room) {
        set_cwnd(m_cwnd + inc);
        return 0;
    }
    // RFC 5681 §3.1 lets either algorithm run at cwnd == ssthresh; we stop slow start
    // exactly there and hand what this ACK acknowledged beyond that to the caller's
    // congestion avoidance, so a large ACK is not counted twice.
    set_cwnd(m_ssthresh);
    m_after_rto = false;
    return static_cast<uint32_t>(acked_bytes - std::min<uint64_t>(acked_bytes, room));
}

bool CongestionControl::ack_handled_by_recovery(uint32_t acked_bytes) {
    if (m_in_recovery) {
        recovery_ack(acked_bytes);
        if (acked_bytes != 0) {
            note_progress();
        }
        return true;
    }
    if (acked_bytes == 0) {
        return true;  // a duplicate ACK: RFC 3042 limited transmit at most, cwnd unchanged
    }
    note_progress();
    return false;
}

void CongestionControl::recovery_ack(uint32_t acked_bytes) {
    if (m_sack_recovery) {
        return;  // RFC 6675 §5: pipe, not cwnd, follows the ACKs during recovery
    }
    if (acked_bytes == 0) {
        // RFC 5681 §3.2 step 4 (kept by RFC 6582): each further duplicate ACK means a
        // segment left the network; inflate so a new one can be sent.
        set_cwnd(uint64_t(m_cwnd) + m_smss);
        return;
    }
    // RFC 6582 §3.2 partial acknowledgments: deflate by the data acknowledged, add back
    // one SMSS if at least that much was acknowledged, so that about ssthresh bytes
    // stay in flight when recovery ends.
    uint64_t w = m_cwnd > acked_bytes ? m_cwnd - acked_bytes : 0;
    if (acked_bytes >= m_smss) {
        w += m_smss;
    }
    set_cwnd(w);
}

void CongestionControl::enter_recovery(uint64_t ssthresh) {
    // RFC 5681 §3.2 steps 2-3: ssthresh as the algorithm computed it (at least 2 SMSS),
    // and, without SACK, cwnd inflated by the three segments the duplicate ACKs show have
    // left.
    m_ssthresh = floor_ssthresh(ssthresh);
    // RFC 6675 §5 (4.2): with SACK the three segments the duplicate ACKs reported are
    // already out of pipe.
    set_cwnd(uint64_t(m_ssthresh) + (m_sack_recovery ? 0 : 3ULL * m_smss));
    m_in_recovery = true;
    m_after_rto = false;
}

void CongestionControl::exit_recovery() {
    // RFC 6582 §3.2 full acknowledgments: deflate to ssthresh (option 2).
    set_cwnd(m_ssthresh);
    m_in_recovery = false;
}

void CongestionControl::timeout(uint64_t ssthresh) {
    // RFC 5681 §3.1 eq. 4 on the first timeout of this data only: once the flight has
    // collapsed, a second eq. 4 would set ssthresh to 2 SMSS whatever the path holds.
    if (!m_rto_pending) {
        m_ssthresh = floor_ssthresh(ssthresh);
    }
    // The loss window, LW = 1 SMSS: the RTO says the ACK clock is gone.
    set_cwnd(m_smss);
    m_in_recovery = false;
    m_after_rto = true;
    m_rto_pending = true;
}

void CongestionControl::restart_window() {
    // RFC 5681 §4.1: RW = min(IW, cwnd); the ACK clock stopped, so at most an initial
    // window goes out at once. ssthresh keeps what the path taught us.
    set_cwnd(std::min(m_initial_window, m_cwnd));
}

CongestionControl& CongestionSlot::emplace(CcAlgorithm algo, uint32_t smss, uint32_t initcwnd_segments) {
    reset();
    if (algo == CcAlgorithm::cubic) {
        m_cc = new (m_storage) Cubic(smss, initcwnd_segments);
    } else {
        m_cc = new (m_storage) NewReno(smss, initcwnd_segments);
    }
    return *m_cc;
}

void CongestionSlot::reset() {
    if (m_cc != nullptr) {
        m_cc->~CongestionControl();
        m_cc = nullptr;
    }
}

std::unique_ptr<CongestionControl> make_congestion(CcAlgorithm algo, uint32_t smss, uint32_t initcwnd_segments) {
    if (algo == CcAlgorithm::cubic) {
        return std::make_unique<Cubic>(smss, initcwnd_segments);
    }
    return std::make_unique<NewReno>(smss, initcwnd_segments);
}

}  // namespace slip::stack::tcp
