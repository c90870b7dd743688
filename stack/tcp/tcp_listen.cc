// Segments for no connection: LISTEN (RFC 9293 §3.10.7.2), SYN cookies (RFC 4987 §3.6),
// the server side of TCP Fast Open (RFC 7413 §4.2) and RSTs for everything else
// (§3.10.7.1); TIME-WAIT reuse (RFC 6191).
#include <cstring>
#include <algorithm>

#include "stack/tcp/tcp_layer.h"

namespace slip::stack::tcp {
namespace {

// MSS values a cookie can carry in 3 bits (the common ones; the peer's MSS is rounded down).
constexpr uint16_t kCookieMss[8] = {536, 1200, 1220, 1360, 1400, 1440, 1460, 8960};
constexpr uint32_t kCookieSlotSeconds = 64;  // a cookie stays valid for one to two slots
constexpr uint8_t kNoWscale = 15;

uint8_t cookie_mss_index(uint16_t mss) {
    uint8_t i = 0;
    while (i + 1 < 8 && kCookieMss[i + 1] <= mss) {
        ++i;
    }
    return i;
}

crypto::TcpFourTuple tuple_of(const FlowKey& key) {
    return {std::span(key.local.bytes), std::span(key.remote.bytes), key.local_port, key.remote_port};
}

uint32_t cookie_slot(uint64_t clock_ns) {
    return uint32_t(clock_ns / 1'000'000'000 / kCookieSlotSeconds);
}

}  // namespace

void TcpLayer::input_no_connection(Mbuf* m, const FlowKey& key, const TcpHeader& h, uint32_t payload_len,
                                   Instant now) {
    TcpService* service = m_listeners[key.local_port];
    if (service == nullptr) {
        buf::free(m);
        m_counters->drop(DropReason::tcp_no_listener);
        return send_reset_for(key, h, payload_len, now);  // RFC 9293 §3.10.7.1 CLOSED
    }
    // LISTEN: first RST (ignore), second ACK (a cookie, or RST), third SYN.
    if ((h.flags & flag::rst) != 0) {
        buf::free(m);
        return m_counters->drop(DropReason::tcp_unexpected);
    }
    if ((h.flags & flag::ack) != 0) {
        if ((h.flags & flag::syn) == 0 && m_config.syn_cookies && listen_cookie_ack(service, key, h, now)) {
            const uint32_t index = m_flows.find(key);
            return input_connection(*m_slots[index], m, h, payload_len, now);
        }
        buf::free(m);
        m_counters->drop(DropReason::tcp_bad_cookie);
        return send_reset_for(key, h, payload_len, now);
    }
    if ((h.flags & flag::syn) == 0) {
        buf::free(m);
        return m_counters->drop(DropReason::tcp_unexpected);
    }
    if (key.remote.is_multicast() || key.remote.is_unspecified() || key.remote_port == 0) {
        buf::free(m);
        return m_counters->drop(DropReason::tcp_bad_address);
    }
    listen_syn(service, key, h, m, payload_len, now);
}

void TcpLayer::listen_syn(TcpService* service, const FlowKey& key, const TcpHeader& h, Mbuf* data, uint32_t data_len,
                          Instant now) {
    // RFC 7413 §4.2.2: SYN data is taken only with a valid cookie, below the Fast Open
    // backlog (§5.1), and never on the stateless (SYN cookie) path.
    const bool syn_queue_full = m_syn_received[key.local_port] >= m_config.syn_backlog;
    const bool cookie_ok = fast_open_cookie_valid(key, h.options);  // one MAC per SYN
    const bool take_data = data_len > 0 && !syn_queue_full && cookie_ok &&
                           data_len <= m_config.rcv_buffer &&
                           m_fast_open_pending[key.local_port] < m_config.fast_open_backlog;
    if (!take_data) {
        buf::free(data);
        data = nullptr;
        if (data_len > 0) {
            m_counters->drop(DropReason::tcp_fast_open_refused);
        }
    }
    if (syn_queue_full) {
        if (!m_config.syn_cookies) {
            return m_counters->drop(DropReason::tcp_syn_queue_full);
        }
        // Stateless SYN-ACK: everything we must remember rides in the ISN (and TSval).
        Connection tmp(536);
        tmp.key = key;
        tmp.rcv_nxt = h.seq + 1;
        tmp.iss = cookie_isn(key, h, now);
        const bool ts = m_config.timestamps && h.options.has_timestamps;
        TcpOptionsToSend o;
        o.mss = std::min(mss_for(key), kCookieMss[cookie_mss_index(h.options.has_mss ? h.options.mss : 536)]);
        const bool ws = m_config.window_scaling && h.options.has_wscale && ts;
        if (ws) {
            o.wscale = int8_t(our_wscale());
        }
        o.sack_permitted = m_config.sack && h.options.sack_permitted && ts;
        if (ts) {
            // Low 5 bits of TSval: the peer's window scale (15: none) and SACK-permitted.
            const uint8_t peer_ws = ws ? std::min<uint8_t>(h.options.wscale, kMaxWindowScale) : kNoWscale;
            o.timestamps = true;
            const uint32_t clock = ts_now(now);
            o.ts_val = (clock & ~0x1fu) | uint32_t(peer_ws) << 1 | (o.sack_permitted ? 1u : 0u);
            if (int32_t(o.ts_val - clock) > 0) {
                // Never ahead of the clock: the peer's PAWS check (RFC 7323 §5.3) would
                // drop our next segments, whose TSval is the clock's.
                o.ts_val -= 32;
            }
            o.ts_ecr = h.options.ts_val;
        }
        send_bare(key, tmp.iss, tmp.rcv_nxt, flag::syn | flag::ack,
                  uint16_t(std::min<uint32_t>(m_config.rcv_buffer, 0xffff)), o, now);
        m_counters->count(Event::tcp_syn_cookies_sent);
        return;
    }
    Connection* c = allocate(key);
    if (c == nullptr) {
        return buf::free(data);
    }
    c->passive = true;
    c->service = service;
    c->fast_open = data != nullptr;
    // Hand out a cookie when asked, or a fresh one when the one we got is not ours.
    c->fast_open_reply_cookie = m_config.fast_open && h.options.has_tfo && !cookie_ok;
    if (c->fast_open_reply_cookie) {
        m_counters->count(Event::tcp_fast_open_cookies_sent);
    }
    enter_syn_queue(*c);
    c->irs = h.seq;
    c->rcv_nxt = h.seq + 1 + (data != nullptr ? data_len : 0);
    c->rcv_adv = c->rcv_nxt;
    c->ws_ok = h.options.has_wscale;
    setup_options(*c, h.options, true);
    if (c->ts_ok) {
        c->ts_recent = h.options.ts_val;
        c->ts_recent_at = now;
    }
    c->iss = Seq(m_secrets.isn(tuple_of(key), uint32_t(now.ns / 4000)));  // RFC 6528
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->snd_wnd = h.window;  // a SYN's window is never scaled
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = h.seq;
    c->snd_wl2 = c->iss;
    set_state(*c, TcpState::syn_received);
    m_counters->count(Event::tcp_passive_opens);
    send_syn(*c, true, now);
    if (data != nullptr) {
        fast_open_accept(*c, data, data_len, now);
    }
}

bool TcpLayer::fast_open_cookie_valid(const FlowKey& key, const TcpOptions& o) const {
    if (!m_config.fast_open || !o.has_tfo || o.tfo_cookie_len != sizeof(uint64_t)) {
        return false;
    }
    const uint64_t expected = m_secrets.fast_open_cookie(std::span(key.remote.bytes), std::span(key.local.bytes));
    return std::memcmp(o.tfo_cookie.data(), &expected, sizeof expected) == 0;
}

// RFC 7413 §4.2.2: the SYN-ACK (sent already) acknowledges the SYN's data; the
// application gets the connection and its first bytes now, one round trip before the
// handshake completes, and may answer at once.
void TcpLayer::fast_open_accept(Connection& c, Mbuf* data, uint32_t data_len, Instant now) {
    m_counters->count(Event::tcp_fast_open_accepted);
    const TcpHandle handle = handle_of(c);
    c.accepted = true;
    if (c.service == nullptr || !c.service->on_accept(handle, c.key, now)) {
        buf::free(data);
        c.accepted = false;
        return abort(handle, now);
    }
    if (get(handle) == nullptr) {
        return buf::free(data);
    }
    deliver(c, data, data_len, now);
    if (get(handle) != nullptr) {
        output(c, now);
    }
}

Seq TcpLayer::cookie_isn(const FlowKey& key, const TcpHeader& h, Instant now) const {
    // ISN = slot (5 bits) | MSS index (3 bits) | MAC (24 bits) over tuple, client ISN,
    // full slot number and MSS index (crypto/tcp_secrets.h).
    const uint32_t slot = cookie_slot(shared_ns(now));
    const uint8_t mss_index = cookie_mss_index(h.options.has_mss ? h.options.mss : 536);
    const uint32_t mac = cookie_mac(key, h.seq, slot, mss_index, false);
    return Seq((slot & 31) << 27 | uint32_t(mss_index) << 24 | mac);
}

// 24 bits of the MAC, under the shared current (or previous) key when there is one.
uint32_t TcpLayer::cookie_mac(const FlowKey& key, Seq client_isn, uint32_t slot, uint8_t mss_index,
                              bool previous) const {
    const uint32_t mac =
        m_shared_cookies == nullptr
            ? m_secrets.syn_cookie_mac(tuple_of(key), client_isn.raw(), slot, mss_index)
            : crypto::TcpSecrets::syn_cookie_mac(previous ? m_shared_cookies->previous() : m_shared_cookies->current(),
                                                 tuple_of(key), client_isn.raw(), slot, mss_index);
    return mac & 0xffffff;
}

bool TcpLayer::listen_cookie_ack(TcpService* service, const FlowKey& key, const TcpHeader& h, Instant now) {
    const uint32_t cookie = (h.ack - 1).raw();
    const uint32_t current = cookie_slot(shared_ns(now));
    const uint32_t age = (current - (cookie >> 27)) & 31;
    if (age > 1) {
        return false;  // older than one slot: expired
    }
    const uint32_t slot = current - age;
    const uint8_t mss_index = uint8_t((cookie >> 24) & 7);
    const Seq client_isn = h.seq - 1;
    // A shared key set: the cookie may predate the latest rotation (syn_cookie_keys.h).
    const uint32_t mac = cookie & 0xffffff;
    if (cookie_mac(key, client_isn, slot, mss_index, false) != mac &&
        (m_shared_cookies == nullptr || cookie_mac(key, client_isn, slot, mss_index, true) != mac)) {
        return false;
    }
    Connection* c = allocate(key);
    if (c == nullptr) {
        return false;
    }
    m_counters->count(Event::tcp_syn_cookies_accepted);
    c->passive = true;
    c->service = service;
    enter_syn_queue(*c);  // balanced when it reaches ESTABLISHED
    c->irs = client_isn;
    c->rcv_nxt = h.seq;
    c->rcv_adv = c->rcv_nxt + std::min<uint32_t>(m_config.rcv_buffer, 0xffff);  // what the SYN-ACK offered
    // The options the SYN negotiated come back from the cookie and the echoed TSval.
    TcpOptions peer;
    peer.has_mss = true;
    peer.mss = kCookieMss[mss_index];
    if (m_config.timestamps && h.options.has_timestamps) {
        peer.has_timestamps = true;
        peer.ts_val = h.options.ts_val;
        const uint8_t ws = uint8_t((h.options.ts_ecr >> 1) & 0xf);
        peer.has_wscale = ws != kNoWscale;
        peer.wscale = peer.has_wscale ? ws : 0;
        peer.sack_permitted = (h.options.ts_ecr & 1) != 0;
    }
    c->ws_ok = peer.has_wscale;
    setup_options(*c, peer, true);
    if (c->ts_ok) {
        c->ts_recent = h.options.ts_val;
        c->ts_recent_at = now;
    }
    c->iss = h.ack - 1;
    c->snd_una = c->iss;  // check_ack moves SND.UNA past the SYN
    c->snd_nxt = c->snd_max = h.ack;
    c->snd_wl1 = client_isn;
    c->snd_wl2 = c->iss;
    set_state(*c, TcpState::syn_received);
    m_counters->count(Event::tcp_passive_opens);
    return true;
}

bool TcpLayer::time_wait_reuse(Connection& c, const TcpHeader& h) const {
    // RFC 6191 §2: with timestamps, a SYN whose TSval is newer than TS.Recent; without,
    // RFC 9293 §3.10.7.4 (as BSD does): a SYN beyond the last sequence number seen.
    if (c.ts_ok && h.options.has_timestamps) {
        return int32_t(h.options.ts_val - c.ts_recent) > 0;
    }
    return h.seq > c.rcv_nxt;
}

}  // namespace slip::stack::tcp
