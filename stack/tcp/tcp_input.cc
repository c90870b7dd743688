// TCP input: SEGMENT ARRIVES (RFC 9293 §3.10.7) as a chain of numbered steps, with
// RFC 7323 PAWS, RFC 5961 (blind RST/SYN/data injection), RFC 5681/6582/6675 loss
// detection and RFC 6298 RTT sampling folded into the steps they belong to.
#include <algorithm>

#include "stack/tcp/tcp_layer.h"

namespace slip::stack::tcp {

void TcpLayer::input(Mbuf* m, const FlowKey& key, Instant now) {
    m_timers.observe(now);
    const uint32_t seg_len = buf::pkt_len(m);
    const auto h = parse_tcp(buf::data(m), std::min(seg_len, buf::head_len(m)));
    if (!h) {
        m_counters->drop(h.reason());
        return buf::free(m);
    }
    m_counters->count(Event::tcp_segments_in);
    const uint32_t payload_len = seg_len - h->data_offset;
    buf::pull(m, h->data_offset);
    const uint32_t index = m_flows.find(key);
    if (index == FlowTable::kNone) {
        return input_no_connection(m, key, *h, payload_len, now);
    }
    Connection& c = *m_slots[index];
    if (c.state == TcpState::syn_sent) {
        return input_syn_sent(c, m, *h, payload_len, now);
    }
    input_connection(c, m, *h, payload_len, now);
}

// RFC 9293 §3.10.7.3 SYN-SENT.
void TcpLayer::input_syn_sent(Connection& c, Mbuf* m, const TcpHeader& h, uint32_t payload_len, Instant now) {
    // Data on a SYN-ACK is not taken (servers do not send it; the peer resends it).
    buf::free(m);
    const bool has_ack = (h.flags & flag::ack) != 0;
    // First: an ACK must acknowledge our SYN (and with Fast Open, up to its data).
    if (has_ack && (h.ack <= c.iss || h.ack > c.snd_max)) {
        m_counters->drop(DropReason::tcp_unexpected);
        return send_reset_for(c.key, h, payload_len, now);
    }
    // Second: RST, with an acceptable ACK (RFC 9293 §3.10.7.3; RFC 5961 §3.2 narrows it
    // to our SYN's, which the check above already makes exact: SND.UNA < ACK <= SND.NXT).
    if ((h.flags & flag::rst) != 0) {
        if (has_ack) {
            m_counters->count(Event::tcp_resets_received);
            return finish(c, CloseReason::refused, now);
        }
        return m_counters->drop(DropReason::tcp_unexpected);
    }
    // Fourth: SYN.
    if ((h.flags & flag::syn) == 0) {
        return m_counters->drop(DropReason::tcp_unexpected);
    }
    c.irs = h.seq;
    c.rcv_nxt = h.seq + 1;
    c.rcv_adv = c.rcv_nxt;
    setup_options(c, h.options, true);
    if (c.ts_ok) {
        c.ts_recent = h.options.ts_val;
        c.ts_recent_at = now;
    }
    c.snd_wnd = h.window;  // RFC 7323 §2.2: a SYN's window is not scaled
    c.snd_wl1 = h.seq;
    c.snd_wl2 = h.ack;
    c.max_snd_wnd = c.snd_wnd;
    if (!has_ack) {
        // Simultaneous open (RFC 9293 §3.5 figure 7): SYN-RECEIVED, SYN-ACK with our ISS.
        set_state(c, TcpState::syn_received);
        c.snd_nxt = c.iss;
        c.rto_at = Instant::never();
        return send_syn(c, true, now);
    }
    if (c.fast_open) {
        fast_open_on_syn_ack(c, h);
    }
    // Our SYN, and any of its data the server took, are acknowledged; data it did not
    // take goes again from SND.UNA once established (RFC 7413 §4.2.1).
    c.sndq.acknowledge(std::min<uint32_t>(uint32_t(h.ack - (c.iss + 1)), c.sndq.bytes()));
    c.syn_acked = true;
    c.snd_una = h.ack;
    c.snd_nxt = h.ack;
    if (c.rtt_timing && h.ack >= c.rtt_seq && c.retransmits == 0) {
        c.rtt.on_sample(now - c.rtt_start);
        c.rtt.note_timed_sample(now - c.rtt_start);
    }
    c.rtt.reset_backoff();  // the SYNs' backoff ends here; RFC 6298 §5.7's 3 s if they were lost
    c.rtt_timing = false;
    c.retransmits = 0;
    c.rto_at = Instant::never();
    set_state(c, TcpState::established);
    c.ack_now = true;
    if (c.service != nullptr) {
        c.service->on_connected(handle_of(c), now);
    }
    if (c.in_use && c.state == TcpState::established) {
        output(c, now);
    }
}

// RFC 7413 §4.1.3: remember the cookie a SYN-ACK brings; forget ours when the server no
// longer takes it (our SYN data left unacknowledged and no new cookie offered). A
// SYN-ACK that took our data without repeating the cookie keeps it (as Linux sends it).
void TcpLayer::fast_open_on_syn_ack(Connection& c, const TcpHeader& h) {
    const TcpOptions& o = h.options;
    const bool data_refused = c.syn_data > 0 && h.ack != c.iss + 1 + c.syn_data;
    if (data_refused) {
        m_counters->count(Event::tcp_fast_open_fallbacks);
    }
    if (o.has_tfo && o.tfo_cookie_len >= 4) {
        m_fast_open_cache.store(c.key.remote, std::span(o.tfo_cookie.data(), o.tfo_cookie_len),
                                o.has_mss ? o.mss : 0);
    } else if (data_refused) {
        m_fast_open_cache.forget(c.key.remote);
    }
}

void TcpLayer::input_connection(Connection& c, Mbuf* m, const TcpHeader& h, uint32_t payload_len, Instant now) {
    // TIME-WAIT: a new SYN may take the tuple over (RFC 6191 with timestamps, RFC 9293
    // §3.10.7.4 otherwise when its sequence number is beyond what we saw).
    if (c.state == TcpState::time_wait && (h.flags & (flag::syn | flag::ack | flag::rst)) == flag::syn &&
        time_wait_reuse(c, h)) {
        m_counters->count(Event::tcp_time_wait_reused);
        TcpService* service = m_listeners[c.key.local_port];
        const FlowKey key = c.key;
        release(c);
        if (service == nullptr) {
            return buf::free(m);
        }
        return listen_syn(service, key, h, m, payload_len, now);
    }
    // A repeated SYN in SYN-RECEIVED: our SYN-ACK was lost, answer it again (RFC 9293
    // §3.10.7.4 would send a bare ACK, which a peer in SYN-SENT cannot use).
    if (c.state == TcpState::syn_received && (h.flags & (flag::syn | flag::ack | flag::rst)) == flag::syn &&
        h.seq == c.irs) {
        buf::free(m);
        m_counters->count(Event::tcp_retransmits);
        return send_syn(c, true, now);
    }
    const TcpHandle entry = handle_of(c);
    // First: sequence number (with PAWS).
    if (!check_sequence(c, m, h, payload_len, now)) {
        return;
    }
    // Second: RST. Third (security) does not apply. Fourth: SYN.
    if (!check_rst(c, h, now) || !check_syn(c, h, now)) {
        return buf::free(m);
    }
    // Fifth: ACK.
    if (!check_ack(c, h, payload_len, now)) {
        return buf::free(m);
    }
    update_ts_recent(c, h, now);
    // Sixth (URG) is ignored: RFC 6093 advises against new uses.
    // Seventh: segment text. Eighth: FIN.
    process_text(c, m, h, payload_len, now);
    if (!alive(c, entry)) {
        return;
    }
    if ((h.flags & flag::fin) != 0) {
        const Seq fin_seq = h.seq + payload_len;
        if (fin_seq == c.rcv_nxt) {
            process_fin(c, now);
        } else if (fin_seq > c.rcv_nxt) {
            c.fin_pending = true;  // beyond a hole: processed when the hole fills
            c.fin_pending_seq = fin_seq;
        }
    }
    if (alive(c, entry)) {
        output(c, now);
    }
}

namespace {
constexpr Duration kPawsReplyInterval = Duration::milliseconds(500);
}  // namespace

// RFC 9293 §3.10.7.4 "first, check sequence number", RFC 7323 §5.3 PAWS.
bool TcpLayer::check_sequence(Connection& c, Mbuf*& m, const TcpHeader& h, uint32_t& payload_len, Instant now) {
    const bool rst = (h.flags & flag::rst) != 0;
    // R1: a timestamp older than TS.Recent marks an old duplicate, unless TS.Recent is over
    // 24 days old (§5.5); RSTs are exempt. Like Linux we allow one tick of slack
    // (reordering within a millisecond). Pure ACKs are held to it too: at tens of Gbit/s
    // the sequence space wraps in about a second, and an old ACK that passed the RFC 5961
    // range check would acknowledge data the peer never received.
    if (c.ts_ok && h.options.has_timestamps && !rst && int32_t(h.options.ts_val - c.ts_recent) < -1 &&
        now - c.ts_recent_at < Duration::seconds(24 * 86400)) {
        const bool pure_ack = payload_len == 0 && (h.flags & (flag::syn | flag::fin)) == 0;
        if (!pure_ack || !disordered_ack(c, h)) {
            m_counters->drop(DropReason::tcp_paws);
            // "Send an acknowledgment in reply": always for data; for a pure ACK at most
            // one per connection every 500 ms (our reply is a duplicate ACK to the peer,
            // and a run of reordered old ACKs would otherwise look like loss to it; Linux:
            // tcp_oow_rate_limited).
            if (!pure_ack || now >= c.paws_reply_allowed_at) {
                if (pure_ack) {
                    c.paws_reply_allowed_at = now + kPawsReplyInterval;
                }
                c.ack_now = true;
                send_ack(c, now);
            }
            buf::free(m);
            return false;
        }
    }
    const uint32_t wnd = uint32_t(std::max(0, c.rcv_adv - c.rcv_nxt));
    const uint32_t seg_len = payload_len + ((h.flags & (flag::syn)) ? 1 : 0) + ((h.flags & flag::fin) ? 1 : 0);
    bool acceptable;
    if (seg_len == 0) {
        acceptable = wnd == 0 ? h.seq == c.rcv_nxt : in_window(h.seq, c.rcv_nxt, c.rcv_nxt + wnd);
    } else {
        acceptable = wnd != 0 && (in_window(h.seq, c.rcv_nxt, c.rcv_nxt + wnd) ||
                                  in_window(h.seq + seg_len - 1, c.rcv_nxt, c.rcv_nxt + wnd));
    }
    // A zero window still accepts its exact next byte's ACK/RST (handled by seg_len == 0)
    // and, for the data itself, nothing: the segment's ACK field is still processed below
    // after trimming the text away (RFC 9293 §3.10.7.4 note on zero windows).
    if (!acceptable && !(wnd == 0 && h.seq == c.rcv_nxt)) {
        if (!rst) {
            // Old duplicates are re-ACKed (duplicate), the rest counted as out of window.
            const bool duplicate = h.seq + seg_len <= c.rcv_nxt;
            m_counters->drop(duplicate ? DropReason::tcp_duplicate : DropReason::tcp_out_of_window);
            if (duplicate && payload_len > 0) {
                note_dsack(c, h.seq, h.seq + payload_len);
            }
            send_ack(c, now);
        } else {
            m_counters->drop(DropReason::tcp_out_of_window);
        }
        buf::free(m);
        return false;
    }
    // Keep only what lies in the window: trim the front (already received) and the tail.
    if (payload_len > 0 && h.seq < c.rcv_nxt) {
        const uint32_t dup = std::min<uint32_t>(uint32_t(c.rcv_nxt - h.seq), payload_len);
        m = payload_len == dup ? (buf::free(m), nullptr) : buf::trim_front(m, dup);
        payload_len -= dup;
        c.trimmed_front = dup;
        note_dsack(c, h.seq, h.seq + dup);
        c.ack_now = true;  // a partial duplicate: tell the sender where we are
    } else {
        c.trimmed_front = 0;
    }
    const Seq start = h.seq + c.trimmed_front;
    if (payload_len > 0 && start + payload_len > c.rcv_nxt + wnd) {
        const uint32_t keep = wnd > uint32_t(start - c.rcv_nxt) ? wnd - uint32_t(start - c.rcv_nxt) : 0;
        if (keep == 0) {
            buf::free(m);
            m = nullptr;
            payload_len = 0;
        } else {
            buf::truncate(m, keep);
            payload_len = keep;
        }
        c.ack_now = true;
    }
    return true;
}

// RFC 7323 §4.3: TS.Recent follows the segment that covers Last.ACK.sent. Only once the
// segment has passed the RST, SYN and ACK checks (as Linux does): a forged segment at
// RCV.NXT with a far-future TSval and an unacceptable ACK would otherwise move TS.Recent
// ahead, and PAWS would then reject every real segment of the connection.
void TcpLayer::update_ts_recent(Connection& c, const TcpHeader& h, Instant now) {
    if (c.ts_ok && h.options.has_timestamps && h.seq <= c.last_ack_sent &&
        int32_t(h.options.ts_val - c.ts_recent) >= 0) {
        c.ts_recent = h.options.ts_val;
        c.ts_recent_at = now;
    }
}

// A pure ACK that R1 would reject but that is only reordered behind a newer one: at
// RCV.NXT, acknowledging exactly SND.UNA, not widening the window, with a timestamp at most
// an RTO old (the peer's ticks taken as milliseconds, RFC 7323 §5.4's upper rate). It
// changes nothing but may carry SACK blocks the sender wants (Linux exempts the same:
// tcp_disordered_ack).
bool TcpLayer::disordered_ack(const Connection& c, const TcpHeader& h) const {
    const uint32_t rto_ms = uint32_t(c.rtt.rto().ns / 1'000'000);
    return (h.flags & flag::ack) != 0 && h.seq == c.rcv_nxt && h.ack == c.snd_una &&
           (uint32_t(h.window) << c.snd_wscale) <= c.snd_wnd && c.ts_recent - h.options.ts_val <= rto_ms;
}

// RFC 2883: the next ACK reports data received twice as its first SACK block, so the
// sender can tell a spurious retransmission (and undo its window cut, widen its
// reordering allowance) from a loss.
void TcpLayer::note_dsack(Connection& c, Seq left, Seq right) {
    if (!c.sack_ok) {
        return;
    }
    c.dsack_pending = true;
    c.dsack = {left, right};
}

// "second, check the RST bit" with RFC 5961 §3.2.
bool TcpLayer::check_rst(Connection& c, const TcpHeader& h, Instant now) {
    if ((h.flags & flag::rst) == 0) {
        return true;
    }
    if (h.seq != c.rcv_nxt) {
        m_counters->drop(DropReason::tcp_challenge_ack);
        send_challenge_ack(c, now);
        return false;
    }
    if (c.state == TcpState::time_wait || c.state == TcpState::closing || c.state == TcpState::last_ack) {
        finish(c, CloseReason::normal, now);
        return false;
    }
    m_counters->count(Event::tcp_resets_received);
    // §3.10.7.4: in SYN-RECEIVED of an active (simultaneous) open the peer refused us.
    const bool refused = c.state == TcpState::syn_received && !c.passive;
    finish(c, refused ? CloseReason::refused : CloseReason::reset, now);
    return false;
}

// "fourth, check the SYN bit": RFC 5961 §4, a SYN in a synchronized state gets a
// challenge ACK whatever its sequence number.
bool TcpLayer::check_syn(Connection& c, const TcpHeader& h, Instant now) {
    if ((h.flags & flag::syn) == 0) {
        return true;
    }
    m_counters->drop(DropReason::tcp_challenge_ack);
    send_challenge_ack(c, now);
    return false;
}

// "fifth, check the ACK field".
// RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: an acceptable ACK completes the handshake (the
// service accepts or learns it is connected); any other is answered with a RST. False when
// processing of the segment stops here.
bool TcpLayer::complete_handshake(Connection& c, const TcpHeader& h, uint32_t payload_len, TcpHandle entry,
                                  Instant now) {
    if (!(c.snd_una < h.ack && h.ack <= c.snd_max)) {
        m_counters->drop(DropReason::tcp_unexpected);
        send_reset_for(c.key, h, payload_len, now);
        return false;
    }
    c.snd_wnd = uint32_t(h.window) << c.snd_wscale;
    c.max_snd_wnd = std::max(c.max_snd_wnd, c.snd_wnd);
    c.snd_wl1 = h.seq;
    c.snd_wl2 = h.ack;
    set_state(c, TcpState::established);
    leave_syn_queue(c);
    if (c.passive && !c.accepted) {  // not accepted with its SYN already (Fast Open)
        TcpService* service = c.service;
        c.accepted = true;
        if (service == nullptr || !service->on_accept(handle_of(c), c.key, now)) {
            c.accepted = false;
            abort(handle_of(c), now);
            return false;
        }
    } else if (!c.passive && c.service != nullptr) {
        c.service->on_connected(handle_of(c), now);
    }
    return alive(c, entry);
}

bool TcpLayer::check_ack(Connection& c, const TcpHeader& h, uint32_t payload_len, Instant now) {
    // Services are called below, and one may open a connection that takes this very slot
    // (a client reconnecting from on_closed): compare handles, not just in_use.
    const TcpHandle entry = handle_of(c);
    if ((h.flags & flag::ack) == 0) {
        m_counters->drop(DropReason::tcp_unexpected);
        return false;
    }
    if (c.state == TcpState::syn_received && !complete_handshake(c, h, payload_len, entry, now)) {
        return false;
    }
    // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
    if (h.ack > c.snd_max) {
        m_counters->drop(DropReason::tcp_old_ack);
        send_ack(c, now);
        return false;
    }
    if (h.ack < c.snd_una - c.max_snd_wnd) {
        m_counters->drop(DropReason::tcp_old_ack);
        send_challenge_ack(c, now);
        return false;
    }
    const uint32_t acked = h.ack > c.snd_una ? uint32_t(h.ack - c.snd_una) : 0;
    // Window update (RFC 9293 §3.10.7.4, SND.WL1/SND.WL2 guard against old segments).
    const uint32_t old_wnd = c.snd_wnd;
    bool window_changed = false;
    if (c.snd_wl1 < h.seq || (c.snd_wl1 == h.seq && c.snd_wl2 <= h.ack)) {
        c.snd_wnd = uint32_t(h.window) << c.snd_wscale;
        c.max_snd_wnd = std::max(c.max_snd_wnd, c.snd_wnd);
        c.snd_wl1 = h.seq;
        c.snd_wl2 = h.ack;
        window_changed = c.snd_wnd != old_wnd;
    }
    const uint32_t sacked_before = c.scoreboard.sacked_bytes();
    if (c.sack_ok) {  // RFC 6675 §4 Update() on every ACK, so ranges below SND.UNA leave
        c.scoreboard.update(h.ack, c.snd_max, std::span(h.options.sack.data(), h.options.sack_count));
    }
    c.new_sack_info = c.sack_ok && c.scoreboard.sacked_bytes() > sacked_before;
    if (c.new_sack_info) {
        m_counters->count(Event::tcp_sack_updates);
    }
    const bool marked_lost = detect_loss_by_delivery(c, h.ack, now);
    if (acked > 0) {
        process_ack(c, h, acked, now);
        if (!alive(c, entry)) {
            return false;
        }
    } else {
        detect_loss(c, h, payload_len, window_changed, now);
    }
    // Data marked lost by a delivery starts recovery whether or not this ACK counts as a
    // duplicate (it may also have moved SND.UNA, or only D-SACKed a probe's copy).
    if (marked_lost && !c.in_recovery && c.snd_una != c.snd_max && c.scoreboard.is_lost(c.snd_una)) {
        enter_loss_recovery(c, now);
    }
    recheck_lost_retransmissions(c, now);
    if (window_changed && old_wnd == 0 && c.persist) {
        c.persist = false;  // the window opened: the probe timer is done
        c.rto_at = Instant::never();
        c.retransmits = 0;
        rearm(c);
    }
    return true;
}

}  // namespace slip::stack::tcp
