// Datagrams in (RFC 9000 §12.2, §17; RFC 9001 §5): split into packets, the packets whose
// keys exist unprotected together, each processed in order, frames dispatched. A Handshake
// packet coalesced behind the Initial that brings its keys is opened in a second pass.
#include "stack/quic/connection.h"

#include <algorithm>

namespace slip::stack::quic {

namespace {

constexpr size_t kMaxPacketsPerDatagram = 8;

// RFC 9000 §13.2.1: whether the packet needs acknowledging, known before its frames act
// (the ACK tracker records it first, so a duplicate never acts twice). A malformed payload
// counts as ack-eliciting: processing it closes the connection anyway.
bool payload_is_ack_eliciting(std::span<const uint8_t> payload) {
    WireReader r(payload);
    while (!r.at_end()) {
        Frame f;
        if (parse_frame(r, f) != TransportError::no_error || is_ack_eliciting(f.type)) {
            return true;
        }
    }
    return false;
}

}  // namespace

const PacketKeySet* Connection::read_keys(PacketType type) const {
    if (type == PacketType::one_rtt) {
        return m_key_update.has_read() ? &m_key_update.read() : nullptr;
    }
    const PacketNumberSpace s = space_of(type);
    const SpaceKeys& k = m_handshake.keys(s);
    return type != PacketType::zero_rtt && k.has_read ? &k.read : nullptr;
}

void Connection::receive(std::span<uint8_t> datagram, uint64_t now_ns, void* buffer) {
    if (m_state == ConnectionState::closed || m_state == ConnectionState::draining) {
        return;
    }
    m_event_ns = now_ns;
    ++m_counters.datagrams_received;
    m_bytes_received += datagram.size();
    if (m_state == ConnectionState::closing) {
        m_close_pending = true;  // §10.2.1: answer with CONNECTION_CLOSE again
        return;
    }
    // 1: split the datagram (§12.2), checking each header (RFC 8999 first, then version 1).
    PacketHeader headers[kMaxPacketsPerDatagram];
    IncomingPacket packets[kMaxPacketsPerDatagram];
    size_t n = 0;
    std::span<uint8_t> rest = datagram;
    while (!rest.empty() && n < kMaxPacketsPerDatagram) {
        PacketHeader& h = headers[n];
        if (parse_packet_header(rest, m_local_cid.size(), h) != HeaderStatus::ok) {
            ++m_counters.dropped_malformed;  // the rest of the datagram cannot be found
            break;
        }
        if (h.type == PacketType::retry) {
            on_retry(h, rest.first(h.packet_size), now_ns);
            return;
        }
        if (h.type == PacketType::version_negotiation) {
            on_version_negotiation(h);
            return;
        }
        IncomingPacket& in = packets[n];
        in.packet = rest.first(h.packet_size);
        in.pn_offset = h.pn_offset;
        rest = rest.subspan(h.packet_size);
        // §5.2: ours, or (server, Initial and 0-RTT) the DCID the client chose for them.
        const bool initial_dcid = m_role == Role::server && h.is_long() && m_initial_dcid == h.dcid;
        if (!(m_local_cid == h.dcid) && !m_local_cids.contains(h.dcid) && !initial_dcid) {
            ++m_counters.dropped_unknown_cid;  // §5.2: not for this connection
            continue;
        }
        if (h.type == PacketType::zero_rtt) {
            ++m_counters.dropped_zero_rtt;
            continue;
        }
        ++n;
    }
    m_rx_buffer = buffer;
    // 2: unprotect what has keys, process in order; 3: again for packets whose keys the
    // first ones brought (a Handshake packet behind the Initial carrying the ServerHello).
    bool opened[kMaxPacketsPerDatagram] = {};
    for (int pass = 0; pass < 2; ++pass) {
        IncomingPacket* batch[kMaxPacketsPerDatagram];
        IncomingPacket burst[kMaxPacketsPerDatagram];
        size_t index[kMaxPacketsPerDatagram];
        size_t m = 0;
        for (size_t i = 0; i < n; ++i) {
            if (opened[i]) {
                continue;
            }
            const PacketKeySet* keys = read_keys(headers[i].type);
            if (keys == nullptr) {
                continue;
            }
            IncomingPacket& in = packets[i];
            const AckTracker& acks = space(space_of(headers[i].type)).acks;
            in.keys = keys;
            if (headers[i].type == PacketType::one_rtt) {
                in.next_keys = m_key_update.read_next();
                in.previous_keys = m_key_update.read_previous();
                in.key_phase = m_key_update.phase();
                in.phase_start = m_key_update.phase_start();
            }
            in.has_largest = acks.has_received();
            in.largest_received = acks.largest_received();
            burst[m] = in;
            index[m] = i;
            batch[m] = &packets[i];
            ++m;
        }
        if (m == 0) {
            break;
        }
        m_protection.unprotect(std::span(burst, m));
        for (size_t k = 0; k < m; ++k) {
            opened[index[k]] = true;
            *batch[k] = burst[k];
            process_packet(headers[index[k]], *batch[k], now_ns);
            if (m_state == ConnectionState::closing || m_state == ConnectionState::draining) {
                return;
            }
        }
    }
    for (size_t i = 0; i < n; ++i) {
        m_counters.dropped_no_keys += opened[i] ? 0 : 1;
    }
}

// The outcome of opening the packet: counted drops, or PROTOCOL_VIOLATION for reserved bits
// set once protection is removed (RFC 9000 §17.2).
bool Connection::check_packet(const IncomingPacket& in) {
    if (in.status == OpenStatus::auth_failed) {
        ++m_counters.dropped_auth_failed;
        if (m_qlog != nullptr) {
            m_qlog->packet_dropped(m_event_ns, PacketType::one_rtt, in.packet.size(), "payload_decrypt_error");
        }
        // RFC 9001 §6.6: past the integrity limit (2^36 forgeries for ChaCha20-Poly1305,
        // 2^52 for AES-GCM) the connection ends.
        const bool chacha =
            m_handshake.keys(PacketNumberSpace::application).algorithm == crypto::AeadAlgorithm::chacha20_poly1305;
        if (m_counters.dropped_auth_failed >= (uint64_t(1) << (chacha ? 36 : 52))) {
            close(TransportError::aead_limit_reached, 0, m_last_activity_ns);
        }
        return false;
    }
    if (in.status == OpenStatus::no_keys || in.status == OpenStatus::too_short) {
        ++m_counters.dropped_no_keys;
        return false;
    }
    if (in.status == OpenStatus::reserved_bits) {
        close(TransportError::protocol_violation, 0, m_last_activity_ns);
        return false;
    }
    return true;
}

void Connection::process_packet(const PacketHeader& h, IncomingPacket& in, uint64_t now_ns) {
    const PacketNumberSpace s = space_of(h.type);
    if (!check_packet(in)) {
        return;
    }
    // A duplicate is dropped before its frames do anything twice (§12.3).
    bool ack_eliciting = payload_is_ack_eliciting(in.payload);
    if (space(s).acks.on_packet_received(in.packet_number, ack_eliciting, now_ns) != ReceiveResult::accepted) {
        ++m_counters.dropped_duplicate;
        if (m_qlog != nullptr) {
            m_qlog->packet_dropped(now_ns, h.type, in.packet.size(), "duplicate");
        }
        return;
    }
    if (m_qlog != nullptr) {
        m_qlog->packet_received(now_ns, h.type, in.packet_number.raw(), in.packet.size(), in.payload);
    }
    if (h.type == PacketType::one_rtt && !on_one_rtt_packet(in, now_ns)) {
        return;
    }
    ++m_counters.packets_received;
    m_last_activity_ns = now_ns;  // RFC 9000 §10.1: a packet processed restarts the idle timer
    if (m_role == Role::client && !m_got_server_packet) {
        on_first_packet_from_server(h);
    }
    if (m_role == Role::server && h.type == PacketType::handshake) {
        // RFC 9000 §8.1: a Handshake packet proves the client got our Initial (unless a
        // Retry token did already); RFC 9001 §4.9.1: the server's Initial keys go with it
        // either way, or Initial probes would follow a confirmed handshake.
        if (!m_address_validated) {
            m_address_validated = true;
            m_loss.set_at_amplification_limit(false, now_ns);
        }
        discard_space(PacketNumberSpace::initial, now_ns);
    }
    m_data_not_kept = false;
    const TransportError e = process_frames(s, h.type, in.payload, h.dcid, ack_eliciting, now_ns);
    if (e != TransportError::no_error) {
        close(e, 0, now_ns);
        return;
    }
    // STREAM data that could not be held: the packet goes unacknowledged, so the peer
    // declares it lost and sends the data again (RFC 9000 §13.3).
    if (m_data_not_kept && !space(s).acks.forget(in.packet_number)) {
        close(TransportError::internal_error, 0, now_ns);
        return;
    }
    after_handshake_progress(now_ns);
}

// RFC 9000 §7.2: the client switches its DCID to the server's SCID on the first packet.
void Connection::on_first_packet_from_server(const PacketHeader& h) {
    m_got_server_packet = true;
    ConnectionId scid;
    ConnectionId::from(h.scid, scid);
    m_peer_cid = scid;
    m_peer_cids.set_handshake_cid(scid, nullptr);
    m_handshake.expect_connection_ids(scid, m_original_dcid, m_retried ? &m_retry_scid : nullptr);
}

// RFC 9000 §17.2.5.2: a client accepts one Retry, before any other packet from the server,
// with a valid integrity tag (RFC 9001 §5.8), a token, and an SCID other than the DCID it
// sent; then it starts over with the Retry's SCID as DCID and the token in every Initial.
// RFC 9002 §6.3: loss recovery and congestion control start over too.
void Connection::on_retry(const PacketHeader& h, std::span<const uint8_t> packet, uint64_t now_ns) {
    const bool acceptable = m_role == Role::client && !m_got_server_packet && !m_retried && !h.token.empty() &&
                            h.token.size() <= m_token.size() && !(m_initial_dcid == h.scid) &&
                            m_local_cid == h.dcid &&
                            crypto::verify_retry(m_protection.aead(), crypto::QuicVersion::v1, m_initial_dcid.span(),
                                                 packet);
    if (!acceptable) {
        ++m_counters.dropped_retry;
        return;
    }
    m_retried = true;
    ConnectionId::from(h.scid, m_retry_scid);
    m_peer_cid = m_retry_scid;
    m_initial_dcid = m_retry_scid;
    std::copy(h.token.begin(), h.token.end(), m_token.begin());
    m_token_len = h.token.size();
    if (!m_handshake.restart_initial(m_retry_scid)) {
        close(TransportError::internal_error, 0, now_ns);
        return;
    }
    m_loss.restart_after_retry(now_ns);
    space(PacketNumberSpace::initial).probes = 0;
}

// RFC 9000 §6.2: a client that gets Version Negotiation before anything else, not listing
// the version it chose, gives up (we speak version 1 only); one listing it is discarded.
void Connection::on_version_negotiation(const PacketHeader& h) {
    if (m_role != Role::client || m_got_server_packet) {
        return;
    }
    WireReader r(h.versions);
    while (!r.at_end()) {
        if (r.u32() == kVersion1) {
            return;
        }
    }
    m_close_error = TransportError::no_viable_path;  // no common version
    m_closed_by_peer = true;
    m_state = ConnectionState::closed;
}

TransportError Connection::process_frames(PacketNumberSpace s, PacketType type, std::span<const uint8_t> payload,
                                          std::span<const uint8_t> dcid, bool& ack_eliciting, uint64_t now_ns) {
    // RFC 9000 §12.4: a packet without frames is PROTOCOL_VIOLATION.
    if (payload.empty()) {
        return TransportError::protocol_violation;
    }
    WireReader r(payload);
    while (!r.at_end()) {
        Frame f;
        const TransportError e = parse_frame(r, f);
        if (e != TransportError::no_error) {
            return e;
        }
        if (!frame_allowed_in(f.type, type)) {
            return TransportError::protocol_violation;
        }
        ack_eliciting = ack_eliciting || is_ack_eliciting(f.type);
        const TransportError fe = on_frame(s, f, dcid, now_ns);
        if (fe != TransportError::no_error || m_state == ConnectionState::draining) {
            return fe;
        }
    }
    return TransportError::no_error;
}

TransportError Connection::on_frame(PacketNumberSpace s, const Frame& f, std::span<const uint8_t> dcid,
                                    uint64_t now_ns) {
    switch (f.type) {
    case FrameType::padding:
    case FrameType::ping:
        return TransportError::no_error;
    case FrameType::ack:
    case FrameType::ack_ecn: {
        const uint64_t exponent = m_handshake.has_peer_params() ? m_handshake.peer_params().ack_delay_exponent : 3;
        const TransportError e = m_loss.on_ack_received(s, f.ack, decode_ack_delay(f.ack.delay, exponent), now_ns);
        qlog_metrics(now_ns);
        return e;
    }
    case FrameType::crypto:
        return m_handshake.on_crypto(s, f.crypto.offset, f.crypto.data);
    case FrameType::handshake_done:
        // RFC 9000 §19.20: only a server sends it.
        if (m_role == Role::server) {
            return TransportError::protocol_violation;
        }
        m_handshake.confirm();
        m_key_update.set_confirmed();
        m_loss.on_handshake_confirmed(now_ns);
        discard_space(PacketNumberSpace::handshake, now_ns);  // RFC 9001 §4.9.2
        return TransportError::no_error;
    case FrameType::connection_close:
    case FrameType::connection_close_app:
        m_close_application = f.type == FrameType::connection_close_app;
        m_application_error = m_close_application ? f.close.error_code : 0;
        if (m_qlog != nullptr) {
            m_qlog->connection_closed(now_ns, false, f.close.error_code, m_close_application);
        }
        m_close_error = m_close_application ? TransportError::application_error : TransportError(f.close.error_code);
        m_closed_by_peer = true;
        enter_draining(now_ns);
        return TransportError::no_error;
    case FrameType::new_connection_id:
        return m_peer_cids.on_new_connection_id(f.new_cid);
    case FrameType::retire_connection_id: {
        ConnectionId retired;
        bool found = false;
        return m_local_cids.retire(f.sequence, dcid, retired, found);
    }
    case FrameType::new_token:
        // RFC 9000 §19.7: only a server sends it; a client keeps the latest for its next
        // connection (one too long to keep is ignored, §8.1.3 allows that).
        if (m_role == Role::server) {
            return TransportError::protocol_violation;
        }
        if (f.token.size() <= kMaxToken) {
            std::copy(f.token.begin(), f.token.end(), m_received_token.begin());
            m_received_token_len = f.token.size();
        }
        return TransportError::no_error;
    case FrameType::stream: {
        bool kept = true;
        const TransportError e = m_streams.on_stream(f.stream, m_rx_buffer, kept);
        m_data_not_kept = m_data_not_kept || !kept;
        return e;
    }
    case FrameType::reset_stream:
        return m_streams.on_reset_stream(f.reset);
    case FrameType::stop_sending:
        return m_streams.on_stop_sending(f.reset.stream_id, f.reset.error_code);
    case FrameType::max_data:
        m_streams.on_max_data(f.maximum);
        return TransportError::no_error;
    case FrameType::max_stream_data:
        return m_streams.on_max_stream_data(f.stream_id, f.maximum);
    case FrameType::max_streams_bidi:
    case FrameType::max_streams_uni:
        m_streams.on_max_streams(f.type == FrameType::max_streams_uni, f.maximum);
        return TransportError::no_error;
    case FrameType::stream_data_blocked:
        return m_streams.on_stream_data_blocked(f.stream_id);
    case FrameType::path_challenge:
        // RFC 9000 §8.2.2: echoed on the path it came on (the only one we use).
        std::copy(f.path_data.begin(), f.path_data.end(), m_path_response.begin());
        m_path_response_pending = true;
        return TransportError::no_error;
    case FrameType::path_response:
        // §8.2.3: one that matches no challenge we sent is ignored.
        if (std::equal(f.path_data.begin(), f.path_data.end(), m_path_challenge.begin())) {
            ++m_path_validated;
        }
        return TransportError::no_error;
    default:
        return TransportError::no_error;  // DATA_BLOCKED, STREAMS_BLOCKED: nothing to do
    }
}

// RFC 9001 §6.2, §6.3: which phase an opened 1-RTT packet belongs to. Its Key Phase bit is
// read again here (not only when it was opened): a burst may hold several packets of the
// peer's new phase, and only the first of them is the update.
bool Connection::on_one_rtt_packet(const IncomingPacket& in, uint64_t now_ns) {
    const bool bit = (in.first_byte & 0x04) != 0;
    if (bit == m_key_update.phase()) {
        m_key_update.on_current_phase_packet(in.packet_number);
    } else if (in.opened_with == KeyChoice::previous) {
        m_key_update.on_previous_phase_packet();
    } else if (!m_key_update.on_peer_update(in.packet_number, now_ns, three_ptos())) {
        close(TransportError::internal_error, 0, now_ns);
        return false;
    } else if (m_qlog != nullptr) {
        const KeyUpdateCounters& c = m_key_update.counters();
        m_qlog->key_updated(now_ns, false, c.initiated + c.followed);
    }
    return true;
}

// RFC 9001 §4.1.2 and §4.9.2: the server confirms at completion and says so with
// HANDSHAKE_DONE; Handshake keys go at confirmation.
void Connection::after_handshake_progress(uint64_t now_ns) {
    take_one_rtt_keys();
    if (m_state != ConnectionState::handshaking || !m_handshake.complete()) {
        return;
    }
    m_state = ConnectionState::established;
    if (m_handshake.has_peer_params()) {
        m_loss.set_peer_max_ack_delay(m_handshake.peer_params().max_ack_delay_ms * kNanosPerMilli);
        m_streams.on_peer_params(m_handshake.peer_params());
        if (m_qlog != nullptr) {
            m_qlog->parameters_set(now_ns, false, m_handshake.peer_params());
        }
    }
    if (m_role == Role::server) {
        m_handshake.confirm();
        m_key_update.set_confirmed();
        m_handshake_done_pending = true;
        m_loss.on_handshake_confirmed(now_ns);
        discard_space(PacketNumberSpace::handshake, now_ns);
    }
}

}  // namespace slip::stack::quic
