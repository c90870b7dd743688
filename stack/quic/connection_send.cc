// Datagrams out (RFC 9000 §12.2, §13, §14; RFC 9002 §6-7): one packet per packet number
// space with something to say, coalesced into one datagram, ACKs first, then CRYPTO,
// HANDSHAKE_DONE and probes; padded where §14.1 asks, held to 3x what was received before
// the client's address is validated (§8.1), and protected together in one burst.
#include "stack/quic/connection.h"

#include <algorithm>

namespace slip::stack::quic {

namespace {

constexpr PacketNumberSpace kSpaces[] = {PacketNumberSpace::initial, PacketNumberSpace::handshake,
                                         PacketNumberSpace::application};
constexpr size_t kTagLength = crypto::kAeadTagLen;
constexpr size_t kMaxAckIntervals = 32;
// RFC 9001 §5.4.2: the header protection sample needs 4 bytes of packet number and payload
// in front of it.
constexpr size_t kMinPnAndPayload = 4;

PacketType packet_type_of(PacketNumberSpace s) {
    return s == PacketNumberSpace::initial     ? PacketType::initial
           : s == PacketNumberSpace::handshake ? PacketType::handshake
                                               : PacketType::one_rtt;
}

}  // namespace

uint64_t Connection::pacing_rate() const {
    return m_loss.rtt().has_sample() ? m_cc->pacing_rate(m_loss.rtt()) : UINT64_MAX;
}

// Stream frames go once established, within the congestion window and the pacer's rate.
bool Connection::streams_may_send(uint64_t now_ns) const {
    return m_state == ConnectionState::established && m_cc->can_send(m_loss.bytes_in_flight()) &&
           m_pacer.can_send(now_ns, pacing_rate());
}

// 1-RTT keys come from the key update state (the current phase's); the others from TLS.
const PacketKeySet* Connection::write_keys(PacketNumberSpace s) const {
    return s == PacketNumberSpace::application ? &m_key_update.write() : &m_handshake.keys(s).write;
}

size_t Connection::amplification_allowance() const {
    if (m_address_validated) {
        return SIZE_MAX;
    }
    // RFC 9000 §8.1: three times what the client sent, before its address is validated.
    const uint64_t limit = 3 * m_bytes_received;
    return limit > m_bytes_sent ? size_t(limit - m_bytes_sent) : 0;
}

bool Connection::space_has_data(PacketNumberSpace s, uint64_t now_ns) const {
    const SpaceKeys& k = m_handshake.keys(s);
    if (!k.has_write || !m_loss.can_send_in(s)) {
        return false;
    }
    const SpaceState& st = space(s);
    if (st.probes > 0 || m_handshake.crypto_out(s).has_pending()) {
        return true;
    }
    if (st.acks.ack_eliciting_pending() && st.acks.should_send_ack(now_ns)) {
        return true;
    }
    uint64_t retire = 0;
    const bool new_token = m_new_token_pending && m_handshake.confirmed();
    return s == PacketNumberSpace::application &&
           (m_handshake_done_pending || new_token || m_path_response_pending || m_path_challenge_pending || m_peer_cids.next_retirement(retire) ||
            (streams_may_send(now_ns) && m_streams.wants_to_send()));
}

size_t Connection::write_frames(PacketNumberSpace s, WireWriter& w, SentFrames& record, uint64_t now_ns,
                                bool& ack_eliciting) {
    SpaceState& st = space(s);
    // ACK first (§13.2): whenever there is something unacknowledged, it rides along.
    if (st.acks.has_unacknowledged()) {
        AckInterval intervals[kMaxAckIntervals];
        const size_t n = st.acks.ack_intervals(intervals);
        if (n == 0) {
            st.acks.on_ack_sent();  // every interval was forgotten: nothing to say
        } else if (write_ack(w, std::span(intervals, n), st.acks.ack_delay_field(now_ns), n)) {
            record.has_ack = true;
            record.ack_largest = PacketNumber(intervals[0].largest);
            st.acks.on_ack_sent();
        }
    }
    const bool congestion_ok = st.probes > 0 || m_cc->can_send(m_loss.bytes_in_flight());
    if (!congestion_ok) {
        return w.size();
    }
    if (s == PacketNumberSpace::application && m_handshake_done_pending) {
        w.u8(uint8_t(FrameType::handshake_done));
        record.handshake_done = true;
        m_handshake_done_pending = false;
        ack_eliciting = true;
    }
    CryptoSendStream& crypto = m_handshake.crypto_out(s);
    uint64_t offset = 0;
    std::span<const uint8_t> bytes;
    while (record.crypto_count < SentFrames::kMaxCryptoRanges && w.room() > 16 + kTagLength &&
           crypto.next(w.room() - 16 - kTagLength, offset, bytes)) {
        write_crypto_frame_header(w, offset, bytes.size());
        w.bytes(bytes);
        crypto.sent(offset, bytes.size());
        record.crypto[record.crypto_count++] = {offset, uint32_t(bytes.size())};
        ack_eliciting = true;
    }
    // RFC 9000 §8.1.3: a token for the client's next connection, once confirmed.
    if (s == PacketNumberSpace::application && m_new_token_pending && m_handshake.confirmed() &&
        w.room() > m_new_token_len + 16 + kTagLength) {
        w.u8(uint8_t(FrameType::new_token));
        w.varint(m_new_token_len);
        w.bytes(std::span<const uint8_t>(m_new_token.data(), m_new_token_len));
        m_new_token_pending = false;
        record.new_token = true;
        ack_eliciting = true;
    }
    // RFC 9000 §8.2.2: PATH_RESPONSE is not sent again if lost (a new challenge comes).
    if (s == PacketNumberSpace::application && m_path_response_pending && w.room() > 16 + kTagLength) {
        w.u8(uint8_t(FrameType::path_response));
        w.bytes(m_path_response);
        m_path_response_pending = false;
        ack_eliciting = true;
    }
    if (s == PacketNumberSpace::application && m_path_challenge_pending && w.room() > 16 + kTagLength) {
        w.u8(uint8_t(FrameType::path_challenge));
        w.bytes(m_path_challenge);
        m_path_challenge_pending = false;
        ack_eliciting = true;
    }
    uint64_t retire = 0;
    if (s == PacketNumberSpace::application && m_peer_cids.next_retirement(retire) && w.room() > 16 + kTagLength) {
        w.u8(uint8_t(FrameType::retire_connection_id));
        w.varint(retire);
        m_peer_cids.retirement_sent(retire);
        record.retire_cid = true;
        record.retired_sequence = retire;
        ack_eliciting = true;
    }
    if (s == PacketNumberSpace::application && streams_may_send(now_ns)) {
        m_streams.write(w, kTagLength, record, ack_eliciting);
    }
    if (st.probes > 0 && !ack_eliciting) {
        w.u8(uint8_t(FrameType::ping));  // RFC 9002 §6.2.4: a probe must elicit an ACK
        ack_eliciting = true;
    }
    return w.size();
}

size_t Connection::build_packet(PacketNumberSpace s, std::span<uint8_t> out, uint64_t now_ns, OutgoingPacket& built,
                                SentPacket& sent, BuiltHeader& h) {
    uint32_t token = 0;
    if (out.size() < 64 || !m_sent_frames.take(token)) {
        return 0;
    }
    SpaceState& st = space(s);
    SentFrames& record = m_sent_frames.at(token);
    record.space = s;
    const uint64_t pn = st.next_packet_number;
    const size_t pn_length =
        packet_number_length(PacketNumber(pn), m_loss.largest_acked(s), m_loss.has_largest_acked(s));
    WireWriter w(out.first(out.size() - kTagLength));
    const bool header_ok =
        s == PacketNumberSpace::application
            ? write_short_header(w, m_peer_cid.span(), pn, pn_length, m_key_update.phase(), false, h)
            : write_long_header(w, packet_type_of(s), kVersion1, m_peer_cid.span(), m_local_cid.span(),
                                std::span<const uint8_t>(m_token.data(), s == PacketNumberSpace::initial ? m_token_len : 0),
                                pn, pn_length, h);
    bool ack_eliciting = false;
    const size_t header_end = w.size();
    if (header_ok) {
        write_frames(s, w, record, now_ns, ack_eliciting);
    }
    if (!header_ok || w.size() == header_end || !w.ok()) {
        m_sent_frames.give_back(token);
        return 0;
    }
    // The sample needs 4 bytes of packet number and payload (RFC 9001 §5.4.2).
    const size_t payload = w.size() - header_end;
    if (pn_length + payload < kMinPnAndPayload) {
        w.zeros(kMinPnAndPayload - pn_length - payload);
    }
    const size_t size = w.size() + kTagLength;
    if (s != PacketNumberSpace::application) {
        patch_long_header_length(w, h, size - h.pn_offset);
    }
    built = OutgoingPacket{out.first(size), h.pn_offset, pn_length, pn, write_keys(s)};
    sent = SentPacket{PacketNumber(pn), now_ns, uint32_t(size), token, ack_eliciting, ack_eliciting};
    ++st.next_packet_number;
    if (ack_eliciting && st.probes > 0) {
        --st.probes;
    }
    return size;
}

// The last packet of a datagram grows by `pad` zero bytes (PADDING frames) between its
// frames and the tag's room; a long header's Length follows.
void Connection::pad_last_packet(OutgoingPacket& last, PacketNumberSpace s, const BuiltHeader& h, size_t pad) {
    uint8_t* const start = last.packet.data();
    const size_t old_size = last.packet.size();
    std::fill_n(start + old_size - kTagLength, pad, uint8_t(0));
    last.packet = std::span<uint8_t>(start, old_size + pad);
    if (s != PacketNumberSpace::application) {
        WireWriter w(last.packet);
        patch_long_header_length(w, BuiltHeader{0, h.length_offset, h.pn_offset, h.pn_length},
                                 last.packet.size() - h.pn_offset);
    }
}

size_t Connection::send(std::span<uint8_t> out, uint64_t now_ns) {
    if (m_state == ConnectionState::closed || m_state == ConnectionState::draining) {
        return 0;
    }
    m_event_ns = now_ns;
    if (m_state == ConnectionState::closing) {
        return send_closing(out);
    }
    // RFC 9001 §6.6: a new key before the confidentiality limit of this one.
    if (m_key_update.packets_in_phase() >= key_update_interval()) {
        (void)initiate_key_update(now_ns);
    }
    const size_t budget = std::min({out.size(), m_options.max_datagram_size, amplification_allowance()});
    OutgoingPacket packets[kPacketNumberSpaceCount];
    SentPacket sent[kPacketNumberSpaceCount];
    PacketNumberSpace spaces[kPacketNumberSpaceCount];
    BuiltHeader headers[kPacketNumberSpaceCount];
    size_t count = 0;
    size_t used = 0;
    bool has_initial = false;
    bool initial_ack_eliciting = false;
    for (PacketNumberSpace s : kSpaces) {
        if (!space_has_data(s, now_ns)) {
            continue;
        }
        if (budget < kMinInitialDatagram && !m_address_validated) {
            ++m_counters.amplification_blocked;  // §8.1: wait for more from the client
            break;
        }
        const size_t n =
            build_packet(s, out.subspan(used, budget - used), now_ns, packets[count], sent[count], headers[count]);
        if (n == 0) {
            continue;
        }
        spaces[count] = s;
        has_initial = has_initial || s == PacketNumberSpace::initial;
        initial_ack_eliciting = initial_ack_eliciting || (s == PacketNumberSpace::initial && sent[count].ack_eliciting);
        used += n;
        ++count;
    }
    if (count == 0) {
        return 0;
    }
    // RFC 9000 §14.1: a client pads every datagram carrying an Initial to 1200 bytes, a
    // server those with an ack-eliciting Initial. The padding goes inside the last packet.
    if ((m_role == Role::client && has_initial) || (m_role == Role::server && initial_ack_eliciting)) {
        const size_t target = std::min(kMinInitialDatagram, budget);
        if (used < target) {
            const size_t pad = target - used;
            pad_last_packet(packets[count - 1], spaces[count - 1], headers[count - 1], pad);
            sent[count - 1].bytes += uint32_t(pad);
            sent[count - 1].in_flight = true;  // §14.1 padding counts in flight (RFC 9002 §2)
            used += pad;
        }
    }
    m_protection.protect(std::span(packets, count));
    bool ack_eliciting = false;
    for (size_t i = 0; i < count; ++i) {
        if (m_qlog != nullptr) {
            m_qlog->packet_sent(now_ns, packet_type_of(spaces[i]), sent[i].packet_number.raw(), sent[i].bytes,
                                m_sent_frames.at(sent[i].token));
        }
        m_loss.on_packet_sent(spaces[i], sent[i]);
        if (spaces[i] == PacketNumberSpace::application) {
            m_key_update.on_packet_sent(sent[i].packet_number);
            if (sent[i].ack_eliciting) {
                m_pacer.on_sent(now_ns, sent[i].bytes, pacing_rate());
            }
        }
        ack_eliciting = ack_eliciting || sent[i].ack_eliciting;
        if (spaces[i] == PacketNumberSpace::handshake) {
            m_sent_handshake_packet = true;
        }
    }
    m_counters.packets_sent += count;
    m_bytes_sent += used;
    if (ack_eliciting) {
        m_last_activity_ns = std::max(m_last_activity_ns, now_ns);
    }
    // RFC 9001 §4.9.1: a client discards its Initial keys once it sends a Handshake packet.
    if (m_role == Role::client && m_sent_handshake_packet) {
        discard_space(PacketNumberSpace::initial, now_ns);
    }
    if (!m_address_validated) {
        m_loss.set_at_amplification_limit(amplification_allowance() == 0, now_ns);
    }
    return used;
}

// RFC 9000 §10.2.1, §10.2.3: CONNECTION_CLOSE in every space we can still write, once per
// trigger (our close, or a packet arriving while closing).
size_t Connection::send_closing(std::span<uint8_t> out) {
    if (!m_close_pending) {
        return 0;
    }
    m_close_pending = false;
    const size_t budget = std::min({out.size(), m_options.max_datagram_size, amplification_allowance()});
    OutgoingPacket packets[kPacketNumberSpaceCount];
    size_t count = 0;
    size_t used = 0;
    for (PacketNumberSpace s : kSpaces) {
        const SpaceKeys& k = m_handshake.keys(s);
        if (!k.has_write || budget - used < 64) {
            continue;
        }
        SpaceState& st = space(s);
        const uint64_t pn = st.next_packet_number++;
        std::span<uint8_t> room = out.subspan(used, budget - used);
        WireWriter w(room.first(room.size() - kTagLength));
        BuiltHeader h;
        const bool ok = s == PacketNumberSpace::application
                            ? write_short_header(w, m_peer_cid.span(), pn, 4, m_key_update.phase(), false, h)
                            : write_long_header(w, packet_type_of(s), kVersion1, m_peer_cid.span(),
                                                m_local_cid.span(), {}, pn, 4, h);
        Frame f;
        f.type = FrameType::connection_close;
        f.close.error_code = uint64_t(m_close_error);
        f.close.frame_type = m_close_frame_type;
        // RFC 9000 §10.2.3: the application's code only where the peer can tell it is
        // authenticated (1-RTT); before that, APPLICATION_ERROR in a transport close.
        if (m_close_application && s == PacketNumberSpace::application) {
            f.type = FrameType::connection_close_app;
            f.close.error_code = m_application_error;
        }
        if (!ok || !write_frame(w, f)) {
            continue;
        }
        const size_t size = w.size() + kTagLength;
        if (s != PacketNumberSpace::application) {
            patch_long_header_length(w, h, size - h.pn_offset);
        }
        packets[count++] = OutgoingPacket{room.first(size), h.pn_offset, 4, pn, write_keys(s)};
        used += size;
    }
    m_protection.protect(std::span(packets, count));
    m_bytes_sent += used;
    return used;
}

}  // namespace slip::stack::quic
