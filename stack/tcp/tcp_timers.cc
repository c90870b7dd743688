// TCP timers: retransmission (RFC 6298 §5), zero-window probes (RFC 9293 §3.8.6.1),
// delayed ACK (RFC 9293 §3.8.6.3), keepalive (RFC 9293 §3.8.4) and TIME-WAIT (§3.6.1).
#include <algorithm>
#include <array>

#include "stack/tcp/tcp_layer.h"

namespace slip::stack::tcp {

void TcpLayer::on_timer(Instant now) {
    m_timers.observe(now);
    std::array<uint32_t, 64> due{};
    for (;;) {
        const uint32_t n = m_timers.expire(now, due);
        for (uint32_t i = 0; i < n; ++i) {
            Connection& c = *m_slots[due[i]];
            if (c.in_use) {
                on_connection_timer(c, now);
            }
        }
        if (n < due.size()) {
            return;
        }
    }
}

void TcpLayer::on_connection_timer(Connection& c, Instant now) {
    if (c.timewait_at <= now) {
        return finish(c, CloseReason::normal, now);  // TIME-WAIT over, or FIN-WAIT-2 gave up
    }
    if (c.delack_at <= now) {
        c.delack_at = Instant::never();
        send_ack(c, now);
    }
    if (c.rto_at <= now) {
        c.rto_at = Instant::never();
        if (c.persist) {
            on_persist(c, now);
        } else if (c.tail_probe) {
            on_tail_probe(c, now);
        } else {
            on_rto(c, now);
        }
        if (!c.in_use) {
            return;
        }
    }
    if (c.keepalive_at <= now) {
        on_keepalive(c, now);
        if (!c.in_use) {
            return;
        }
    }
    if (c.app_timer_at <= now) {
        c.app_timer_at = Instant::never();
        if (c.service != nullptr && c.accepted) {
            const TcpHandle h = handle_of(c);
            c.service->on_app_timer(h, now);
            if (!alive(c, h)) {
                return;  // the application closed or aborted it
            }
        }
    }
    rearm(c);
}

void TcpLayer::on_rto(Connection& c, Instant now) {
    m_counters->count(Event::tcp_timeouts);
    c.rtt_timing = false;  // Karn: no sample from what is about to be resent
    if (c.state == TcpState::syn_sent || c.state == TcpState::syn_received) {
        if (++c.retransmits > m_config.syn_retries) {
            m_counters->count(Event::tcp_aborted_timeout);
            return finish(c, CloseReason::timeout, now);
        }
        c.rtt.backoff();
        c.rtt.restart_after_syn_loss();
        m_counters->count(Event::tcp_retransmits);
        if (c.state == TcpState::syn_sent && c.syn_data > 0) {
            // RFC 7413 §4.1.3.1: a SYN with data that times out is the strongest sign the
            // path drops it: stop using Fast Open there (until a new cookie comes).
            m_fast_open_cache.forget(c.key.remote);
        }
        c.snd_nxt = c.iss;
        return send_syn(c, c.state == TcpState::syn_received, now);
    }
    if (++c.retransmits > m_config.max_retransmits) {
        m_counters->count(Event::tcp_aborted_timeout);
        TcpOptionsToSend none;
        send_bare(c.key, c.snd_nxt, c.rcv_nxt, flag::rst | flag::ack, 0, none, now);
        m_counters->count(Event::tcp_resets_sent);
        return finish(c, CloseReason::timeout, now);
    }
    // RFC 6298 §5.5-5.6: back off and resend from SND.UNA; RFC 5681 §3.1 eq. 4 for cwnd.
    c.rtt.backoff();
    c.cc->on_rto(now, in_flight(c));
    c.in_recovery = false;
    c.watching_delivery = false;
    c.dupacks = 0;
    c.scoreboard.reset();
    c.snd_nxt = c.snd_una;
    output(c, now);
    arm_rto(c, now);
}

// RFC 8985 §7.3: send one segment (new data if the windows allow, else the last one sent)
// so that a tail loss draws SACK information and fast recovery instead of a timeout.
void TcpLayer::on_tail_probe(Connection& c, Instant now) {
    c.tail_probe = false;
    c.probe_sent = true;
    m_counters->count(Event::tcp_tail_loss_probes);
    const Seq data_end = c.data_end();
    const Seq wnd_end = c.snd_una + c.snd_wnd;
    if (c.in_recovery && c.snd_una < data_end) {
        // In recovery: resend the first hole, the segment the peer is waiting for.
        c.rtt_timing = false;  // Karn (RFC 6298 §3): the timed segment may be this one
        const uint32_t len = std::min<uint32_t>(c.mss, uint32_t(data_end - c.snd_una));
        send_segment(c, c.snd_una, len, flag::ack, now);
        if (c.sack_ok) {
            c.scoreboard.on_retransmit(c.snd_una, len);
        }
        watch_segment(c, c.snd_una, now);
        m_counters->count(Event::tcp_retransmits);
    } else if (c.snd_nxt < data_end && c.snd_nxt < wnd_end) {
        const uint32_t len = std::min({uint32_t(data_end - c.snd_nxt), uint32_t(c.mss), uint32_t(wnd_end - c.snd_nxt)});
        send_segment(c, c.snd_nxt, len, flag::ack | flag::psh, now);
        const Seq probe = c.snd_nxt;
        c.snd_nxt += len;
        c.snd_max = seq_max(c.snd_max, c.snd_nxt);
        watch_segment(c, probe, now);
    } else if (c.snd_max != c.snd_una) {
        // The last segment again (it may be the FIN alone).
        const Seq last_data_end = seq_min(c.snd_max, data_end);
        const uint32_t len = std::min<uint32_t>(c.mss, uint32_t(std::max(0, last_data_end - c.snd_una)));
        const Seq seq = last_data_end - len;
        const bool fin = c.fin_queued && c.snd_max > data_end;
        if (len > 0 || fin) {
            c.rtt_timing = false;  // Karn: the timed segment may be this one
            send_segment(c, seq, len, uint8_t(flag::ack | (fin ? flag::fin : 0)), now);
            m_counters->count(Event::tcp_retransmits);
            if (len > 0) {
                watch_segment(c, seq, now);
            }
        }
    }
    c.rto_at = now + c.rtt.rto();  // the RTO proper follows the probe
}

void TcpLayer::on_persist(Connection& c, Instant now) {
    // A probe the peer must answer with its current window: one byte it has already seen
    // (SEG.SEQ = SND.UNA - 1) is outside its window and draws an ACK.
    m_counters->count(Event::tcp_zero_window_probes);
    TcpOptionsToSend o;
    fill_options(c, o, flag::ack, now);
    send_bare(c.key, c.snd_una - 1, c.rcv_nxt, flag::ack, advertise_window(c, c.rcv_wscale), o, now);
    c.rtt.backoff();
    c.persist = true;
    c.rto_at = now + c.rtt.rto();
}

void TcpLayer::on_keepalive(Connection& c, Instant now) {
    if (!c.keepalive || c.state != TcpState::established) {
        c.keepalive_at = Instant::never();
        return;
    }
    if (c.keepalive_probes_sent >= m_config.keepalive_probes) {
        m_counters->count(Event::tcp_aborted_timeout);
        return finish(c, CloseReason::timeout, now);
    }
    ++c.keepalive_probes_sent;
    m_counters->count(Event::tcp_keepalive_probes);
    TcpOptionsToSend o;
    fill_options(c, o, flag::ack, now);
    send_bare(c.key, c.snd_una - 1, c.rcv_nxt, flag::ack, advertise_window(c, c.rcv_wscale), o, now);
    c.keepalive_at = now + m_config.keepalive_interval;
}

void TcpLayer::enter_time_wait(Connection& c, Instant now) {
    set_state(c, TcpState::time_wait);
    c.sndq.clear();
    c.ooo.clear(m_ooo_pool);
    c.rto_at = c.delack_at = c.keepalive_at = Instant::never();
    c.persist = false;
    c.timewait_at = now + m_config.msl * 2;
    rearm(c);
    // The application is done with the connection; the slot lingers only for the protocol.
    TcpService* service = c.accepted ? c.service : nullptr;
    const TcpHandle h = handle_of(c);
    c.service = nullptr;
    c.accepted = false;
    c.passive = false;
    m_counters->count(Event::tcp_closed);
    if (service != nullptr) {
        service->on_closed(h, CloseReason::normal, now);
    }
}

}  // namespace slip::stack::tcp
