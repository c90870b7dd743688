#include "stack/quic/loss_detection.h"

#include <algorithm>

namespace slip::stack::quic {

namespace {

constexpr PacketNumberSpace kSpaces[] = {PacketNumberSpace::initial, PacketNumberSpace::handshake,
                                         PacketNumberSpace::application};

// `d` * 2^count, saturating (a long run of PTOs must not wrap the deadline).
uint64_t backed_off(uint64_t d, uint32_t count) {
    if (count >= 63 || d > (UINT64_MAX >> count)) {
        return UINT64_MAX;
    }
    return d << count;
}

uint64_t add_saturating(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// RFC 9002 §7.6.2: consecutive ack-eliciting losses with nothing acknowledged between
// them; established once two of them span more than the persistent congestion duration.
struct LossRun {
    bool started = false;
    uint64_t first_sent_ns = 0;

    void interrupt() { started = false; }
    bool extend(uint64_t sent_ns, uint64_t duration_ns) {
        if (!started) {
            started = true;
            first_sent_ns = sent_ns;
            return false;
        }
        return sent_ns - first_sent_ns > duration_ns;
    }
};

}  // namespace

LossDetection::LossDetection(const LossDetectionConfig& config, CongestionController& cc, RecoveryEvents& events)
    : m_config(config),
      m_cc(cc),
      m_events(events),
      m_rtt(config.initial_rtt_ns),
      m_spaces{Space(config.max_sent_packets), Space(config.max_sent_packets), Space(config.max_sent_packets)},
      m_peer_max_ack_delay_ns(config.peer_max_ack_delay_ns) {}

bool LossDetection::can_send_in(PacketNumberSpace space) const {
    const Space& sp = space_state(space);
    return !sp.discarded && !sp.sent.full();
}

bool LossDetection::on_packet_sent(PacketNumberSpace space, const SentPacket& p) {
    Space& sp = space_state(space);
    if (sp.discarded || !sp.sent.add(p)) {
        return false;
    }
    if (space == PacketNumberSpace::initial && !m_initial_sent) {
        m_initial_sent = true;
        m_first_initial_sent_ns = p.time_sent_ns;
    }
    if (p.in_flight) {
        m_cc.on_packet_sent(p.time_sent_ns, p.bytes, bytes_in_flight());
        set_timer(p.time_sent_ns);
    }
    return true;
}

bool LossDetection::mark_newly_acked(Space& sp, const AckFrame& ack, size_t& first, size_t& last,
                                     bool& rtt_sample, uint64_t& largest_time_sent) {
    bool any = false;
    bool largest_newly_acked = false;
    bool ack_eliciting = false;
    AckRangeReader ranges(ack);
    uint64_t smallest = 0;
    uint64_t largest = 0;
    while (ranges.next(smallest, largest)) {
        // Ranges come largest first; walk each one down from its top.
        for (size_t i = sp.sent.upper_bound(PacketNumber(largest));
             i > 0 && sp.sent.at(i - 1).packet_number.raw() >= smallest; --i) {
            if (sp.sent.state(i - 1) != SentState::outstanding) {
                continue;
            }
            const SentPacket& p = sp.sent.at(i - 1);
            sp.sent.mark(i - 1, SentState::newly_acked);
            first = any ? std::min(first, i - 1) : i - 1;
            last = any ? std::max(last, i - 1) : i - 1;
            any = true;
            ack_eliciting = ack_eliciting || p.ack_eliciting;
            if (p.packet_number.raw() == ack.largest) {
                largest_newly_acked = true;
                largest_time_sent = p.time_sent_ns;
            }
        }
    }
    // RFC 9002 §5.1: a sample only when the largest acknowledged is newly acknowledged and
    // at least one newly acknowledged packet was ack-eliciting.
    rtt_sample = largest_newly_acked && ack_eliciting;
    return any;
}

TransportError LossDetection::on_ack_received(PacketNumberSpace space, const AckFrame& ack, uint64_t ack_delay_ns,
                                              uint64_t now_ns) {
    Space& sp = space_state(space);
    if (sp.discarded) {
        return TransportError::no_error;
    }
    // RFC 9000 §13.1: acknowledging a packet never sent.
    if (!sp.sent.has_sent() || ack.largest > sp.sent.largest_sent().raw()) {
        return TransportError::protocol_violation;
    }
    if (space == PacketNumberSpace::handshake) {
        m_handshake_ack_received = true;  // A.8: the server has validated our address
    }
    if (!sp.has_largest_acked || PacketNumber(ack.largest) > sp.largest_acked) {
        sp.largest_acked = PacketNumber(ack.largest);
        sp.has_largest_acked = true;
    }
    size_t first = 0;
    size_t last = 0;
    bool rtt_sample = false;
    uint64_t largest_time_sent = 0;
    if (!mark_newly_acked(sp, ack, first, last, rtt_sample, largest_time_sent)) {
        return TransportError::no_error;  // A.7: nothing newly acknowledged, nothing to do
    }
    if (rtt_sample) {
        const bool first_sample = !m_rtt.has_sample();
        // RFC 9002 §5.3: Initial ACKs are not delayed on purpose; their delay is ignored.
        const uint64_t delay = space == PacketNumberSpace::initial ? 0 : ack_delay_ns;
        m_rtt.on_sample(now_ns >= largest_time_sent ? now_ns - largest_time_sent : 0, delay, m_handshake_confirmed,
                        m_peer_max_ack_delay_ns);
        if (first_sample) {
            m_first_rtt_sample_ns = now_ns;
        }
    }
    // A.7: losses first, so that a recovery period they start covers the packets acked now.
    detect_lost(space, now_ns);
    report_acked(space, first, last, now_ns);
    sp.sent.reclaim();
    // RFC 9002 §6.2.1: a client unsure the server validated its address keeps the backoff.
    if (peer_completed_address_validation()) {
        m_pto_count = 0;
    }
    set_timer(now_ns);
    return TransportError::no_error;
}

void LossDetection::report_acked(PacketNumberSpace space, size_t first, size_t last, uint64_t now_ns) {
    SentPackets& sent = space_state(space).sent;
    for (size_t i = first; i <= last; ++i) {
        if (sent.state(i) != SentState::newly_acked) {
            continue;
        }
        sent.mark(i, SentState::acked);
        const SentPacket& p = sent.at(i);
        m_events.on_packet_acked(space, p);
        if (!p.in_flight) {
            continue;
        }
        m_batch[m_batch_size++] = AckedPacket{p.time_sent_ns, p.bytes};
        if (m_batch_size == kAckBatch) {
            m_cc.on_packets_acked(now_ns, {m_batch, m_batch_size}, m_rtt);
            m_batch_size = 0;
        }
    }
    if (m_batch_size > 0) {
        m_cc.on_packets_acked(now_ns, {m_batch, m_batch_size}, m_rtt);
        m_batch_size = 0;
    }
}

void LossDetection::detect_lost(PacketNumberSpace space, uint64_t now_ns) {
    Space& sp = space_state(space);
    sp.loss_time_ns = kNoDeadline;
    if (!sp.has_largest_acked) {
        return;
    }
    const uint64_t loss_delay = m_rtt.loss_delay();
    const uint64_t largest_acked = sp.largest_acked.raw();
    const uint64_t pc_duration = persistent_congestion_duration();
    bool in_flight_lost = false;
    uint64_t sent_time_of_last_loss = 0;
    bool persistent = false;
    LossRun run;
    for (size_t i = 0; i < sp.sent.slot_count(); ++i) {
        const SentState state = sp.sent.state(i);
        if (state == SentState::acked || state == SentState::newly_acked) {
            run.interrupt();
            continue;
        }
        const SentPacket& p = sp.sent.at(i);
        if (state == SentState::lost) {
            continue;
        }
        if (p.packet_number.raw() > largest_acked) {
            break;
        }
        // RFC 9002 §6.1.1 packet threshold, §6.1.2 time threshold.
        const bool by_time = add_saturating(p.time_sent_ns, loss_delay) <= now_ns;
        const bool by_count = largest_acked >= p.packet_number.raw() + kPacketThreshold;
        if (!by_time && !by_count) {
            sp.loss_time_ns = std::min(sp.loss_time_ns, add_saturating(p.time_sent_ns, loss_delay));
            continue;
        }
        sp.sent.mark(i, SentState::lost);
        m_events.on_packet_lost(space, p);
        if (p.in_flight) {
            in_flight_lost = true;
            sent_time_of_last_loss = std::max(sent_time_of_last_loss, p.time_sent_ns);
        }
        // §7.6.2: only packets sent after the first RTT sample count.
        if (p.ack_eliciting && m_rtt.has_sample() && p.time_sent_ns > m_first_rtt_sample_ns) {
            persistent = run.extend(p.time_sent_ns, pc_duration) || persistent;
        }
    }
    if (in_flight_lost) {
        m_cc.on_congestion_event(now_ns, sent_time_of_last_loss);
    }
    if (persistent) {
        m_cc.on_persistent_congestion(now_ns);
        m_rtt.on_persistent_congestion();
    }
}

LossDetection::Deadline LossDetection::earliest_loss_time() const {
    Deadline d;
    for (PacketNumberSpace s : kSpaces) {
        if (space_state(s).loss_time_ns < d.time_ns) {
            d = {space_state(s).loss_time_ns, s};
        }
    }
    return d;
}

LossDetection::Deadline LossDetection::pto_time_and_space(uint64_t now_ns) const {
    uint64_t duration = backed_off(m_rtt.pto_base(), m_pto_count);
    if (!ack_eliciting_in_flight_anywhere()) {
        // RFC 9002 §6.2.2.1: the client's anti-deadlock timer runs from now.
        return {add_saturating(now_ns, duration),
                m_has_handshake_keys ? PacketNumberSpace::handshake : PacketNumberSpace::initial};
    }
    Deadline d;
    for (PacketNumberSpace s : kSpaces) {
        const Space& sp = space_state(s);
        if (sp.sent.ack_eliciting_in_flight() == 0) {
            continue;
        }
        if (s == PacketNumberSpace::application) {
            // RFC 9002 §6.2.1: not before the handshake is confirmed; max_ack_delay (and
            // its backoff) only here, Initial and Handshake ACKs are not delayed.
            if (!m_handshake_confirmed) {
                return d;
            }
            duration = add_saturating(duration, backed_off(m_peer_max_ack_delay_ns, m_pto_count));
        }
        const uint64_t t = add_saturating(sp.sent.time_of_last_ack_eliciting(), duration);
        if (t < d.time_ns) {
            d = {t, s};
        }
    }
    return d;
}

void LossDetection::set_timer(uint64_t now_ns) {
    // RFC 9002 A.8 SetLossDetectionTimer.
    const Deadline loss = earliest_loss_time();
    if (loss.time_ns != kNoDeadline) {
        m_timer_ns = loss.time_ns;  // §6.2.1: no PTO while a time threshold timer is set
        return;
    }
    if (m_config.role == Role::server && m_at_amplification_limit) {
        m_timer_ns = kNoDeadline;  // nothing could be sent on it
        return;
    }
    if (!ack_eliciting_in_flight_anywhere() && peer_completed_address_validation()) {
        m_timer_ns = kNoDeadline;
        return;
    }
    m_timer_ns = pto_time_and_space(now_ns).time_ns;
}

LossTimeout LossDetection::on_timeout(uint64_t now_ns) {
    if (m_timer_ns == kNoDeadline || now_ns < m_timer_ns) {
        return {};
    }
    const Deadline loss = earliest_loss_time();
    if (loss.time_ns != kNoDeadline) {
        detect_lost(loss.space, now_ns);
        space_state(loss.space).sent.reclaim();
        set_timer(now_ns);
        return {TimeoutAction::packets_lost, loss.space};
    }
    LossTimeout out;
    if (!ack_eliciting_in_flight_anywhere()) {
        out = {TimeoutAction::anti_deadlock_probe,
               m_has_handshake_keys ? PacketNumberSpace::handshake : PacketNumberSpace::initial};
    } else {
        out = {TimeoutAction::probe, pto_time_and_space(now_ns).space};
    }
    // RFC 9002 §6.2.1: each expiry doubles the next PTO, across all spaces.
    ++m_pto_count;
    set_timer(now_ns);
    return out;
}

void LossDetection::drop_outstanding(PacketNumberSpace space) {
    Space& sp = space_state(space);
    for (size_t i = 0; i < sp.sent.slot_count(); ++i) {
        if (sp.sent.state(i) == SentState::outstanding) {
            m_events.on_packet_discarded(space, sp.sent.at(i));
        }
    }
    sp.sent.clear();
    sp.loss_time_ns = kNoDeadline;
}

void LossDetection::discard_space(PacketNumberSpace space, uint64_t now_ns) {
    Space& sp = space_state(space);
    // RFC 9002 A.10 OnPacketNumberSpaceDiscarded: out of bytes in flight, timers reset.
    drop_outstanding(space);
    // Initial and Handshake keys never come back. Application Data is only dropped when
    // 0-RTT is rejected (§6.4), and 1-RTT packets continue its numbering afterwards.
    sp.discarded = space != PacketNumberSpace::application;
    m_pto_count = 0;
    set_timer(now_ns);
}

void LossDetection::restart_after_retry(uint64_t now_ns) {
    for (PacketNumberSpace s : kSpaces) {
        drop_outstanding(s);
    }
    m_rtt.reset(m_initial_sent && now_ns > m_first_initial_sent_ns ? now_ns - m_first_initial_sent_ns
                                                                    : m_config.initial_rtt_ns);
    m_first_rtt_sample_ns = 0;
    m_pto_count = 0;
    m_cc.reset();
    set_timer(now_ns);
}

void LossDetection::on_handshake_confirmed(uint64_t now_ns) {
    m_handshake_confirmed = true;
    set_timer(now_ns);
}

void LossDetection::set_at_amplification_limit(bool at_limit, uint64_t now_ns) {
    m_at_amplification_limit = at_limit;
    set_timer(now_ns);
}

uint64_t LossDetection::bytes_in_flight() const {
    uint64_t total = 0;
    for (const Space& sp : m_spaces) {
        total += sp.sent.bytes_in_flight();
    }
    return total;
}

size_t LossDetection::ack_eliciting_in_flight(PacketNumberSpace space) const {
    return space_state(space).sent.ack_eliciting_in_flight();
}

bool LossDetection::ack_eliciting_in_flight_anywhere() const {
    return std::any_of(std::begin(m_spaces), std::end(m_spaces),
                       [](const Space& sp) { return sp.sent.ack_eliciting_in_flight() > 0; });
}

uint64_t LossDetection::persistent_congestion_duration() const {
    return (m_rtt.pto_base() + m_peer_max_ack_delay_ns) * kPersistentCongestionThreshold;
}

bool LossDetection::peer_completed_address_validation() const {
    // RFC 9002 A.8: a server's address is validated implicitly by the handshake; a client
    // knows the server validated its own once a Handshake ACK or confirmation arrives.
    return m_config.role == Role::server || m_handshake_ack_received || m_handshake_confirmed;
}

}  // namespace slip::stack::quic
