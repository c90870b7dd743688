// TCP output: the send loop (RFC 9293 §3.8.6, RFC 5681 and RFC 6675 limits, Nagle),
// segment building from the zero-copy send queue, ACKs, RSTs and SYNs.
#include <algorithm>
#include <cstring>

#include "stack/tcp/tcp_layer.h"

namespace slip::stack::tcp {

Mbuf* TcpLayer::header_buffer(uint32_t header_len) {
    Mbuf* m = m_header_buffers.take();
    if (m == nullptr) {
        m_counters->drop(DropReason::no_buffer);
        return nullptr;
    }
    if (buf::append(m, uint16_t(header_len)) == nullptr) {
        buf::free(m);
        m_counters->drop(DropReason::no_buffer);
        return nullptr;
    }
    return m;
}

void TcpLayer::fill_options(Connection& c, TcpOptionsToSend& o, uint8_t flags, Instant now) const {
    if ((flags & flag::syn) != 0) {
        // RFC 9293 §3.7.1 MSS, RFC 7323 §2.2/§3.2 WS and TS, RFC 2018 §2 SACK-permitted. A
        // SYN-ACK echoes only what the peer offered (c.*_ok were settled from its SYN).
        const bool reply = (flags & flag::ack) != 0;
        o.mss = mss_for(c.key);
        if (m_config.window_scaling && (!reply || c.ws_ok)) {
            o.wscale = int8_t(our_wscale());
        }
        o.sack_permitted = m_config.sack && (!reply || c.sack_ok);
        o.timestamps = m_config.timestamps && (!reply || c.ts_ok);
        fill_fast_open_option(c, o, reply);
    } else {
        o.timestamps = c.ts_ok;
        // RFC 2883 §4: a D-SACK block first; then RFC 2018 §4: what we hold beyond the
        // hole, most recent block first.
        if (c.sack_ok && c.dsack_pending) {
            o.sack[o.sack_count++] = c.dsack;
        }
        if (c.sack_ok && !c.ooo.empty()) {
            SackBlock blocks[kMaxSackBlocks];
            const size_t room = kMaxSackBlocks - o.sack_count;
            const size_t n = c.ooo.sack_blocks(m_ooo_pool, c.last_ooo_seq, std::span(blocks, room));
            std::copy_n(blocks, n, o.sack.begin() + o.sack_count);
            o.sack_count = uint8_t(o.sack_count + n);
        }
    }
    if (o.timestamps) {
        o.ts_val = ts_now(now);
        o.ts_ecr = c.ts_recent;  // RFC 7323 §4.3 (zero on an initial SYN: TS.Recent unset)
    }
}

// RFC 7413 §4.1.1: a client's SYN asks for a cookie (empty option) or presents the one
// cached for the server; a server's SYN-ACK hands out the client's cookie when asked.
// §4.2.2: retransmitted SYNs and SYN-ACKs carry no Fast Open option (a middlebox may be
// what dropped the first).
void TcpLayer::fill_fast_open_option(const Connection& c, TcpOptionsToSend& o, bool reply) const {
    if (c.retransmits != 0) {
        return;
    }
    if (reply) {
        if (c.fast_open_reply_cookie) {
            const uint64_t cookie =
                m_secrets.fast_open_cookie(std::span(c.key.remote.bytes), std::span(c.key.local.bytes));
            o.tfo = true;
            o.tfo_cookie_len = sizeof cookie;
            std::memcpy(o.tfo_cookie.data(), &cookie, sizeof cookie);
        }
        return;
    }
    if (!c.fast_open) {
        return;
    }
    o.tfo = true;
    if (const FastOpenCookie* cached = m_fast_open_cache.find(c.key.remote)) {
        o.tfo_cookie_len = cached->len;
        o.tfo_cookie = cached->bytes;
    }
}

void TcpLayer::send_segment(Connection& c, Seq seq, uint32_t len, uint8_t flags, Instant now) {
    TcpOptionsToSend o;
    fill_options(c, o, flags, now);
    const uint32_t header_len = uint32_t(kTcpHeaderLen + tcp_options_len(o));
    Mbuf* m = header_buffer(header_len);
    if (m == nullptr) {
        return;
    }
    // RFC 7323 §2.2: the window field of a SYN is never scaled.
    const uint8_t shift = (flags & flag::syn) != 0 ? 0 : c.rcv_wscale;
    const bool with_ack = (flags & flag::ack) != 0;
    // Without ACK (our first SYN) the window is relative to nothing yet: nothing recorded.
    const uint16_t field = with_ack ? advertise_window(c, shift) : window_field(c, shift);
    write_tcp(buf::data(m), c.key.local_port, c.key.remote_port, seq, with_ack ? c.rcv_nxt : Seq(0), flags, field, o);
    if (len > 0) {
        const Seq data_seq = (flags & flag::syn) != 0 ? seq + 1 : seq;  // data follows the SYN's number
        const uint32_t offset = uint32_t(data_seq - c.data_start());
        const auto view = c.sndq.reference(offset, len, m_view_buffers);
        if (view.head == nullptr) {
            buf::free(m);
            // Told apart: an empty pool is load, a range not queued is a bug of ours.
            const bool queued = uint64_t(offset) + len <= c.sndq.bytes();
            m_counters->drop(queued ? DropReason::no_buffer : DropReason::tcp_send_range_missing);
            return;
        }
        buf::chain(m, m, view.head, len, view.segments);
    }
    if (with_ack) {
        c.last_ack_sent = c.rcv_nxt;
        c.dsack_pending = false;  // reported once (RFC 2883 §4)
        c.segments_unacked = 0;
        c.ack_now = false;
        c.ack_at_burst_end = false;
        c.delack_at = Instant::never();
    }
    m_counters->count(Event::tcp_segments_out);
    m_link->tcp_transmit(m, c.key, now);
}

void TcpLayer::send_ack(Connection& c, Instant now) {
    send_segment(c, c.snd_nxt, 0, flag::ack, now);
    rearm(c);
}

// RFC 7413 §4.2.1: with a cookie cached, the first SYN carries as much queued data as
// the server's MSS leaves room for beside the SYN's options. A retransmitted SYN carries
// none (§4.2.1: the data may be what a middlebox drops).
uint32_t TcpLayer::syn_data_len(const Connection& c, const TcpOptionsToSend& o) const {
    if (!c.fast_open || c.retransmits != 0 || o.tfo_cookie_len == 0 || c.sndq.empty()) {
        return 0;
    }
    const FastOpenCookie* cached = m_fast_open_cache.find(c.key.remote);
    const uint32_t server_mss = cached != nullptr && cached->server_mss != 0 ? cached->server_mss : 536;
    const uint32_t mss = std::min<uint32_t>(server_mss, mss_for(c.key));
    const uint32_t options = uint32_t(tcp_options_len(o));
    return mss > options ? std::min(c.sndq.bytes(), mss - options) : 0;
}

void TcpLayer::send_syn(Connection& c, bool with_ack, Instant now) {
    uint32_t data = 0;
    if (!with_ack) {
        TcpOptionsToSend o;
        fill_options(c, o, flag::syn, now);
        data = syn_data_len(c, o);
        if (c.retransmits == 0) {
            c.syn_data = data;
        }
        if (data > 0) {
            m_counters->count(Event::tcp_fast_open_syn_data_sent);
        }
    }
    send_segment(c, c.iss, data, with_ack ? flag::syn | flag::ack : flag::syn, now);
    c.snd_nxt = c.iss + 1 + data;
    c.snd_max = seq_max(c.snd_max, c.snd_nxt);
    if (!c.rtt_timing && c.retransmits == 0) {
        c.rtt_timing = true;  // RFC 6298 §2: the SYN's RTT seeds the estimator
        c.rtt_seq = c.snd_nxt;
        c.rtt_start = now;
    }
    arm_rto(c, now);
}

void TcpLayer::send_bare(const FlowKey& key, Seq seq, Seq ack, uint8_t flags, uint16_t window,
                         const TcpOptionsToSend& opts, Instant now) {
    Mbuf* m = header_buffer(uint32_t(kTcpHeaderLen + tcp_options_len(opts)));
    if (m == nullptr) {
        return;
    }
    write_tcp(buf::data(m), key.local_port, key.remote_port, seq, ack, flags, window, opts);
    m_counters->count(Event::tcp_segments_out);
    m_link->tcp_transmit(m, key, now);
}

void TcpLayer::send_reset_for(const FlowKey& key, const TcpHeader& h, uint32_t payload_len, Instant now) {
    // RFC 9293 §3.10.7.1: never answer a RST; rate-limited so we are no reflector.
    if ((h.flags & flag::rst) != 0) {
        return;
    }
    if (!m_rst_limit.take(now)) {
        m_counters->drop(DropReason::tcp_rst_rate_limited);
        return;
    }
    TcpOptionsToSend none;
    if ((h.flags & flag::ack) != 0) {
        send_bare(key, h.ack, Seq(0), flag::rst, 0, none, now);  // <SEQ=SEG.ACK><CTL=RST>
    } else {
        // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SYN and FIN count in SEG.LEN.
        const uint32_t seg_len = payload_len + ((h.flags & flag::syn) ? 1 : 0) + ((h.flags & flag::fin) ? 1 : 0);
        send_bare(key, Seq(0), h.seq + seg_len, flag::rst | flag::ack, 0, none, now);
    }
    m_counters->count(Event::tcp_resets_sent);
}

void TcpLayer::send_challenge_ack(Connection& c, Instant now) {
    // RFC 5961 §7: challenge ACKs are rate-limited per core.
    if (!m_challenge_limit.take(now)) {
        m_counters->drop(DropReason::tcp_challenge_ack_limited);
        return;
    }
    m_counters->count(Event::tcp_challenge_acks);
    send_ack(c, now);
}

uint32_t TcpLayer::in_flight(const Connection& c) const {
    if (c.sack_ok && c.in_recovery) {
        return c.scoreboard.set_pipe(c.snd_una, c.snd_max);  // RFC 6675 §4 SetPipe
    }
    return uint32_t(c.snd_nxt - c.snd_una);
}

// RFC 8985 §7.2: with an RTT measured and no timeout under way, probe the tail after
// 2 SRTT (plus the peer's delayed-ACK time when one segment is out) instead of waiting out
// a whole RTO: a lost last segment then costs a probe, not a timeout. One probe per
// episode (until an ACK makes progress); none when it would come later than the RTO.
// The probe also runs in recovery (where RFC 8985 would rely on RACK): when every hole
// below the SACKed data counts as in flight, pipe >= cwnd and nothing more is sent or
// ACKed until the RTO; a probe of the first hole breaks that wait.
std::optional<Duration> TcpLayer::tail_probe_wait(const Connection& c) const {
    const bool open = c.state == TcpState::established || c.state == TcpState::close_wait;
    if (!open || c.retransmits != 0 || c.probe_sent || !c.rtt.has_sample()) {
        return std::nullopt;
    }
    Duration pto = c.rtt.srtt() * 2;
    if (c.snd_max - c.snd_una <= int32_t(c.mss)) {
        pto = pto + Duration::milliseconds(200);
    }
    pto = std::max(pto, Duration::milliseconds(10));
    if (!(pto < c.rtt.rto())) {
        return std::nullopt;
    }
    return pto;
}

void TcpLayer::arm_rto(Connection& c, Instant now) {
    if (c.rto_at != Instant::never() && !c.persist) {
        // Armed already (RFC 6298 §5.1: a running timer is not restarted by a send). A
        // plain RTO armed while one segment was out (the probe would have waited for a
        // delayed ACK, so the RTO came first) becomes a probe when a later send grows the
        // flight and the probe would now come first: otherwise a whole lost flight waits
        // out the RTO. tail_probe_wait() allows it once per episode.
        if (c.tail_probe) {
            return;
        }
        const std::optional<Duration> pto = tail_probe_wait(c);
        if (pto && now + *pto < c.rto_at) {
            c.rto_at = now + *pto;
            c.tail_probe = true;
            rearm(c);
        }
        return;
    }
    c.persist = false;
    const std::optional<Duration> pto = tail_probe_wait(c);
    c.tail_probe = pto.has_value();
    c.rto_at = now + (pto ? *pto : c.rtt.rto());
    rearm(c);
}

void TcpLayer::restart_rto(Connection& c, Instant now) {
    c.rto_at = Instant::never();
    c.persist = false;
    c.tail_probe = false;
    c.probe_sent = false;  // progress: the next episode may probe again
    if (c.snd_una != c.snd_max) {
        arm_rto(c, now);
    } else {
        rearm(c);
    }
}

// Send passes stop while fewer than this many frames fit in the link's transmit queue: a
// window opened wide at once (a stretch ACK, a hole filled under a large window) would
// otherwise overflow the queue and lose, at our own doorstep, data the peer then waits for.
// The reserve keeps room for ACKs and other connections' segments. What waits stays in the
// send queue; the ACKs for what is in flight, or hold_for_tx_room's probe, resume it.
constexpr uint32_t kTxRoomReserve = 64;

bool TcpLayer::tx_room_left() {
    if (m_link->tcp_tx_room() >= kTxRoomReserve) {
        return true;
    }
    m_counters->count(Event::tcp_send_held_tx_full);
    return false;
}

// With segments in flight their ACKs resume the send (and the RTO is armed). With none,
// nothing would: a probe a millisecond later sends the next segment (RFC 8985 §7.3's path,
// new data first), whose ACK resumes the rest, without the window collapse of an RTO.
void TcpLayer::hold_for_tx_room(Connection& c, Instant now) {
    if (c.snd_max != c.snd_una || c.rto_at != Instant::never()) {
        return;
    }
    c.persist = false;
    c.tail_probe = true;
    c.rto_at = now + Duration::milliseconds(1);
    rearm(c);
}

// RFC 6675 §5 (3): while pipe allows, NextSeg() picks what to resend. True if anything
// left. Each pass may fill the whole window with holes (after mark_lost_below, hundreds):
// stopping short would let new data out ahead of them, which a receiver whose
// out-of-order queue is full can only drop. Every segment sent moves HighRxt or RescueRxt
// on, so the bound is only a backstop.
bool TcpLayer::send_recovery_segments(Connection& c, uint32_t cwnd, Instant now) {
    bool sent = false;
    const Seq data_end = c.data_end();
    const uint32_t max_segments = cwnd / c.mss + 1;
    for (uint32_t n = 0; n < max_segments && in_flight(c) + c.mss <= cwnd && tx_room_left(); ++n) {
        const auto next = c.scoreboard.next_seg(c.snd_una, c.snd_max, uint32_t(data_end - c.snd_max));
        if (!next || next->rule == NextSegRule::new_data) {
            break;  // new data goes through send_data's ordinary path
        }
        const uint32_t len = std::min<uint32_t>(next->len, uint32_t(data_end - next->seq));
        if (len == 0) {
            break;
        }
        send_segment(c, next->seq, len, flag::ack, now);
        if (next->rule == NextSegRule::rescue) {
            c.scoreboard.on_rescue_retransmit();  // RFC 6675 §4 rule (4): HighRxt unchanged
        } else {
            c.scoreboard.on_retransmit(next->seq, len);
        }
        watch_segment(c, next->seq, now);
        m_counters->count(Event::tcp_retransmits);
        sent = true;
    }
    return sent;
}

// Retransmissions first (loss recovery), then new data and the FIN. True if anything left.
bool TcpLayer::send_data(Connection& c, Instant now) {
    const Seq data_end = c.data_end();
    const uint32_t cwnd = c.cc->cwnd();
    bool sent = c.in_recovery && c.sack_ok && send_recovery_segments(c, cwnd, now);
    for (;;) {
        const Seq wnd_end = c.snd_una + c.snd_wnd;
        const uint32_t flight = in_flight(c);
        const uint32_t cc_room = cwnd > flight ? cwnd - flight : 0;
        if (c.snd_nxt < data_end) {
            const uint32_t avail = uint32_t(data_end - c.snd_nxt);
            const uint32_t peer_room = wnd_end > c.snd_nxt ? uint32_t(wnd_end - c.snd_nxt) : 0;
            uint32_t len = std::min({avail, uint32_t(c.mss), peer_room, cc_room});
            if (len == 0) {
                break;
            }
            if (!tx_room_left()) {
                hold_for_tx_room(c, now);
                break;
            }
            // RFC 9293 §3.7.4 Nagle: a short segment waits while data is unacknowledged,
            // unless it is the last before our FIN.
            const bool last = len == avail;
            if (len < c.mss && !c.nodelay && c.snd_nxt != c.data_start() && !(last && c.fin_queued)) {
                break;
            }
            uint8_t flags = flag::ack;
            if (last) {
                flags |= flag::psh;
                if (c.fin_queued) {
                    flags |= flag::fin;
                }
            }
            send_segment(c, c.snd_nxt, len, flags, now);
            if (c.snd_nxt < c.snd_max) {
                m_counters->count(Event::tcp_retransmits);
            } else if (!c.rtt_timing) {
                c.rtt_timing = true;  // RFC 6298 §3 (Karn): time only new data
                c.rtt_seq = c.snd_nxt + len;
                c.rtt_start = now;
            }
            c.snd_nxt += len + ((flags & flag::fin) ? 1 : 0);
        } else if (c.fin_queued && c.snd_nxt == data_end) {
            send_segment(c, c.snd_nxt, 0, flag::ack | flag::fin, now);
            c.snd_nxt += 1;
        } else {
            break;
        }
        sent = true;
        c.snd_max = seq_max(c.snd_max, c.snd_nxt);
        if (c.snd_nxt > data_end) {
            // Our FIN went out: RFC 9293 §3.10.4 CLOSE in ESTABLISHED / CLOSE-WAIT.
            if (c.state == TcpState::established || c.state == TcpState::syn_received) {
                set_state(c, TcpState::fin_wait_1);
            } else if (c.state == TcpState::close_wait) {
                set_state(c, TcpState::last_ack);
            }
        }
        arm_rto(c, now);
    }
    return sent;
}

bool TcpLayer::may_send_data(const Connection& c) const {
    switch (c.state) {
    case TcpState::established:
    case TcpState::close_wait:
    case TcpState::fin_wait_1:
    case TcpState::closing:
    case TcpState::last_ack:
        return true;
    case TcpState::syn_received:
        // RFC 7413 §4.2.2: a Fast Open server may answer before the handshake completes.
        return c.fast_open && c.passive;
    default:
        return false;
    }
}

void TcpLayer::output(Connection& c, Instant now) {
    if (!may_send_data(c)) {
        if (c.ack_now) {
            send_ack(c, now);
        }
        return;
    }
    const bool sent = send_data(c, now);
    if (!sent && c.ack_now) {
        send_ack(c, now);
    }
    // RFC 9293 §3.8.6.1: with data waiting, a zero window and nothing in flight to bring
    // an update, probe it on a backed-off timer.
    const bool waiting = c.snd_nxt < c.data_end();
    if (waiting && c.snd_wnd == 0 && c.snd_nxt == c.snd_una && c.rto_at == Instant::never()) {
        c.persist = true;
        c.rto_at = now + c.rtt.rto();
    }
    rearm(c);
}

}  // namespace slip::stack::tcp
