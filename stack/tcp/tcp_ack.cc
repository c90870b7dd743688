// TCP acknowledgment processing: RTT samples (RFC 6298, RFC 7323 §4), the congestion
// controller, RFC 6582/6675 loss recovery, and the states an ACK of our FIN moves.
#include <algorithm>

#include "stack/tcp/tcp_layer.h"

namespace slip::stack::tcp {

namespace {
Duration rtt_from_timestamps(uint32_t ts_now_ms, uint32_t ts_ecr) {
    const int32_t ms = int32_t(ts_now_ms - ts_ecr);
    return Duration::milliseconds(ms < 0 ? 0 : ms);
}
}  // namespace

void TcpLayer::process_ack(Connection& c, const TcpHeader& h, uint32_t acked, Instant now) {
    const uint32_t flight_before = in_flight(c);
    // RTT: the timestamp echo measures every ACK of new data (RFC 7323 §4.1); without
    // timestamps one timed segment at a time, never a retransmitted one (Karn).
    // After a timeout the echo may be stale: a peer that took our retransmissions for
    // duplicates keeps echoing the TS.Recent of the original (RFC 7323 §4.3 updates it
    // only from acceptable segments), and a handshake retransmitted for seconds would
    // then read as a seconds-long RTT. Karn's rule (RFC 6298 §3) applies to those too.
    Duration sample{};
    if (c.ts_ok && h.options.has_timestamps && h.options.ts_ecr != 0 && c.retransmits == 0) {
        sample = rtt_from_timestamps(ts_now(now), h.options.ts_ecr);
        c.rtt.on_sample(sample);
    } else if (c.rtt_timing && h.ack >= c.rtt_seq) {
        sample = now - c.rtt_start;
        c.rtt.on_sample(sample);
    }
    if (c.rtt_timing && h.ack >= c.rtt_seq) {
        c.rtt.note_timed_sample(now - c.rtt_start);
        c.rtt_timing = false;
    }
    c.rtt.reset_backoff();
    c.retransmits = 0;

    const Seq data_end = c.data_end();
    const uint32_t syn_part = c.syn_acked ? 0 : 1;  // the SYN's own sequence number holds no data
    c.syn_acked = true;
    c.sndq.acknowledge(std::min(acked - syn_part, c.sndq.bytes()));
    const bool fin_acked = c.fin_queued && h.ack > data_end;
    c.snd_una = h.ack;
    if (c.snd_nxt < c.snd_una) {
        c.snd_nxt = c.snd_una;  // after a go-back-N the ACK can overtake SND.NXT
    }
    c.dupacks = 0;
    c.limited_bytes = 0;

    if (c.in_recovery) {
        if (h.ack >= c.recover) {
            // RFC 6582 §3.2 step 3 (full ACK) / RFC 6675 §5: recovery ends.
            c.in_recovery = false;
            c.watching_delivery = false;
            c.cc->on_exit_recovery(now);
            c.scoreboard.reset();
        } else {
            c.cc->on_ack(now, acked, flight_before, sample);  // partial ACK: deflate (RFC 6582)
            if (!c.sack_ok) {
                // RFC 6582 §3.2 step 4 (partial ACK): the next hole is lost too.
                const uint32_t len = std::min<uint32_t>(c.mss, c.sndq.bytes());
                if (len > 0) {
                    send_segment(c, c.snd_una, len, flag::ack, now);
                    m_counters->count(Event::tcp_retransmits);
                }
            }
        }
    } else {
        c.cc->on_ack(now, acked, flight_before, sample);
        // A round trip ends when the data sent at its start is acknowledged (HyStart++).
        if (h.ack >= c.round_end) {
            c.cc->on_round_end(now);
            c.round_end = c.snd_max;
        }
    }

    // RFC 6298 §5.2/§5.3: stop the timer when all is acknowledged, else restart it.
    restart_rto(c, now);

    if (fin_acked) {
        switch (c.state) {
        case TcpState::fin_wait_1:
            set_state(c, TcpState::fin_wait_2);
            // Our side is done; a peer that never closes must not hold the slot forever.
            c.timewait_at = now + m_config.msl * 2;
            rearm(c);
            break;
        case TcpState::closing:
            enter_time_wait(c, now);
            return;
        case TcpState::last_ack:
            finish(c, CloseReason::normal, now);
            return;
        default:
            break;
        }
    }
    if (c.want_send_space && c.service != nullptr && c.accepted && send_space(handle_of(c)) >= c.mss) {
        c.want_send_space = false;
        c.service->on_send_space(handle_of(c), now);
    }
}

// A retransmission lost again leaves its hole open while the peer keeps SACKing later
// data; RFC 6675 alone would wait for the RTO. Once a round trip has passed since the
// holes were last retransmitted and new SACK information still arrives, the holes are
// offered to NextSeg() again (the idea of RFC 8985's RACK, by round instead of per segment).
void TcpLayer::recheck_lost_retransmissions(Connection& c, Instant now) {
    if (!c.in_recovery || !c.sack_ok || !c.new_sack_info) {
        return;
    }
    const Duration round = std::max(c.rtt.srtt() + c.rtt.rttvar() * 4, Duration::milliseconds(2));
    if (now - c.rxt_round_start < round) {
        return;
    }
    c.scoreboard.enter_recovery(c.snd_una, c.recover);
    c.rxt_round_start = now;
}

// RFC 8985 §6.2, for what RFC 6675 cannot see. (a) A receiver whose out-of-order queue
// was full dropped the segments above its last SACK block: no SACK will ever lie above
// them, so SetPipe() counts them in flight (pipe >= cwnd) until the RTO while each tail
// probe repairs one segment. (b) A whole flight was lost and the tail probe drew a SACK,
// but too few segments follow it for DupThresh. Either way, once a segment sent later
// is delivered, everything sent before it and still unSACKed is lost: the scoreboard
// marks it so, loss detection enters recovery, and NextSeg() resends it within cwnd.
// Without per-segment send times one segment is watched at a time: a tail probe, or the
// first retransmission after the previous watch ended.
void TcpLayer::watch_segment(Connection& c, Seq seq, Instant now) {
    if (c.watching_delivery || !c.sack_ok) {
        return;
    }
    c.watching_delivery = true;
    c.watched_seq = seq;
    c.watched_snd_max = c.snd_max;
    c.watched_sent_at = now;
}

// Runs after the ACK's SACK blocks are in the scoreboard and before loss detection; true
// when it marked data lost outside recovery (the caller then enters recovery).
bool TcpLayer::detect_loss_by_delivery(Connection& c, Seq ack, Instant now) {
    if (!c.watching_delivery) {
        return false;
    }
    if (!(c.watched_seq < ack) && !c.scoreboard.is_sacked(c.watched_seq)) {
        return false;  // not delivered yet
    }
    c.watching_delivery = false;
    // Delivered sooner than a round trip after it was sent: an earlier copy arrived
    // (reordering, not loss), and it proves nothing about what was sent before. The RTT
    // is one timed on our clock (timestamps read 0 ms on a fast path); without one, no
    // mark. The margin allows for samples taken through delayed ACKs.
    const Duration min_rtt = c.rtt.min_timed_rtt();
    if (min_rtt.ns == 0 || now - c.watched_sent_at < Duration{min_rtt.ns - min_rtt.ns / 4} ||
        !(ack < c.watched_snd_max)) {
        return false;
    }
    c.scoreboard.mark_lost_below(c.watched_snd_max);
    // What the mark releases goes out now as one burst; recheck_lost_retransmissions must
    // give it a round trip before it counts any of it lost again.
    c.rxt_round_start = now;
    return !c.in_recovery;
}

void TcpLayer::limited_transmit(Connection& c, Instant now) {
    const Seq data_end = c.data_end();
    const Seq wnd_end = c.snd_una + c.snd_wnd;
    if (c.snd_nxt < c.snd_max || c.snd_nxt >= data_end || c.snd_nxt >= wnd_end) {
        return;  // only previously unsent data, within the peer's window (RFC 3042 §2)
    }
    const uint32_t len = std::min({uint32_t(c.mss), uint32_t(data_end - c.snd_nxt), uint32_t(wnd_end - c.snd_nxt)});
    if (len < c.mss && !(c.nodelay || c.fin_queued)) {
        return;  // RFC 3042 §2 and Nagle: full-sized segments only
    }
    send_segment(c, c.snd_nxt, len, flag::ack | (len == uint32_t(data_end - c.snd_nxt) ? flag::psh : 0), now);
    c.snd_nxt += len;
    c.limited_bytes += len;
    c.snd_max = seq_max(c.snd_max, c.snd_nxt);
    arm_rto(c, now);
}

// RFC 5681 §2 duplicate ACK, §3.2 fast retransmit; RFC 6675 §5 SACK-based entry.
void TcpLayer::detect_loss(Connection& c, const TcpHeader& h, uint32_t payload_len, bool window_changed,
                           Instant now) {
    // With SACK, RFC 6675 §2: an ACK at SND.UNA that SACKs new data is a duplicate whatever
    // else changed (a receiver autotuning its window changes it on nearly every ACK).
    const bool outstanding = c.snd_max != c.snd_una && h.ack == c.snd_una;
    const bool duplicate =
        outstanding && (c.new_sack_info || (payload_len == 0 && (h.flags & (flag::syn | flag::fin)) == 0 &&
                                            !window_changed && !c.sack_ok));
    if (!duplicate) {
        return;
    }
    ++c.dupacks;
    if (c.in_recovery) {
        // With SACK the send loop works from the updated pipe (RFC 6675); without, each
        // duplicate ACK inflates the window by a segment (RFC 6582 §3.2 step 3).
        if (!c.sack_ok) {
            c.cc->on_ack(now, 0, in_flight(c), Duration{});
        }
        return;
    }
    // RFC 5827 Early Retransmit: with fewer than four segments out and nothing new to
    // send, three duplicate ACKs can never come; one fewer than the segments out will do.
    // ownd counts data only (a FIN's sequence number is no segment); with SACK the
    // threshold is ownd - SMSS bytes SACKed (§3.1), else ER_thresh duplicate ACKs.
    const uint32_t ownd = uint32_t(seq_min(c.snd_max, c.data_end()) - c.snd_una);
    const uint32_t out_segs = (ownd + c.mss - 1) / c.mss;
    const bool nothing_new = c.snd_nxt >= c.data_end() || c.snd_nxt >= c.snd_una + c.snd_wnd;
    const bool early =
        out_segs < 4 && nothing_new &&
        (c.dupacks >= std::max<uint32_t>(1, out_segs - 1) ||
         (c.sack_ok && ownd > c.mss && c.scoreboard.sacked_bytes() >= ownd - c.mss));
    const bool lost = c.dupacks >= kDupThresh || early || (c.sack_ok && c.scoreboard.is_lost(c.snd_una));
    if (!lost) {
        // RFC 3042 Limited Transmit: the first two duplicate ACKs each let one new segment
        // out beyond the congestion window, so a small window still draws the third.
        if (c.dupacks <= 2) {
            limited_transmit(c, now);
        }
        return;
    }
    enter_loss_recovery(c, now);
}

// RFC 5681 §3.2 steps 2-3 / RFC 6675 §5 (4): fast retransmit and enter recovery.
void TcpLayer::enter_loss_recovery(Connection& c, Instant now) {
    c.in_recovery = true;
    c.watching_delivery = false;  // a watch left from an earlier recovery
    c.recover = c.snd_max;
    // RFC 5681 §3.2 step 2: what Limited Transmit sent does not count in FlightSize.
    const uint32_t flight = uint32_t(c.snd_max - c.snd_una);
    c.cc->use_sack_recovery(c.sack_ok);
    c.cc->on_enter_recovery(now, flight - std::min(flight, c.limited_bytes));
    if (c.sack_ok) {
        c.scoreboard.enter_recovery(c.snd_una, c.snd_max);
    }
    m_counters->count(Event::tcp_fast_retransmits);
    c.rxt_round_start = now;
    c.rtt_timing = false;  // Karn: the timed segment may be the one resent
    const uint32_t len = std::min<uint32_t>(c.mss, c.sndq.bytes());
    if (len > 0) {
        send_segment(c, c.snd_una, len, flag::ack, now);
        if (c.sack_ok) {
            c.scoreboard.on_retransmit(c.snd_una, len);
            watch_segment(c, c.snd_una, now);
        }
        m_counters->count(Event::tcp_retransmits);
    }
}

}  // namespace slip::stack::tcp
