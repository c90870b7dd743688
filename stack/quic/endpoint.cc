#include "stack/quic/endpoint.h"

#include <algorithm>

#include "crypto/quic_keys.h"

namespace slip::stack::quic {

namespace {

// RFC 9000 §10.3: a reset looks like a short header packet: at least 21 bytes (5 random,
// 16 token), and always shorter than what triggered it so that two endpoints cannot keep
// resetting each other.
constexpr size_t kMinStatelessReset = 21;
constexpr size_t kMaxStatelessReset = 43;

uint64_t millis(uint64_t ns) { return ns / kNanosPerMilli; }

}  // namespace

std::string EndpointOptions::validate() const {
    if (std::string e = cids.validate(); !e.empty()) {
        return e;
    }
    if (max_connections == 0) {
        return "quic: max connections is 0; allow at least one";
    }
    const TransportParameters& p = connection.params;
    // Every stream the peer may open at once has a slot in its connection's table, made
    // when the connection is: the limits bound memory per connection.
    if (p.initial_max_streams_bidi + p.initial_max_streams_uni > kMaxPeerStreams) {
        return "quic: " + std::to_string(p.initial_max_streams_bidi + p.initial_max_streams_uni) +
               " concurrent peer streams per connection is more than " + std::to_string(kMaxPeerStreams) +
               "; lower the stream limits";
    }
    // Received data is held in place, at most StreamReceive::kMaxPieces pieces a stream: a
    // window larger than those pieces can hold would be granted and then not honoured.
    const uint64_t window = std::max({p.initial_max_stream_data_bidi_local, p.initial_max_stream_data_bidi_remote,
                                      p.initial_max_stream_data_uni});
    if (window > kMaxStreamWindow) {
        return "quic: a stream window of " + std::to_string(window) + " bytes is more than the " +
               std::to_string(kMaxStreamWindow) + " a stream holds in received packet buffers; lower it";
    }
    if (connection.max_datagram_size < kMinInitialDatagram) {
        return "quic: max datagram size " + std::to_string(connection.max_datagram_size) +
               " is below the 1200 bytes QUIC requires (RFC 9000 §14)";
    }
    return {};
}

Endpoint::Endpoint(const EndpointOptions& options, PacketProtection& protection, crypto::TlsContext& tls,
                   EndpointSecrets& secrets, RandomSource& random)
    : m_options(options),
      m_protection(protection),
      m_tls(tls),
      m_secrets(secrets),
      m_random(random),
      m_layout(options.cids),
      // Two CIDs a connection: ours and the client's first DCID.
      m_table(2 * size_t(options.max_connections), secrets.table_key),
      m_slots(options.max_connections),
      m_ready(options.max_connections),
      m_in_ready(options.max_connections, 0),
      m_deadlines(options.max_connections, kNoDeadline),
      m_reset_budget(options.stateless_resets_per_second, options.stateless_resets_per_second) {
    m_options.connection.role = Role::server;
    m_options.connection.params.disable_active_migration = true;  // see deliver()
    m_free.reserve(options.max_connections);
    for (uint32_t i = options.max_connections; i > 0; --i) {
        m_free.push_back(i - 1);
    }
}

Endpoint::~Endpoint() = default;

void Endpoint::receive(std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns, void* buffer) {
    m_rx_buffer = buffer;
    ++m_counters.datagrams;
    if (datagram.empty()) {
        ++m_counters.dropped_malformed;
        return;
    }
    if ((datagram[0] & 0x80) != 0) {
        receive_long(datagram, from, now_ns);
    } else {
        receive_short(datagram, from, now_ns);
    }
}

void Endpoint::receive_long(std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns) {
    // RFC 8999 first: version and IDs are readable whatever the version.
    uint32_t version = 0;
    std::span<const uint8_t> dcid, scid;
    if (!parse_invariant_long_header(datagram, version, dcid, scid)) {
        ++m_counters.dropped_malformed;
        return;
    }
    if (version == kVersionNegotiation) {
        // RFC 9000 §6.2: for one of our client connections, which decides what it means.
        if (const uint32_t slot = m_table.find(dcid); slot != CidTable::kNone && !m_slots[slot].accepted) {
            deliver(slot, datagram, from, now_ns);
        } else {
            ++m_counters.dropped_unknown;
        }
        return;
    }
    if (version != kVersion1) {
        // RFC 9000 §6.1: only for datagrams a client's first flight could be (§14.1), so a
        // small spoofed packet cannot make us send more than it.
        if (version != kVersionNegotiation && datagram.size() >= kMinInitialDatagram) {
            send_version_negotiation(dcid, scid, from);
        } else {
            ++m_counters.dropped_unknown;
        }
        return;
    }
    if (const uint32_t slot = m_table.find(dcid); slot != CidTable::kNone) {
        deliver(slot, datagram, from, now_ns);
        return;
    }
    PacketHeader h;
    if (parse_packet_header(datagram, m_layout.length(), h) != HeaderStatus::ok) {
        ++m_counters.dropped_malformed;
        return;
    }
    if (h.type != PacketType::initial || !m_options.accept_clients) {
        ++m_counters.dropped_unknown;  // 0-RTT or Handshake for no connection, or not a server
        return;
    }
    if (datagram.size() < kMinInitialDatagram) {
        ++m_counters.dropped_small_initial;  // §14.1
        return;
    }
    accept_initial(h, datagram, from, now_ns);
}

void Endpoint::receive_short(std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns) {
    if (datagram.size() < 1 + m_layout.length()) {
        ++m_counters.dropped_malformed;
        return;
    }
    const std::span<const uint8_t> dcid = datagram.subspan(1, m_layout.length());
    if (const uint32_t slot = m_table.find(dcid); slot != CidTable::kNone) {
        deliver(slot, datagram, from, now_ns);
        return;
    }
    send_stateless_reset(dcid, datagram.size(), from, now_ns);
}

void Endpoint::deliver(uint32_t slot, std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns) {
    Slot& s = m_slots[slot];
    // RFC 9000 §9: a new address is a migration, or a NAT rebinding. Either needs path
    // validation (§8.2) before anything is sent there, which is not built: the datagram is
    // dropped and counted, the connection stays on its validated path, and our transport
    // parameters say disable_active_migration so that a compliant client does not try.
    if (!(from == s.peer)) {
        ++m_counters.dropped_other_address;
        return;
    }
    s.conn->receive(datagram, now_ns, m_rx_buffer);
    if (s.handshaking && s.conn->state() != ConnectionState::handshaking) {
        s.handshaking = false;
        --m_handshakes;
    }
    if (s.conn->state() == ConnectionState::closed) {
        reap(slot);
        return;
    }
    m_deadlines[slot] = s.conn->next_timeout();
    make_ready(slot);
}

// m_in_ready: 0 not on the ring; 1 on it with the application's turn due; 2 on it, turn
// taken (something new, a datagram or a timer, makes the turn due again).
void Endpoint::make_ready(uint32_t slot) {
    if (m_in_ready[slot] != 0) {
        m_in_ready[slot] = 1;
        return;
    }
    m_in_ready[slot] = 1;
    m_ready[(m_ready_head + m_ready_count) % m_ready.size()] = slot;
    ++m_ready_count;
}

void Endpoint::accept_initial(const PacketHeader& h, std::span<uint8_t> datagram, const PeerAddress& from,
                              uint64_t now_ns) {
    HandshakeIds ids;
    ConnectionId::from(h.scid, ids.peer);
    ConnectionId::from(h.dcid, ids.initial_dcid);
    ids.original_dcid = ids.initial_dcid;
    bool validated = false;
    if (!h.token.empty() && m_secrets.tokens != nullptr) {
        crypto::TokenClaims claims;
        const crypto::TokenVerdict v = m_secrets.tokens->validate(h.token, from.bytes(), from.port, millis(now_ns),
                                                                  m_options.token_lifetimes, claims);
        if (v == crypto::TokenVerdict::valid) {
            ++m_counters.tokens_valid;
            validated = true;
            if (claims.kind == crypto::TokenKind::retry) {
                // RFC 9000 §7.3: the server names the DCID before the Retry, and the Retry's.
                ConnectionId::from(std::span<const uint8_t>(claims.odcid.data(), claims.odcid_len), ids.original_dcid);
                ids.retried = true;
            }
        } else {
            ++m_counters.tokens_invalid;  // §8.1.3: proceed as if there were none
        }
    }
    const bool retry = m_options.retry_always || handshakes() >= m_options.retry_above_handshakes;
    if (!validated && retry && m_secrets.tokens != nullptr && m_secrets.engine != nullptr) {
        send_retry(h, from, now_ns);
        return;
    }
    if (m_free.empty() || m_table.size() + 2 > m_table.capacity()) {
        ++m_counters.refused_full;
        return;
    }
    ids.local = new_cid();
    ConnectionOptions o = m_options.connection;
    o.reset_token = m_secrets.reset_key.token(ids.local.span());
    const uint32_t slot = m_free.back();
    m_free.pop_back();
    o.qlog = m_qlog != nullptr ? m_qlog->open(slot, Role::server, ids.original_dcid.span()) : nullptr;
    Slot& s = m_slots[slot];
    s.conn = std::make_unique<Connection>(o, m_protection, m_tls, ids, now_ns);
    s.conn->set_activity_hook(this, slot);
    s.accepted = true;
    s.peer = from;
    s.initial_dcid = ids.initial_dcid;
    s.handshaking = true;
    ++m_handshakes;
    if (validated) {
        s.conn->set_address_validated(now_ns);
    }
    offer_new_token(*s.conn, from, now_ns);
    m_table.insert(ids.local, slot);
    m_table.insert(ids.initial_dcid, slot);
    ++m_live;
    ++m_counters.accepted;
    if (m_application != nullptr) {
        m_application->on_accepted(slot, *s.conn, now_ns);
    }
    deliver(slot, datagram, from, now_ns);
}

uint32_t Endpoint::connect(const PeerAddress& server, crypto::TlsContext& client_tls, const ConnectionOptions& options,
                           uint64_t now_ns) {
    if (m_free.empty() || m_table.size() + 1 > m_table.capacity() || options.role != Role::client) {
        ++m_counters.refused_full;
        return kNoSlot;
    }
    HandshakeIds ids;
    ids.local = new_cid();
    // RFC 9000 §7.2: at least 8 unpredictable bytes for the server's Initial keys.
    std::array<uint8_t, 8> random{};
    m_random.fill(random);
    ConnectionId::from(random, ids.peer);
    ids.initial_dcid = ids.peer;
    ids.original_dcid = ids.peer;
    const uint32_t slot = m_free.back();
    m_free.pop_back();
    Slot& s = m_slots[slot];
    ConnectionOptions o = options;
    o.qlog = m_qlog != nullptr ? m_qlog->open(slot, Role::client, ids.original_dcid.span()) : nullptr;
    s.conn = std::make_unique<Connection>(o, m_protection, client_tls, ids, now_ns);
    s.conn->set_activity_hook(this, slot);
    s.accepted = false;
    s.peer = server;
    s.initial_dcid = ConnectionId{};
    s.handshaking = false;  // Retry's threshold counts the handshakes clients open with us
    m_table.insert(ids.local, slot);
    ++m_live;
    ++m_counters.connected;
    m_deadlines[slot] = s.conn->next_timeout();
    make_ready(slot);  // its first Initial
    return slot;
}

// RFC 9000 §8.1.3: a token bound to the client's address (not its port), for its next
// connection to skip address validation; one AEAD call when the connection is made.
void Endpoint::offer_new_token(Connection& c, const PeerAddress& to, uint64_t now_ns) {
    if (m_secrets.tokens == nullptr) {
        return;
    }
    crypto::TokenClaims claims;
    claims.kind = crypto::TokenKind::new_token;
    claims.issued_ms = millis(now_ns);
    std::copy(to.addr.begin(), to.addr.begin() + to.len, claims.addr.begin());
    claims.addr_len = to.len;
    std::array<uint8_t, crypto::kMaxAddressTokenLen> token{};
    const size_t n = m_secrets.tokens->issue(claims, token);
    if (n > 0) {
        c.offer_new_token(std::span<const uint8_t>(token.data(), n));
        ++m_counters.new_tokens;
    }
}

ConnectionId Endpoint::new_cid() {
    std::array<uint8_t, kMaxConnectionIdLength> random{};
    for (;;) {
        m_random.fill(std::span(random.data(), m_layout.nonce_length()));
        const ConnectionId cid = m_layout.make(m_options.core, random);
        if (m_table.find(cid.span()) == CidTable::kNone) {
            return cid;
        }
    }
}

Endpoint::Stateless* Endpoint::queue_stateless(const PeerAddress& to) {
    if (m_stateless_count == m_stateless.size()) {
        ++m_counters.stateless_queue_full;
        return nullptr;
    }
    Stateless& s = m_stateless[(m_stateless_head + m_stateless_count++) % m_stateless.size()];
    s.to = to;
    s.len = 0;
    return &s;
}

void Endpoint::send_version_negotiation(std::span<const uint8_t> dcid, std::span<const uint8_t> scid,
                                        const PeerAddress& to) {
    Stateless* s = queue_stateless(to);
    if (s == nullptr) {
        return;
    }
    uint8_t unused = 0;
    m_random.fill(std::span(&unused, 1));
    // RFC 9000 §6.3: a reserved version (0x?a?a?a?a) beside ours, so clients never come to
    // depend on the list being exactly what they expect.
    const uint32_t versions[] = {kVersion1, 0x1a2a3a4a};
    WireWriter w(s->bytes);
    if (write_version_negotiation(w, dcid, scid, versions, unused)) {
        s->len = uint16_t(w.size());
        ++m_counters.version_negotiations;
    } else {
        --m_stateless_count;
    }
}

// RFC 9000 §8.1.2, §17.2.5: a new SCID for the client to use, a token binding its address
// and the DCID it chose, and the integrity tag of RFC 9001 §5.8.
void Endpoint::send_retry(const PacketHeader& h, const PeerAddress& to, uint64_t now_ns) {
    crypto::TokenClaims claims;
    claims.kind = crypto::TokenKind::retry;
    claims.issued_ms = millis(now_ns);
    std::copy(to.addr.begin(), to.addr.begin() + to.len, claims.addr.begin());
    claims.addr_len = to.len;
    claims.port = to.port;
    std::copy(h.dcid.begin(), h.dcid.end(), claims.odcid.begin());
    claims.odcid_len = uint8_t(h.dcid.size());
    std::array<uint8_t, crypto::kMaxAddressTokenLen> token{};
    const size_t token_len = m_secrets.tokens->issue(claims, token);
    Stateless* s = token_len == 0 ? nullptr : queue_stateless(to);
    if (s == nullptr) {
        return;
    }
    const ConnectionId scid = new_cid();
    uint8_t unused = 0;
    m_random.fill(std::span(&unused, 1));
    WireWriter w(std::span(s->bytes).first(s->bytes.size() - crypto::kAeadTagLen));
    if (!write_retry_without_tag(w, kVersion1, h.scid, scid.span(), std::span(token.data(), token_len), unused) ||
        !crypto::retry_integrity_tag(*m_secrets.engine, crypto::QuicVersion::v1, h.dcid, w.written(),
                                     std::span<uint8_t, crypto::kAeadTagLen>(s->bytes.data() + w.size(),
                                                                             crypto::kAeadTagLen))) {
        --m_stateless_count;
        return;
    }
    s->len = uint16_t(w.size() + crypto::kAeadTagLen);
    ++m_counters.retries;
}

void Endpoint::send_stateless_reset(std::span<const uint8_t> dcid, size_t received, const PeerAddress& to,
                                    uint64_t now_ns) {
    // §10.3.3: shorter than what came in, and no more often than the budget allows.
    if (received <= kMinStatelessReset || !m_reset_budget.take(Instant{now_ns})) {
        ++m_counters.stateless_resets_limited;
        return;
    }
    Stateless* s = queue_stateless(to);
    if (s == nullptr) {
        return;
    }
    const size_t len = std::min(received - 1, kMaxStatelessReset);
    m_random.fill(std::span(s->bytes.data(), len - kStatelessResetTokenLength));
    s->bytes[0] = uint8_t((s->bytes[0] & 0x3f) | 0x40);  // looks like a short header (§10.3)
    const crypto::StatelessResetToken token = m_secrets.reset_key.token(dcid);
    std::copy(token.begin(), token.end(), s->bytes.begin() + long(len - kStatelessResetTokenLength));
    s->len = uint16_t(len);
    ++m_counters.stateless_resets;
}

size_t Endpoint::send(std::span<uint8_t> out, PeerAddress& to, uint64_t now_ns) {
    if (m_stateless_count > 0) {
        const Stateless& s = m_stateless[m_stateless_head];
        m_stateless_head = (m_stateless_head + 1) % m_stateless.size();
        --m_stateless_count;
        if (s.len <= out.size()) {
            std::copy_n(s.bytes.begin(), s.len, out.begin());
            to = s.to;
            return s.len;
        }
    }
    // Round robin over the ready ring: a connection that sent goes to the back (one
    // datagram each in turn); one with nothing more leaves it, its deadline refreshed.
    while (m_ready_count > 0) {
        const uint32_t slot = m_ready[m_ready_head];
        m_ready_head = (m_ready_head + 1) % m_ready.size();
        --m_ready_count;
        Slot& s = m_slots[slot];
        if (s.conn != nullptr && m_application != nullptr && m_in_ready[slot] == 1) {
            m_in_ready[slot] = 2;
            m_turn_slot = slot;  // its own acts during its turn need no further turn
            m_application->on_turn(slot, *s.conn, now_ns);
            m_turn_slot = kNoSlot;
        }
        const size_t n = s.conn != nullptr ? s.conn->send(out, now_ns) : 0;
        if (n > 0) {
            m_ready[(m_ready_head + m_ready_count) % m_ready.size()] = slot;
            ++m_ready_count;
            to = s.peer;
            return n;
        }
        m_in_ready[slot] = 0;
        if (s.conn != nullptr) {
            m_deadlines[slot] = s.conn->next_timeout();
        }
    }
    return 0;
}

uint64_t Endpoint::next_timeout() const {
    uint64_t t = kNoDeadline;
    for (const uint64_t d : m_deadlines) {
        t = std::min(t, d);
    }
    return t;
}

void Endpoint::on_timeout(uint64_t now_ns) {
    for (uint32_t i = 0; i < m_slots.size(); ++i) {
        if (m_deadlines[i] > now_ns) {
            continue;
        }
        Slot& s = m_slots[i];
        if (s.conn == nullptr) {
            m_deadlines[i] = kNoDeadline;
            continue;
        }
        if (s.conn->next_timeout() <= now_ns) {
            s.conn->on_timeout(now_ns);
        }
        if (s.conn->state() == ConnectionState::closed) {
            reap(i);
            continue;
        }
        m_deadlines[i] = s.conn->next_timeout();
        make_ready(i);  // probes, ACKs or a CONNECTION_CLOSE may be due
    }
}

void Endpoint::reap(uint32_t slot) {
    Slot& s = m_slots[slot];
    m_table.erase(s.conn->local_cid().span());
    if (s.initial_dcid.size() > 0) {
        m_table.erase(s.initial_dcid.span());
    }
    if (s.handshaking) {
        s.handshaking = false;
        --m_handshakes;
    }
    s.conn.reset();
    if (m_application != nullptr) {
        m_application->on_freed(slot);
    }
    if (m_qlog != nullptr) {
        m_qlog->close(slot);
    }
    m_deadlines[slot] = kNoDeadline;  // a ready ring entry of the slot is skipped when met
    m_free.push_back(slot);
    --m_live;
}

}  // namespace slip::stack::quic
