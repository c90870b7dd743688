// TCP receive side: "seventh, process the segment text" and "eighth, check the FIN bit"
// (RFC 9293 §3.10.7.4), reassembly of out-of-order data and the ACK policy (RFC 9293
// §3.8.6.3, RFC 5681 §4.2).
#include <algorithm>

#include "stack/tcp/tcp_layer.h"

namespace slip::stack::tcp {

void TcpLayer::deliver(Connection& c, Mbuf* data, uint32_t len, Instant now) {
    c.rcv_unconsumed += len;
    if (c.service != nullptr && c.accepted) {
        c.service->on_data(handle_of(c), data, len, now);
    } else {
        buf::free(data);  // nobody to read it: consumed on the spot
        c.rcv_unconsumed -= len;
    }
}

void TcpLayer::process_text(Connection& c, Mbuf* m, const TcpHeader& h, uint32_t payload_len, Instant now) {
    if (m == nullptr) {
        return;
    }
    const bool receiving = c.state == TcpState::established || c.state == TcpState::fin_wait_1 ||
                           c.state == TcpState::fin_wait_2;
    if (payload_len == 0 || !receiving || c.fin_received) {
        return buf::free(m);  // RFC 9293: text after the peer's FIN is ignored
    }
    const Seq seq = h.seq + c.trimmed_front;
    // In the window but past what a connection may hold: the right edge never moves left,
    // and rounding a scaled window up (window_field) can promise a little more than the
    // buffer with every ACK; a peer sending tiny segments would otherwise keep the window
    // from closing. What lies beyond RCV.NXT + the room left under rcv_limit is cut off, as
    // a receiver short of buffers drops it (the sender retransmits); the ACK says where we
    // are. Counted against RCV.NXT, not as bytes, so data held out of order is never counted
    // twice when a retransmission covers it again.
    const uint32_t room = rcv_limit() - std::min(c.rcv_unconsumed, rcv_limit());
    const Seq hard_edge = c.rcv_nxt + room;
    if (seq + payload_len > hard_edge) {
        m_counters->drop(DropReason::tcp_rcv_buffer_full);
        c.ack_now = true;
        if (!(seq < hard_edge)) {
            return buf::free(m);
        }
        payload_len = uint32_t(hard_edge - seq);
        buf::truncate(m, payload_len);
    }
    if (seq != c.rcv_nxt) {
        // Out of order: hold it and answer at once with a duplicate ACK that carries SACK
        // blocks (RFC 5681 §4.2, RFC 2018 §4).
        SackBlock overlap;
        const auto r = c.ooo.insert(m_ooo_pool, seq, m, payload_len, m_config.ooo_segments, overlap);
        if (r == Reassembly::Insert::full) {
            m_counters->drop(DropReason::tcp_ooo_queue_full);
            buf::free(m);
        } else if (r == Reassembly::Insert::held) {
            m_counters->count(Event::tcp_ooo_segments);
        }
        if (r != Reassembly::Insert::full && overlap.left != overlap.right) {
            // RFC 2883 §4.2: data held already, wholly or in part: report the part.
            note_dsack(c, overlap.left, overlap.right);
        }
        c.last_ooo_seq = seq;
        c.ack_now = true;
        c.quick_acks = 16;
        return;
    }
    const bool filling_hole = !c.ooo.empty();
    if (filling_hole && c.trimmed_front == 0) {
        // RFC 2883 §4.2: an in-order segment reaching into held data brought that part twice.
        // One D-SACK block per ACK: a segment that also repeated data below RCV.NXT keeps
        // that block (reported first, as Linux does).
        const SackBlock twice = c.ooo.held_within(m_ooo_pool, seq, seq + payload_len);
        if (twice.left != twice.right) {
            note_dsack(c, twice.left, twice.right);
        }
    }
    c.rcv_nxt += payload_len;
    const TcpHandle h_before = handle_of(c);
    deliver(c, m, payload_len, now);
    uint32_t len = 0;
    while (c.in_use && handle_of(c) == h_before) {
        Mbuf* ready = c.ooo.pop_ready(m_ooo_pool, c.rcv_nxt, len);
        if (ready == nullptr) {
            break;
        }
        c.rcv_nxt += len;
        deliver(c, ready, len, now);
    }
    if (!c.in_use || handle_of(c) != h_before) {
        return;
    }
    if (c.fin_pending && c.fin_pending_seq == c.rcv_nxt) {
        c.fin_pending = false;
        process_fin(c, now);
        return;
    }
    if (c.last_ack_sent == c.rcv_nxt && c.rcv_adv > c.rcv_nxt) {
        return;  // the service's consume() already acknowledged all of it (window update)
    }
    // ACK every second full segment at once, a hole being filled at once, the rest after
    // the delayed-ACK time.
    ++c.segments_unacked;
    if (c.quick_acks > 0) {
        // Linux-style quick-ACK mode after a loss and at the start: the sender's window
        // is small then, and a delayed ACK would stall it for the whole delay.
        --c.quick_acks;
        c.ack_now = true;
    }
    if (filling_hole) {
        c.ack_now = true;
    } else if (c.segments_unacked >= 2) {
        ack_at_burst_end(c);
    } else if (c.delack_at == Instant::never()) {
        c.delack_at = now + m_config.delayed_ack;
        rearm(c);
    }
}

// RFC 9293 §3.8.6.3 asks for an ACK at least every second full-sized segment (a SHOULD).
// Within one receive burst that would be an ACK per two frames of the same flow, each
// built, sent and then processed by the peer, and all but the last acknowledging data
// the next one acknowledges again a few hundred nanoseconds later. The ACK is owed at
// once but sent when the burst ends, covering everything the burst brought: as VPP
// acknowledges once per frame vector and Linux once per GRO batch. Holes, out-of-order
// data, duplicates, FINs and quick-ACK mode still ACK segment by segment (the sender's
// loss detection counts those ACKs), and so does a burst of a single segment.
void TcpLayer::ack_at_burst_end(Connection& c) {
    if (c.ack_at_burst_end || c.ack_now) {
        return;
    }
    if (m_burst_acks.size() == kMaxBurstAcks) {
        c.ack_now = true;  // no room to remember it: acknowledge now
        return;
    }
    c.ack_at_burst_end = true;
    m_burst_acks.push_back(handle_of(c));
}

void TcpLayer::send_burst_acks(Instant now) {
    m_timers.observe(now);
    for (const TcpHandle h : m_burst_acks) {
        Connection* c = get(h);
        // Gone, or already acknowledged by a segment sent since (send_segment clears it).
        if (c == nullptr || !c->ack_at_burst_end) {
            continue;
        }
        c->ack_at_burst_end = false;
        c->ack_now = true;
        output(*c, now);
    }
    m_burst_acks.clear();
}

// "eighth, check the FIN bit".
void TcpLayer::process_fin(Connection& c, Instant now) {
    if (c.fin_received) {
        if (c.state == TcpState::time_wait) {
            c.timewait_at = now + m_config.msl * 2;  // a retransmitted FIN restarts 2 MSL
            rearm(c);
        }
        c.ack_now = true;
        return;
    }
    c.fin_received = true;
    c.rcv_nxt += 1;
    c.ack_now = true;
    switch (c.state) {
    case TcpState::syn_received:
    case TcpState::established:
        set_state(c, TcpState::close_wait);
        if (c.service != nullptr && c.accepted) {
            c.service->on_peer_closed(handle_of(c), now);
        }
        return;
    case TcpState::fin_wait_1:
        if (c.snd_una == c.snd_max && c.snd_nxt > c.data_end()) {
            send_ack(c, now);
            enter_time_wait(c, now);
        } else {
            set_state(c, TcpState::closing);
        }
        return;
    case TcpState::fin_wait_2:
        send_ack(c, now);
        enter_time_wait(c, now);
        return;
    default:
        return;
    }
}

}  // namespace slip::stack::tcp
