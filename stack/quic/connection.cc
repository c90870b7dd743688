#include "stack/quic/connection.h"

#include <algorithm>

#include "stack/quic/cubic.h"
#include "stack/quic/newreno.h"

namespace slip::stack::quic {

namespace {

AckTrackerConfig ack_config(PacketNumberSpace s, const TransportParameters& ours) {
    AckTrackerConfig c;
    c.space = s;
    c.max_ack_delay_ns = ours.max_ack_delay_ms * kNanosPerMilli;
    c.ack_delay_exponent = ours.ack_delay_exponent;
    return c;
}

LossDetectionConfig loss_config(const ConnectionOptions& o) {
    LossDetectionConfig c;
    c.role = o.role;
    c.max_sent_packets = o.max_sent_packets;
    return c;
}

// When nobody counts buffer references, the caller keeps the memory alive itself.
class NoBufferOwner final : public RxBufferOwner, public TxBufferOwner {
public:
    static NoBufferOwner& instance() {
        static NoBufferOwner owner;
        return owner;
    }
    void retain(void*) override {}
    void release(void*) override {}
};

std::unique_ptr<CongestionController> make_congestion_controller(const ConnectionOptions& o) {
    if (o.congestion == CongestionAlgorithm::newreno) {
        return std::make_unique<NewReno>(o.max_datagram_size);
    }
    return std::make_unique<Cubic>(o.max_datagram_size);
}

}  // namespace

const char* to_string(ConnectionState s) {
    switch (s) {
    case ConnectionState::handshaking: return "handshaking";
    case ConnectionState::established: return "established";
    case ConnectionState::closing: return "closing";
    case ConnectionState::draining: return "draining";
    case ConnectionState::closed: return "closed";
    }
    return "?";
}

Connection::Connection(const ConnectionOptions& options, PacketProtection& protection, crypto::TlsContext& tls,
                       const HandshakeIds& ids, uint64_t now_ns)
    : m_options(options),
      m_role(options.role),
      m_protection(protection),
      m_handshake(protection),
      m_cc(make_congestion_controller(options)),
      m_loss(loss_config(options), *m_cc, *this),
      m_sent_frames(kPacketNumberSpaceCount * options.max_sent_packets),
      m_spaces{{SpaceState(ack_config(PacketNumberSpace::initial, options.params)),
               SpaceState(ack_config(PacketNumberSpace::handshake, options.params)),
               SpaceState(ack_config(PacketNumberSpace::application, options.params))}},
      m_local_cid(ids.local),
      m_peer_cid(ids.peer),
      m_initial_dcid(ids.initial_dcid),
      m_original_dcid(ids.original_dcid),
      m_streams(options.role, options.params, options.max_local_streams,
                options.rx_owner != nullptr ? *options.rx_owner : NoBufferOwner::instance(),
                options.tx_owner != nullptr ? *options.tx_owner : NoBufferOwner::instance()),
      m_key_update(protection),
      m_pacer(options.max_datagram_size),
      m_address_validated(options.role == Role::client),
      m_last_activity_ns(now_ns) {
    m_streams.set_activity(this);
    m_event_ns = now_ns;
    if (options.qlog != nullptr) {
        m_qlog = std::make_unique<QlogWriter>(*options.qlog, m_role, ids.original_dcid.span(), now_ns);
        m_qlog->parameters_set(now_ns, true, options.params);
    }
    if (m_role == Role::client && options.token_len > 0 && options.token_len <= kMaxToken) {
        std::copy_n(options.token.begin(), options.token_len, m_token.begin());
        m_token_len = options.token_len;
    }
    TransportParameters ours = options.params;
    // RFC 9000 §7.3: both sides name the SCID of their first packet; the server also the
    // client's original DCID, and its stateless reset token (§10.3).
    ours.initial_source_connection_id = ids.local;
    ours.has_initial_source_connection_id = true;
    m_local_cids.set_handshake_cid(ids.local, options.reset_token);
    TransportError e;
    if (m_role == Role::server) {
        ours.original_destination_connection_id = ids.original_dcid;
        ours.has_original_destination_connection_id = true;
        if (ids.retried) {
            ours.retry_source_connection_id = ids.initial_dcid;  // the Retry's SCID
            ours.has_retry_source_connection_id = true;
        }
        ours.stateless_reset_token = options.reset_token;
        ours.has_stateless_reset_token = true;
        m_peer_cids.set_handshake_cid(ids.peer, nullptr);
        m_handshake.expect_connection_ids(ids.peer, ids.original_dcid, nullptr);
        e = m_handshake.start_server(tls, ours, ids.initial_dcid);
    } else {
        e = m_handshake.start_client(tls, ours, ids.initial_dcid);
    }
    if (e != TransportError::no_error) {
        close(e, 0, now_ns);
    }
}

uint64_t Connection::three_ptos() const {
    // RFC 9000 §10.2: closing and draining last three times the current PTO.
    const RttEstimator& rtt = m_loss.rtt();
    const uint64_t pto = rtt.smoothed_rtt() + std::max<uint64_t>(4 * rtt.rttvar(), kGranularityNs);
    return 3 * pto;
}

// RFC 9000 §10.1: the smaller of both sides' max_idle_timeout (0: none), and never less than
// three PTOs, so a few lost probes do not end a live connection.
uint64_t Connection::idle_timeout_ns() const {
    uint64_t ms = m_options.params.max_idle_timeout_ms;
    if (m_handshake.has_peer_params()) {
        const uint64_t peer = m_handshake.peer_params().max_idle_timeout_ms;
        ms = ms == 0 ? peer : peer == 0 ? ms : std::min(ms, peer);
    }
    if (ms == 0) {
        return kNoDeadline;
    }
    return std::max(ms * kNanosPerMilli, three_ptos());
}

uint64_t Connection::next_timeout() const {
    if (m_state == ConnectionState::closed) {
        return kNoDeadline;
    }
    if (m_state == ConnectionState::closing || m_state == ConnectionState::draining) {
        return m_close_deadline_ns;
    }
    uint64_t t = m_loss.timer();
    for (PacketNumberSpace s : {PacketNumberSpace::initial, PacketNumberSpace::handshake,
                                PacketNumberSpace::application}) {
        // An ACK is only due where it can be sent: not in a space whose keys are gone.
        if (space(s).acks.ack_eliciting_pending() && m_handshake.keys(s).has_write) {
            t = std::min(t, space(s).acks.ack_deadline());
        }
    }
    const uint64_t idle = idle_timeout_ns();
    if (idle != kNoDeadline) {
        t = std::min(t, m_last_activity_ns + idle);
    }
    // Stream data held back by the pacer goes when the bucket has refilled.
    if (m_state == ConnectionState::established && m_cc->can_send(m_loss.bytes_in_flight()) &&
        m_streams.wants_to_send()) {
        const uint64_t ready = m_pacer.ready_at(pacing_rate());
        if (ready != 0) {
            t = std::min(t, ready);
        }
    }
    return std::min(t, m_key_update.deadline());
}

void Connection::qlog_metrics(uint64_t now_ns) {
    if (m_qlog == nullptr) {
        return;
    }
    const RttEstimator& rtt = m_loss.rtt();
    m_qlog->metrics_updated(now_ns, QlogMetrics{rtt.min_rtt(), rtt.smoothed_rtt(), rtt.latest_rtt(), rtt.rttvar(),
                                                m_cc->congestion_window(), m_loss.bytes_in_flight()});
}

void Connection::on_timeout(uint64_t now_ns) {
    m_event_ns = now_ns;
    if (m_state == ConnectionState::closing || m_state == ConnectionState::draining) {
        if (now_ns >= m_close_deadline_ns) {
            m_state = ConnectionState::closed;
        }
        return;
    }
    if (m_state == ConnectionState::closed) {
        return;
    }
    const uint64_t idle = idle_timeout_ns();
    if (idle != kNoDeadline && now_ns >= m_last_activity_ns + idle) {
        // RFC 9000 §10.1: silently closed, no CONNECTION_CLOSE.
        m_close_error = TransportError::no_error;
        m_state = ConnectionState::closed;
        return;
    }
    m_key_update.on_timeout(now_ns);
    const LossTimeout t = m_loss.on_timeout(now_ns);
    if (t.action == TimeoutAction::probe) {
        probe(t.space, 2);  // RFC 9002 §6.2.4: one or two; two survive a single loss
        // An Initial probe during the handshake goes with a Handshake one (§6.2.4: the
        // peer may hold Handshake data it cannot use without ours).
        if (t.space == PacketNumberSpace::initial && m_handshake.keys(PacketNumberSpace::handshake).has_write) {
            probe(PacketNumberSpace::handshake, 1);
        }
    } else if (t.action == TimeoutAction::anti_deadlock_probe) {
        const bool handshake = m_handshake.keys(PacketNumberSpace::handshake).has_write;
        probe(handshake ? PacketNumberSpace::handshake : PacketNumberSpace::initial, 1);
    }
}

// RFC 9002 §6.2.4: probes carry data when there is some: CRYPTO bytes not acknowledged yet
// go again (new data would come first, and there is none during the handshake), else PING.
void Connection::probe(PacketNumberSpace s, uint32_t packets) {
    if (m_handshake.keys_discarded(s) || !m_handshake.keys(s).has_write) {
        return;
    }
    CryptoSendStream& crypto = m_handshake.crypto_out(s);
    crypto.lost(0, crypto.end());  // what is acknowledged stays acknowledged
    space(s).probes = std::max(space(s).probes, packets);
}

void Connection::close(TransportError error, uint64_t frame_type, uint64_t now_ns) {
    if (m_state == ConnectionState::closing || m_state == ConnectionState::draining ||
        m_state == ConnectionState::closed) {
        return;
    }
    if (m_qlog != nullptr) {
        m_qlog->connection_closed(now_ns, true, m_close_application ? m_application_error : uint64_t(error),
                                  m_close_application);
    }
    m_close_error = error;
    m_close_frame_type = frame_type;
    m_close_pending = true;
    m_state = ConnectionState::closing;
    m_close_deadline_ns = now_ns + three_ptos();
    on_stream_activity();  // CONNECTION_CLOSE is due
}

// RFC 9001 §6.6: AES-GCM's confidentiality limit is 2^23 packets per key; we update at
// half of it. ChaCha20-Poly1305's is beyond any connection.
uint64_t Connection::key_update_interval() const {
    if (m_options.key_update_packets != 0) {
        return m_options.key_update_packets;
    }
    const crypto::AeadAlgorithm alg = m_handshake.keys(PacketNumberSpace::application).algorithm;
    return alg == crypto::AeadAlgorithm::chacha20_poly1305 ? UINT64_MAX : uint64_t(1) << 22;
}

bool Connection::initiate_key_update(uint64_t now_ns) {
    if (m_state != ConnectionState::established || !m_key_update.initiate(now_ns, three_ptos())) {
        return false;
    }
    if (m_qlog != nullptr) {
        const KeyUpdateCounters& c = m_key_update.counters();
        m_qlog->key_updated(now_ns, true, c.initiated + c.followed);
    }
    return true;
}

// The 1-RTT keys TLS made go to the key update state, which owns them from then on.
void Connection::take_one_rtt_keys() {
    const SpaceKeys& k = m_handshake.keys(PacketNumberSpace::application);
    bool ok = true;
    if (k.has_read && !m_key_update.has_read()) {
        ok = m_key_update.install_read(k.algorithm, k.read_secret, k.read);
    }
    if (k.has_write && !m_key_update.has_write()) {
        ok = ok && m_key_update.install_write(k.algorithm, k.write_secret, k.write);
    }
    if (m_handshake.confirmed()) {
        m_key_update.set_confirmed();
    }
    if (!ok) {
        close(TransportError::internal_error, 0, m_last_activity_ns);
    }
}

void Connection::offer_new_token(std::span<const uint8_t> token) {
    if (m_role != Role::server || token.empty() || token.size() > kMaxToken) {
        return;
    }
    std::copy(token.begin(), token.end(), m_new_token.begin());
    m_new_token_len = token.size();
    m_new_token_pending = true;
}

void Connection::close_application(uint64_t error_code, uint64_t now_ns) {
    if (m_state == ConnectionState::closing || m_state == ConnectionState::draining ||
        m_state == ConnectionState::closed) {
        return;
    }
    m_close_application = true;
    m_application_error = error_code;
    close(TransportError::application_error, 0, now_ns);
}

void Connection::enter_draining(uint64_t now_ns) {
    // RFC 9000 §10.2.2: nothing more is sent, not even our own CONNECTION_CLOSE.
    m_state = ConnectionState::draining;
    m_close_pending = false;
    m_close_deadline_ns = now_ns + three_ptos();
}

void Connection::discard_space(PacketNumberSpace s, uint64_t now_ns) {
    if (m_handshake.keys_discarded(s)) {
        return;
    }
    m_handshake.discard_keys(s);
    m_loss.discard_space(s, now_ns);  // on_packet_discarded frees each record
    space(s).probes = 0;
}

void Connection::on_packet_acked(PacketNumberSpace s, const SentPacket& p) {
    SentFrames& f = m_sent_frames.at(p.token);
    for (uint8_t i = 0; i < f.crypto_count; ++i) {
        m_handshake.crypto_out(s).acked(f.crypto[i].offset, f.crypto[i].length);
    }
    m_streams.on_acked(f);
    if (s == PacketNumberSpace::application) {
        m_key_update.on_packet_acked(p.packet_number);
    }
    if (f.has_ack) {
        space(s).acks.on_ack_of_ack(f.ack_largest);  // RFC 9000 §13.2.4
    }
    if (f.retire_cid) {
        m_peer_cids.retirement_sent(f.retired_sequence);
    }
    m_sent_frames.give_back(p.token);
}

void Connection::on_packet_lost(PacketNumberSpace s, const SentPacket& p) {
    SentFrames& f = m_sent_frames.at(p.token);
    // RFC 9000 §13.3: what still matters goes again in new packets.
    for (uint8_t i = 0; i < f.crypto_count; ++i) {
        m_handshake.crypto_out(s).lost(f.crypto[i].offset, f.crypto[i].length);
    }
    m_streams.on_lost(f);
    if (m_qlog != nullptr) {
        m_qlog->packet_lost(m_event_ns, s, p.packet_number.raw());
    }
    if (f.handshake_done && m_state == ConnectionState::established) {
        m_handshake_done_pending = true;
    }
    m_new_token_pending = m_new_token_pending || f.new_token;  // RFC 9000 §13.3
    if (f.retire_cid) {
        m_peer_cids.retirement_lost(f.retired_sequence);
    }
    m_sent_frames.give_back(p.token);
}

void Connection::on_packet_discarded(PacketNumberSpace, const SentPacket& p) { m_sent_frames.give_back(p.token); }

}  // namespace slip::stack::quic
