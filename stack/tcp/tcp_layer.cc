// TCP layer: slots, listeners, the application API (RFC 9293 §3.10.1-3.10.6 user calls).
#include "stack/tcp/tcp_layer.h"

#include <algorithm>


namespace slip::stack::tcp {

const char* to_string(TcpState s) {
    static constexpr const char* kNames[] = {"CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED",
                                             "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
                                             "CLOSING",    "LAST-ACK",   "TIME-WAIT"};
    return kNames[size_t(s)];
}

const char* to_string(CloseReason r) {
    static constexpr const char* kNames[] = {"normal", "reset", "timeout", "refused", "aborted"};
    return kNames[size_t(r)];
}

std::string TcpConfig::validate() const {
    if (max_connections == 0 || max_connections > (1u << 24)) {
        return "tcp max-connections must be between 1 and 16777216";
    }
    if (rcv_buffer < 4096 || snd_buffer < 4096) {
        return "tcp buffers must be at least 4096 bytes";
    }
    if (mss_clamp != 0 && mss_clamp < 88) {
        return "tcp mss-clamp must be 0 (automatic) or at least 88 bytes";
    }
    if (initcwnd == 0 || initcwnd > 1000) {
        return "tcp initcwnd must be between 1 and 1000 segments";
    }
    if (rto_min.ns <= 0 || rto_max < rto_min || rto_initial < rto_min) {
        return "tcp RTO bounds must satisfy 0 < rto-min <= rto-initial and rto-min <= rto-max";
    }
    if (fast_open_cache > (1u << 24)) {
        return "tcp fast-open-cache must be at most 16777216 servers";
    }
    return {};
}

TcpLayer::TcpLayer(const TcpConfig& config, MbufPool* pool, TcpLink* link, Counters* counters, uint64_t seed,
                   MbufPool* view_pool)
    : m_config(config),
      m_header_buffers(pool, buf::WarmFor::headers),
      m_view_buffers(view_pool != nullptr ? view_pool : pool, buf::WarmFor::views),
      m_link(link),
      m_counters(counters),
      m_flows(config.max_connections, seed),
      m_timers(config.max_connections),
      m_ooo_pool(std::max<uint32_t>(1024, config.max_connections * 4)),
      m_fast_open_cache(config.fast_open_cache, seed ^ 0x7f4a7c15u),
      m_rst_limit(config.rst_rate, std::max<uint32_t>(1, config.rst_rate / 10)),
      m_challenge_limit(config.challenge_ack_rate, std::max<uint32_t>(1, config.challenge_ack_rate / 10)) {
    m_burst_acks.reserve(kMaxBurstAcks);
    m_slots.reserve(config.max_connections);
    m_free_slots.reserve(config.max_connections);
    for (uint32_t i = 0; i < config.max_connections; ++i) {
        m_slots.push_back(std::make_unique<Connection>(536));
    }
    for (uint32_t i = config.max_connections; i-- > 0;) {
        m_free_slots.push_back(i);
    }
    // RFC 6528 §3 and RFC 4987 §3.6: predictable keys would make ISNs and cookies
    // guessable, so a failure is an error the engine reports (setup_error), never ignored.
    m_secrets_ok = m_secrets.randomize();
    m_ts_offset = uint32_t(seed * 0x9e3779b9u);  // RFC 7323 §5.4: timestamps need not start at 0
}

TcpLayer::~TcpLayer() {
    for (auto& c : m_slots) {
        c->sndq.clear();
        c->ooo.clear(m_ooo_pool);
    }
}

Connection* TcpLayer::get(TcpHandle h) {
    if (h.index >= m_slots.size()) {
        return nullptr;
    }
    Connection& c = *m_slots[h.index];
    return c.in_use && c.generation == h.generation ? &c : nullptr;
}

const Connection* TcpLayer::get(TcpHandle h) const {
    return const_cast<TcpLayer*>(this)->get(h);
}

TcpHandle TcpLayer::handle_of(const Connection& c) const {
    return {c.slot_index, c.generation};
}

void Connection::reset_for_reuse() {
    state = TcpState::closed;
    passive = accepted = in_syn_queue = false;
    service = nullptr;
    user = nullptr;
    iss = snd_una = snd_nxt = snd_max = snd_wl1 = snd_wl2 = Seq();
    snd_wnd = max_snd_wnd = 0;
    snd_wscale = rcv_wscale = 0;
    irs = rcv_nxt = rcv_adv = Seq();
    rcv_unconsumed = 0;
    mss = peer_mss = 536;
    ts_ok = sack_ok = ws_ok = false;
    ts_recent = 0;
    ts_recent_at = Instant{};
    paws_reply_allowed_at = Instant{};
    last_ack_sent = last_ooo_seq = Seq();
    fin_queued = fin_sent = fin_received = fin_pending = false;
    syn_acked = fast_open = fast_open_reply_cookie = dsack_pending = false;
    syn_data = 0;
    segments_unacked = 0;
    quick_acks = 16;
    ack_now = ack_at_burst_end = nodelay = keepalive = want_send_space = false;
    keepalive_probes_sent = 0;
    trimmed_front = 0;
    rto_at = delack_at = keepalive_at = timewait_at = app_timer_at = Instant::never();
    retransmits = 0;
    persist = false;
    tail_probe = false;
    probe_sent = false;
    rtt_timing = false;
    in_recovery = false;
    watching_delivery = false;
    dupacks = 0;
    limited_bytes = 0;
    scoreboard.clear();
    cc.reset();
}

Connection* TcpLayer::allocate(const FlowKey& key) {
    if (m_free_slots.empty()) {
        m_counters->drop(DropReason::tcp_conn_table_full);
        return nullptr;
    }
    const uint32_t index = m_free_slots.back();
    if (!m_flows.insert(key, index)) {
        m_counters->drop(DropReason::tcp_conn_table_full);
        return nullptr;
    }
    m_free_slots.pop_back();
    Connection& c = *m_slots[index];
    const uint32_t generation = c.generation + 1;
    c.reset_for_reuse();
    c.slot_index = index;
    c.generation = generation;
    c.key = key;
    c.in_use = true;
    c.nodelay = !m_config.nagle;
    c.rtt = RttEstimator(RttOptions{m_config.rto_initial, m_config.rto_min, m_config.rto_max});
    ++m_gauges.connections;
    return &c;
}

void TcpLayer::enter_syn_queue(Connection& c) {
    c.in_syn_queue = true;
    ++m_syn_received[c.key.local_port];
    if (c.fast_open) {
        ++m_fast_open_pending[c.key.local_port];
    }
}

void TcpLayer::leave_syn_queue(Connection& c) {
    if (!c.in_syn_queue) {
        return;
    }
    c.in_syn_queue = false;
    --m_syn_received[c.key.local_port];
    if (c.fast_open) {
        --m_fast_open_pending[c.key.local_port];
    }
}

void TcpLayer::release(Connection& c) {
    set_state(c, TcpState::closed);
    m_timers.cancel(c.slot_index);
    m_flows.erase(c.key);
    c.sndq.clear();
    c.ooo.clear(m_ooo_pool);
    leave_syn_queue(c);
    c.in_use = false;
    c.service = nullptr;
    c.user = nullptr;
    m_free_slots.push_back(c.slot_index);
    --m_gauges.connections;
}

void TcpLayer::finish(Connection& c, CloseReason reason, Instant now) {
    TcpService* service = c.accepted ? c.service : nullptr;
    const TcpHandle h = handle_of(c);
    release(c);
    if (reason == CloseReason::normal) {
        m_counters->count(Event::tcp_closed);
    }
    if (service != nullptr) {
        service->on_closed(h, reason, now);
    }
}

void TcpLayer::set_state(Connection& c, TcpState s) {
    // Gauges follow the state so a stuck CLOSE-WAIT or a TIME-WAIT pile-up is visible.
    const auto adjust = [this](TcpState st, int d) {
        switch (st) {
        case TcpState::established:
            m_gauges.established += uint32_t(d);
            break;
        case TcpState::close_wait:
            m_gauges.close_wait += uint32_t(d);
            break;
        case TcpState::time_wait:
            m_gauges.time_wait += uint32_t(d);
            break;
        case TcpState::syn_received:
            m_gauges.syn_received += uint32_t(d);
            break;
        default:
            break;
        }
    };
    adjust(c.state, -1);
    adjust(s, +1);
    if (s == TcpState::established && c.state != TcpState::established) {
        m_counters->count(Event::tcp_established);
        c.round_end = c.snd_max;  // the first round ends with what the handshake sent
    }
    c.state = s;
}

void TcpLayer::rearm(Connection& c) {
    Instant next = earliest(earliest(earliest(c.rto_at, c.delack_at), earliest(c.keepalive_at, c.timewait_at)),
                            c.app_timer_at);
    if (m_timers.deadline_of(c.slot_index) != next) {
        m_timers.schedule(c.slot_index, next);
    }
}

uint16_t TcpLayer::mss_for(const FlowKey& key) const {
    // RFC 9293 §3.7.1: MTU minus the fixed IP and TCP headers.
    uint16_t mss = key.ipv6() ? 1500 - 40 - 20 : 1500 - 20 - 20;
    if (m_config.mss_clamp != 0) {
        mss = std::min(mss, m_config.mss_clamp);
    }
    return mss;
}

uint8_t TcpLayer::our_wscale() const {
    // RFC 7323 §2.3: the smallest shift that lets the whole buffer be advertised.
    uint8_t shift = 0;
    while (shift < kMaxWindowScale && (m_config.rcv_buffer >> shift) > 0xffff) {
        ++shift;
    }
    return shift;
}

uint32_t TcpLayer::rcv_window(const Connection& c) const {
    // The room the application has left: the buffer less what it holds unconsumed. Data held
    // out of order is not subtracted: it lies inside the window advertised already, whose
    // right edge must not move left (RFC 9293 §3.8.6, SHLD-14; window_field).
    return c.rcv_unconsumed >= m_config.rcv_buffer ? 0 : m_config.rcv_buffer - c.rcv_unconsumed;
}

uint16_t TcpLayer::window_field(const Connection& c, uint8_t shift) const {
    // RFC 9293 §3.8.6 (SHLD-14): the right edge RCV.NXT + RCV.WND never moves left, neither
    // when the room shrinks (the application holds data) nor by the truncation of a scaled
    // field (RFC 7323 §2.4): the field is rounded up to reach the edge advertised last.
    const uint32_t promised = uint32_t(std::max(0, c.rcv_adv - c.rcv_nxt));
    const uint32_t window = std::max(rcv_window(c), promised);
    uint32_t field = window >> shift;
    if ((field << shift) < promised) {
        ++field;  // window >= promised, so one step of 2^shift is enough
    }
    return uint16_t(std::min<uint32_t>(field, 0xffff));
}

uint16_t TcpLayer::advertise_window(Connection& c, uint8_t shift) {
    const uint16_t field = window_field(c, shift);
    c.rcv_adv = seq_max(c.rcv_adv, c.rcv_nxt + (uint32_t(field) << shift));
    return field;
}

void TcpLayer::setup_options(Connection& c, const TcpOptions& peer, bool ours_offered) {
    // RFC 9293 §3.7.1: send no more than the peer's MSS (536 when it sent none).
    c.peer_mss = peer.has_mss ? std::max<uint16_t>(peer.mss, 64) : 536;
    c.ts_ok = ours_offered && m_config.timestamps && peer.has_timestamps;
    c.sack_ok = ours_offered && m_config.sack && peer.sack_permitted;
    // RFC 7323 §2.2: scaling only when both sides sent the option; shifts above 14 are 14.
    if (ours_offered && m_config.window_scaling && peer.has_wscale) {
        c.snd_wscale = std::min<uint8_t>(peer.wscale, kMaxWindowScale);
        c.rcv_wscale = our_wscale();
    } else {
        c.snd_wscale = 0;
        c.rcv_wscale = 0;
    }
    const uint16_t options_overhead = c.ts_ok ? 12 : 0;  // RFC 7323 §3.2: 10 + 2 NOPs
    c.mss = uint16_t(std::min(c.peer_mss, mss_for(c.key)) - options_overhead);
    c.scoreboard.set_smss(c.mss);
    c.cc.emplace(m_config.congestion, c.mss, m_config.initcwnd);
}

// ---- application API ----

bool TcpLayer::listen(uint16_t port, TcpService* service) {
    if (port == 0 || m_listeners[port] != nullptr || service == nullptr) {
        return false;
    }
    m_listeners[port] = service;
    return true;
}

void TcpLayer::unlisten(uint16_t port) {
    m_listeners[port] = nullptr;
}

TcpHandle TcpLayer::connect(const Ipv6Addr& remote, uint16_t port, TcpService* service, Instant now,
                            const ConnectOptions& options) {
    m_timers.observe(now);
    FlowKey key;
    key.remote = remote;
    key.remote_port = port;
    const uint16_t local_port = options.local_port;
    const bool too_much = options.data != nullptr && buf::pkt_len(options.data) > m_config.snd_buffer;
    if (port == 0 || service == nullptr || too_much || !m_link->tcp_local_address(remote, key.local)) {
        buf::free(options.data);
        return {};
    }
    // Ephemeral ports (RFC 6335 §6: 49152-65535), skipping tuples in use.
    key.local_port = local_port;
    for (uint32_t tries = 0; local_port == 0 && tries < 16384; ++tries) {
        key.local_port = m_next_ephemeral;
        m_next_ephemeral = m_next_ephemeral == 65535 ? 49152 : uint16_t(m_next_ephemeral + 1);
        if (m_listeners[key.local_port] == nullptr && m_flows.find(key) == FlowTable::kNone &&
            (m_port_filter == nullptr || m_port_filter(m_port_filter_context, key))) {
            break;
        }
    }
    Connection* c = allocate(key);
    if (c == nullptr) {
        buf::free(options.data);
        return {};
    }
    c->service = service;
    c->accepted = true;
    c->fast_open = options.fast_open && m_config.fast_open;
    if (options.data != nullptr) {
        c->sndq.append(options.data);
    }
    const crypto::TcpFourTuple t{std::span(key.local.bytes), std::span(key.remote.bytes), key.local_port,
                                 key.remote_port};
    c->iss = Seq(m_secrets.isn(t, uint32_t(now.ns / 4000)));  // RFC 6528: 4 us clock
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->mss = mss_for(key);
    c->cc.emplace(m_config.congestion, c->mss, m_config.initcwnd);
    set_state(*c, TcpState::syn_sent);
    m_counters->count(Event::tcp_active_opens);
    send_syn(*c, false, now);
    return handle_of(*c);
}

bool TcpLayer::send(TcpHandle h, Mbuf* data, Instant now) {
    m_timers.observe(now);
    Connection* c = get(h);
    if (c == nullptr || c->fin_queued || data == nullptr) {
        return false;
    }
    switch (c->state) {
    case TcpState::syn_sent:
    case TcpState::syn_received:
    case TcpState::established:
    case TcpState::close_wait:
        break;
    default:
        return false;  // RFC 9293 §3.10.2: "connection closing"
    }
    if (c->sndq.bytes() + buf::pkt_len(data) > m_config.snd_buffer) {
        c->want_send_space = true;
        return false;
    }
    c->sndq.append(data);
    if (c->state != TcpState::syn_sent && may_send_data(*c)) {
        output(*c, now);
    }
    return true;
}

uint32_t TcpLayer::send_space(TcpHandle h) const {
    const Connection* c = get(h);
    if (c == nullptr || c->fin_queued) {
        return 0;
    }
    const uint32_t space = m_config.snd_buffer - std::min(m_config.snd_buffer, c->sndq.bytes());
    if (space < c->mss) {
        c->want_send_space = true;  // the caller will wait for on_send_space
    }
    return space;
}

void TcpLayer::request_send_space(TcpHandle h) const {
    if (const Connection* c = get(h)) {
        c->want_send_space = true;
    }
}

void TcpLayer::consume(TcpHandle h, uint32_t bytes, Instant now) {
    m_timers.observe(now);
    Connection* c = get(h);
    if (c == nullptr) {
        return;
    }
    const uint32_t before = rcv_window(*c);
    c->rcv_unconsumed -= std::min(bytes, c->rcv_unconsumed);
    // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce the reopened window once it
    // grew by a full segment or half the buffer, not byte by byte; and, as Linux does,
    // only when what the peer may still send has fallen to half the buffer and would at
    // least double. A service consuming as data arrives never shrinks the window, and
    // its ACKs follow the ordinary delayed-ACK policy.
    const uint32_t after = rcv_window(*c);
    const uint32_t advertised = uint32_t(std::max(0, c->rcv_adv - c->rcv_nxt));
    if (after > before && after > advertised && advertised <= m_config.rcv_buffer / 2 &&
        after >= 2 * advertised && after - advertised >= std::min<uint32_t>(c->mss, m_config.rcv_buffer / 2)) {
        c->ack_now = true;
        output(*c, now);
    }
}

void TcpLayer::close(TcpHandle h, Instant now) {
    m_timers.observe(now);
    Connection* c = get(h);
    if (c == nullptr || c->fin_queued) {
        return;
    }
    switch (c->state) {
    case TcpState::syn_sent:
        return finish(*c, CloseReason::aborted, now);  // RFC 9293 §3.10.4: delete the TCB
    case TcpState::syn_received:
    case TcpState::established:
    case TcpState::close_wait:
        c->fin_queued = true;
        output(*c, now);
        return;
    default:
        return;
    }
}

void TcpLayer::abort(TcpHandle h, Instant now) {
    m_timers.observe(now);
    Connection* c = get(h);
    if (c == nullptr) {
        return;
    }
    // RFC 9293 §3.10.5: RST in the synchronized states, then delete.
    if (c->state != TcpState::syn_sent && c->state != TcpState::time_wait) {
        TcpOptionsToSend none;
        send_bare(c->key, c->snd_nxt, c->rcv_nxt, flag::rst | flag::ack, 0, none, now);
        m_counters->count(Event::tcp_resets_sent);
    }
    c->service = nullptr;  // an aborting application is not called back
    finish(*c, CloseReason::aborted, now);
}

void TcpLayer::abort_all(Instant now) {
    for (auto& c : m_slots) {
        if (c->in_use) {
            abort(handle_of(*c), now);
        }
    }
}

void TcpLayer::abort_service(const TcpService* service, Instant now) {
    for (uint32_t port = 0; port < m_listeners.size(); ++port) {
        if (m_listeners[port] == service) {
            m_listeners[port] = nullptr;
        }
    }
    for (auto& c : m_slots) {
        if (c->in_use && c->service == service) {
            abort(handle_of(*c), now);
        }
    }
}

void TcpLayer::set_nodelay(TcpHandle h, bool on) {
    if (Connection* c = get(h)) {
        c->nodelay = on;
    }
}

void TcpLayer::set_keepalive(TcpHandle h, bool on, Instant now) {
    m_timers.observe(now);
    if (Connection* c = get(h)) {
        c->keepalive = on;
        c->keepalive_at = on ? now + m_config.keepalive_idle : Instant::never();
        rearm(*c);
    }
}

bool TcpLayer::set_app_timer(TcpHandle h, Instant at, Instant now) {
    m_timers.observe(now);
    Connection* c = get(h);
    if (c == nullptr) {
        return false;
    }
    c->app_timer_at = at;
    rearm(*c);
    return true;
}

void TcpLayer::set_user(TcpHandle h, void* user) {
    if (Connection* c = get(h)) {
        c->user = user;
    }
}

void* TcpLayer::user(TcpHandle h) const {
    const Connection* c = get(h);
    return c != nullptr ? c->user : nullptr;
}

const Connection* TcpLayer::connection(TcpHandle h) const {
    return get(h);
}

TcpState TcpLayer::state(TcpHandle h) const {
    const Connection* c = get(h);
    return c != nullptr ? c->state : TcpState::closed;
}

TcpGauges TcpLayer::gauges() const {
    TcpGauges g = m_gauges;
    g.ooo_nodes = m_ooo_pool.in_use();
    return g;
}

}  // namespace slip::stack::tcp
