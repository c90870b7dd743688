#include "stack/quic/connection_streams.h"

#include <algorithm>

namespace slip::stack::quic {

namespace {

// The largest control frame: a type and three 8-byte varints (RESET_STREAM, §19.4).
constexpr size_t kMaxControlFrame = 25;
// A STREAM frame header at most: type, ID, offset and a 4-byte length (§19.8).
constexpr size_t kMaxStreamHeader = 1 + 8 + 8 + 4;
constexpr size_t kReadParts = 8;

Role other(Role r) { return r == Role::client ? Role::server : Role::client; }

}  // namespace

ConnectionStreams::ConnectionStreams(Role role, const TransportParameters& ours, size_t max_local_streams,
                                     RxBufferOwner& rx, TxBufferOwner& tx)
    : m_role(role),
      m_ours(ours),
      m_max_local_streams(max_local_streams),
      m_table(std::max<size_t>(1, size_t(ours.initial_max_streams_bidi + ours.initial_max_streams_uni) +
                                      max_local_streams),
              rx, tx),
      m_window(ours.initial_max_data),
      m_peer_bidi(ours.initial_max_streams_bidi),
      m_peer_uni(ours.initial_max_streams_uni),
      m_events(new uint32_t[m_table.capacity()]) {}

void ConnectionStreams::on_peer_params(const TransportParameters& peer) {
    m_peer = peer;
    m_peer_known = true;
    m_credit.raise(peer.initial_max_data);
    m_local_bidi.raise(peer.initial_max_streams_bidi);
    m_local_uni.raise(peer.initial_max_streams_uni);
    for (size_t i = 0; i < m_table.capacity(); ++i) {
        Stream& s = m_table.at(uint32_t(i));
        if (!s.in_use || !s.sends) {
            continue;
        }
        const bool ours = initiated_by(s.id, m_role);
        s.credit.raise(is_unidirectional(s.id) ? peer.initial_max_stream_data_uni
                       : ours                  ? peer.initial_max_stream_data_bidi_remote
                                               : peer.initial_max_stream_data_bidi_local);
    }
}

// A new stream in the table, with the windows and credits RFC 9000 §18.2 gives its type.
bool ConnectionStreams::make(uint64_t id, bool opened_by_peer) {
    uint32_t index = 0;
    if (!m_table.take(id, index)) {
        return false;
    }
    Stream& s = m_table.at(index);
    const bool uni = is_unidirectional(id);
    s.receives = we_receive_on(id, m_role);
    s.sends = we_send_on(id, m_role);
    if (uni) {
        s.window = ReceiveWindow(opened_by_peer ? m_ours.initial_max_stream_data_uni : 0);
        s.credit = SendCredit(opened_by_peer ? 0 : m_peer.initial_max_stream_data_uni);
    } else if (opened_by_peer) {
        s.window = ReceiveWindow(m_ours.initial_max_stream_data_bidi_remote);
        s.credit = SendCredit(m_peer.initial_max_stream_data_bidi_local);
    } else {
        s.window = ReceiveWindow(m_ours.initial_max_stream_data_bidi_local);
        s.credit = SendCredit(m_peer.initial_max_stream_data_bidi_remote);
    }
    if (opened_by_peer) {
        ++m_counters.opened_peer;
        note(s, kStreamOpened);
    }
    return true;
}

// The stream a frame names: found, or (the peer's) opened now with every lower one of its
// type (§3.2); nullptr with no error when it existed and is over. A stream of ours that we
// never opened is STREAM_STATE_ERROR (§19.8, §19.4-19.5, §19.10).
Stream* ConnectionStreams::locate(uint64_t id, TransportError& e) {
    e = TransportError::no_error;
    if (Stream* s = m_table.find(id)) {
        return s;
    }
    const uint64_t index = stream_index(id);
    const bool uni = is_unidirectional(id);
    if (initiated_by(id, m_role)) {
        const LocalStreamLimit& l = uni ? m_local_uni : m_local_bidi;
        if (index >= l.opened()) {
            e = TransportError::stream_state_error;
        }
        return nullptr;
    }
    PeerStreamLimit& limit = uni ? m_peer_uni : m_peer_bidi;
    uint64_t newly = 0;
    e = limit.open_up_to(index, newly);
    if (e != TransportError::no_error) {
        return nullptr;
    }
    const StreamDirection d = uni ? StreamDirection::unidirectional : StreamDirection::bidirectional;
    for (uint64_t k = index + 1 - newly; k <= index && newly > 0; ++k) {
        // The table holds every stream the limits we advertised allow: this cannot fail
        // unless the application holds closed streams' events it never takes.
        if (!make(make_stream_id(other(m_role), d, k), true)) {
            e = TransportError::internal_error;
            return nullptr;
        }
    }
    return m_table.find(id);
}

// RFC 9000 §4.1, §4.5: the stream's window and the connection's, by highest offset.
void ConnectionStreams::account_received(Stream& s, uint64_t end, TransportError& e) {
    e = s.window.on_received_up_to(end);
    if (e != TransportError::no_error || end <= s.counted) {
        return;
    }
    m_received += end - s.counted;
    s.counted = end;
    e = m_window.on_received_up_to(m_received);
}

TransportError ConnectionStreams::on_stream(const StreamFrame& f, void* buffer, bool& kept) {
    kept = true;
    // §19.8: STREAM on our own unidirectional stream.
    if (!we_receive_on(f.stream_id, m_role)) {
        return TransportError::stream_state_error;
    }
    TransportError e;
    Stream* s = locate(f.stream_id, e);
    if (s == nullptr) {
        return e;
    }
    account_received(*s, f.offset + f.data.size(), e);
    if (e != TransportError::no_error) {
        return e;
    }
    e = s->receive.on_data(f.offset, f.data, f.fin, buffer, kept);
    if (e != TransportError::no_error) {
        return e;
    }
    m_counters.frames_not_kept += kept ? 0 : 1;
    if (s->receive.readable_bytes() > 0 || s->receive.finished()) {
        note(*s, kStreamReadable);
    }
    maybe_free(*s);  // a FIN after everything was read ends the receiving part here
    return TransportError::no_error;
}

TransportError ConnectionStreams::on_reset_stream(const ResetStreamFrame& f) {
    if (!we_receive_on(f.stream_id, m_role)) {
        return TransportError::stream_state_error;  // §19.4
    }
    TransportError e;
    Stream* s = locate(f.stream_id, e);
    if (s == nullptr || s->receive.state() == RecvState::reset_recvd) {
        return e;
    }
    account_received(*s, f.final_size, e);
    if (e != TransportError::no_error) {
        return e;
    }
    const uint64_t unread = f.final_size - s->receive.read_offset();
    e = s->receive.on_reset(f.final_size, f.error_code);
    if (e != TransportError::no_error) {
        return e;
    }
    // §4.5: what will never be read still counts as consumed for the connection's window.
    m_window.on_consumed(unread);
    s->pending_control &= uint8_t(~(kMaxStreamDataBit | kStopSendingBit));
    ++m_counters.resets_received;
    note(*s, kStreamReset, f.error_code);
    maybe_free(*s);
    return TransportError::no_error;
}

TransportError ConnectionStreams::on_stop_sending(uint64_t id, uint64_t error_code) {
    if (!we_send_on(id, m_role)) {
        return TransportError::stream_state_error;  // §19.5
    }
    TransportError e;
    Stream* s = locate(id, e);
    if (s == nullptr) {
        return e;
    }
    ++m_counters.stop_sending_received;
    // §3.5: answer with RESET_STREAM, here with the peer's error code.
    (void)reset(id, error_code);
    note(*s, kStreamStopped, error_code);
    return TransportError::no_error;
}

TransportError ConnectionStreams::on_max_stream_data(uint64_t id, uint64_t maximum) {
    if (!we_send_on(id, m_role)) {
        return TransportError::stream_state_error;  // §19.10
    }
    TransportError e;
    Stream* s = locate(id, e);
    if (s != nullptr) {
        s->credit.raise(maximum);
    }
    return e;
}

void ConnectionStreams::on_max_streams(bool unidirectional, uint64_t maximum) {
    (unidirectional ? m_local_uni : m_local_bidi).raise(maximum);
}

TransportError ConnectionStreams::on_stream_data_blocked(uint64_t id) {
    if (!we_receive_on(id, m_role)) {
        return TransportError::stream_state_error;  // §19.13
    }
    TransportError e;
    (void)locate(id, e);
    return e;
}

bool ConnectionStreams::wants_to_send() const {
    if (m_pending_control != 0 || m_window.update_due() || m_peer_bidi.update_due(m_ours.initial_max_streams_bidi) ||
        m_peer_uni.update_due(m_ours.initial_max_streams_uni)) {
        return true;
    }
    const uint64_t connection_credit = m_credit.available();
    for (size_t i = 0; i < m_table.capacity(); ++i) {
        const Stream& s = m_table.at(uint32_t(i));
        if (!s.in_use) {
            continue;
        }
        uint64_t offset = 0;
        size_t length = 0;
        bool fin = false;
        if (s.pending_control != 0 ||
            (s.sends && s.send.next(SIZE_MAX, std::min(connection_credit, s.credit.available()), offset, length, fin))) {
            return true;
        }
    }
    return false;
}

void ConnectionStreams::write(WireWriter& w, size_t reserve, SentFrames& record, bool& ack_eliciting) {
    write_control(w, reserve, record, ack_eliciting);
    const size_t cap = m_table.capacity();
    const uint8_t streams_before = record.stream_count;
    const uint8_t controls_before = record.stream_control_count;
    size_t last_served = m_send_cursor;
    for (size_t k = 0; k < cap && w.room() > reserve + kMaxStreamHeader; ++k) {
        const size_t i = (m_send_cursor + k) % cap;
        Stream& s = m_table.at(uint32_t(i));
        if (!s.in_use) {
            continue;
        }
        if (s.pending_control != 0 && !write_stream_control(s, w, reserve, record)) {
            break;
        }
        bool served = false;
        while (s.sends && write_stream_data(s, w, reserve, record)) {
            served = true;
        }
        if (served) {
            last_served = i;
        }
        if (record.stream_count == SentFrames::kMaxStreamRanges) {
            break;
        }
    }
    // Round robin: the next packet starts with the stream after the last one served here.
    m_send_cursor = (last_served + 1) % cap;
    if (record.stream_count != streams_before || record.stream_control_count != controls_before) {
        ack_eliciting = true;
    }
}

void ConnectionStreams::write_control(WireWriter& w, size_t reserve, SentFrames& record, bool& ack_eliciting) {
    const auto room = [&] { return w.room() > reserve + kMaxControlFrame; };
    if ((m_window.update_due() || (m_pending_control & kMaxDataBit)) && room()) {
        const uint64_t limit = m_window.update_due() ? m_window.take_update() : m_window.limit();
        w.u8(uint8_t(FrameType::max_data));
        w.varint(limit);
        record.control |= kMaxDataBit;
    }
    struct Kind {
        PeerStreamLimit& limit;
        uint64_t window;
        uint8_t bit;
        FrameType type;
    };
    const Kind kinds[] = {{m_peer_bidi, m_ours.initial_max_streams_bidi, kMaxStreamsBidiBit, FrameType::max_streams_bidi},
                          {m_peer_uni, m_ours.initial_max_streams_uni, kMaxStreamsUniBit, FrameType::max_streams_uni}};
    for (const Kind& k : kinds) {
        if ((k.limit.update_due(k.window) || (m_pending_control & k.bit)) && room()) {
            const uint64_t limit = k.limit.update_due(k.window) ? k.limit.take_update(k.window) : k.limit.limit();
            w.u8(uint8_t(k.type));
            w.varint(limit);
            record.control |= k.bit;
        }
    }
    if ((m_pending_control & kDataBlockedBit) && room()) {
        w.u8(uint8_t(FrameType::data_blocked));  // §4.1, §19.12
        w.varint(m_credit.limit());
        record.control |= kDataBlockedBit;
    }
    m_pending_control &= uint8_t(~record.control);
    ack_eliciting = ack_eliciting || record.control != 0;
}

bool ConnectionStreams::write_stream_control(Stream& s, WireWriter& w, size_t reserve, SentFrames& record) {
    if (record.stream_control_count == SentFrames::kMaxStreamControls ||
        w.room() <= reserve + 4 * kMaxControlFrame) {
        return false;
    }
    const uint8_t pending = s.pending_control;
    uint8_t kinds = 0;
    if (pending & kResetStreamBit) {
        w.u8(uint8_t(FrameType::reset_stream));  // §19.4: the final size is what was sent
        w.varint(s.id);
        w.varint(s.reset_error);
        w.varint(s.send.sent_end());
        kinds |= kResetStreamBit;
    }
    if (pending & kStopSendingBit) {
        w.u8(uint8_t(FrameType::stop_sending));
        w.varint(s.id);
        w.varint(s.stop_error);
        kinds |= kStopSendingBit;
    }
    // §4.1: no new limit once the final size is known (it could not be used).
    if ((pending & kMaxStreamDataBit) && !s.receive.has_final_size()) {
        const uint64_t limit = s.window.update_due() ? s.window.take_update() : s.window.limit();
        w.u8(uint8_t(FrameType::max_stream_data));
        w.varint(s.id);
        w.varint(limit);
        kinds |= kMaxStreamDataBit;
    }
    if (pending & kStreamDataBlockedBit) {
        w.u8(uint8_t(FrameType::stream_data_blocked));
        w.varint(s.id);
        w.varint(s.credit.limit());
        kinds |= kStreamDataBlockedBit;
    }
    s.pending_control = 0;
    if (kinds != 0) {
        record.stream_control[record.stream_control_count++] = {s.id, kinds};
    }
    return true;
}

bool ConnectionStreams::write_stream_data(Stream& s, WireWriter& w, size_t reserve, SentFrames& record) {
    if (record.stream_count == SentFrames::kMaxStreamRanges || w.room() <= reserve + kMaxStreamHeader) {
        return false;
    }
    const size_t max = w.room() - reserve - kMaxStreamHeader;
    uint64_t offset = 0;
    size_t length = 0;
    bool fin = false;
    if (!s.send.next(max, std::min(s.credit.available(), m_credit.available()), offset, length, fin)) {
        // §4.1: data waits for credit; say so once per limit.
        if (s.send.queued_end() > s.send.sent_end()) {
            if (s.credit.available() == 0 && s.credit.should_signal_blocked()) {
                s.credit.blocked_signalled();
                s.pending_control |= kStreamDataBlockedBit;
            }
            if (m_credit.available() == 0 && m_credit.should_signal_blocked()) {
                m_credit.blocked_signalled();
                m_pending_control |= kDataBlockedBit;
            }
        }
        return false;
    }
    write_stream_frame_header(w, s.id, offset, length, fin, true);
    uint64_t at = offset;
    size_t left = length;
    while (left > 0) {
        std::span<const uint8_t> parts[kReadParts];
        const size_t n = s.send.read(at, left, parts);
        for (size_t i = 0; i < n; ++i) {
            w.bytes(parts[i]);
            at += parts[i].size();
            left -= parts[i].size();
        }
        if (n == 0) {
            break;  // cannot happen: next() only names bytes the stream holds
        }
    }
    const uint64_t end = offset + length;
    if (end > s.send.sent_end()) {
        const uint64_t fresh = end - s.send.sent_end();
        s.credit.consume(fresh);
        m_credit.consume(fresh);
    }
    s.send.sent(offset, length, fin);
    record.stream[record.stream_count++] = {s.id, offset, uint32_t(length), fin};
    return true;
}

void ConnectionStreams::on_acked(const SentFrames& record) {
    for (uint8_t i = 0; i < record.stream_count; ++i) {
        const SentFrames::StreamRange& r = record.stream[i];
        Stream* s = m_table.find(r.id);
        if (s == nullptr || !s->sends) {
            continue;
        }
        s->send.acked(r.offset, r.length, r.fin);
        if (s->write_refused && s->send.pieces() < StreamSend::kMaxPieces) {
            s->write_refused = false;
            note(*s, kStreamWritable);
        }
        maybe_free(*s);
    }
    for (uint8_t i = 0; i < record.stream_control_count; ++i) {
        Stream* s = m_table.find(record.stream_control[i].id);
        if (s != nullptr && (record.stream_control[i].kinds & kResetStreamBit)) {
            s->reset_acked = true;  // §3.1: Reset Recvd
            maybe_free(*s);
        }
    }
}

void ConnectionStreams::on_lost(const SentFrames& record) {
    // RFC 9000 §13.3: data again from the stream by offset; control frames again with
    // their current values, while they still matter.
    for (uint8_t i = 0; i < record.stream_count; ++i) {
        const SentFrames::StreamRange& r = record.stream[i];
        if (Stream* s = m_table.find(r.id); s != nullptr && s->sends) {
            s->send.lost(r.offset, r.length, r.fin);
        }
    }
    m_pending_control |= uint8_t(record.control & (kMaxDataBit | kMaxStreamsBidiBit | kMaxStreamsUniBit));
    if ((record.control & kDataBlockedBit) && m_credit.available() == 0) {
        m_pending_control |= kDataBlockedBit;
    }
    for (uint8_t i = 0; i < record.stream_control_count; ++i) {
        const uint8_t kinds = record.stream_control[i].kinds;
        Stream* s = m_table.find(record.stream_control[i].id);
        if (s == nullptr) {
            continue;
        }
        if ((kinds & kResetStreamBit) && !s->reset_acked) {
            s->pending_control |= kResetStreamBit;
        }
        if ((kinds & kStopSendingBit) && !s->receive.finished()) {
            s->pending_control |= kStopSendingBit;
        }
        if ((kinds & kMaxStreamDataBit) && !s->receive.has_final_size()) {
            s->pending_control |= kMaxStreamDataBit;
        }
    }
}

bool ConnectionStreams::open(StreamDirection d, uint64_t& id) {
    LocalStreamLimit& limit = d == StreamDirection::unidirectional ? m_local_uni : m_local_bidi;
    if (!m_peer_known || m_local_open >= m_max_local_streams || !limit.can_open()) {
        ++m_counters.open_refused;  // §4.6: the peer's MAX_STREAMS, or our own table
        return false;
    }
    id = make_stream_id(m_role, d, limit.opened());
    if (!make(id, false)) {
        ++m_counters.open_refused;
        return false;
    }
    (void)limit.open();
    ++m_local_open;
    ++m_counters.opened_local;
    acted();
    return true;
}

StreamWrite ConnectionStreams::write(uint64_t id, std::span<const uint8_t> bytes, void* buffer) {
    Stream* s = m_table.find(id);
    if (s == nullptr || !s->sends || bytes.empty() || s->send.state() == SendState::reset_sent) {
        return StreamWrite::invalid;
    }
    if (s->send.pieces() == StreamSend::kMaxPieces) {
        s->write_refused = true;
        ++m_counters.writes_refused;
        return StreamWrite::refused;
    }
    if (!s->send.append(bytes, buffer)) {
        return StreamWrite::invalid;
    }
    acted();
    return StreamWrite::accepted;
}

bool ConnectionStreams::finish(uint64_t id) {
    Stream* s = m_table.find(id);
    if (s == nullptr || !s->sends || s->send.state() == SendState::reset_sent) {
        return false;
    }
    s->send.finish();
    acted();
    return true;
}

size_t ConnectionStreams::read(uint64_t id, std::span<RxPiece> out, bool& fin) const {
    fin = false;
    const Stream* s = m_table.find(id);
    if (s == nullptr || !s->receives || s->receive.state() == RecvState::reset_recvd) {
        return 0;
    }
    const size_t n = s->receive.readable(out);
    uint64_t end = s->receive.read_offset();
    for (size_t i = 0; i < n; ++i) {
        end = out[i].end();
    }
    fin = s->receive.has_final_size() && end == s->receive.final_size();
    return n;
}

void ConnectionStreams::consume(uint64_t id, uint64_t n) {
    Stream* s = m_table.find(id);
    if (s == nullptr || !s->receives) {
        return;
    }
    const uint64_t before = s->receive.read_offset();
    s->receive.consume(n);
    const uint64_t done = s->receive.read_offset() - before;
    s->window.on_consumed(done);
    m_window.on_consumed(done);
    if (!s->receive.has_final_size() && s->window.update_due()) {
        s->pending_control |= kMaxStreamDataBit;
    }
    maybe_free(*s);
    if (done > 0) {
        acted();
    }
}

bool ConnectionStreams::reset(uint64_t id, uint64_t error_code) {
    Stream* s = m_table.find(id);
    if (s == nullptr || !s->sends || s->send.state() == SendState::reset_sent ||
        s->send.state() == SendState::data_recvd) {
        return false;
    }
    s->send.reset();
    s->reset_error = error_code;
    s->pending_control = uint8_t((s->pending_control | kResetStreamBit) & ~kStreamDataBlockedBit);
    acted();
    return true;
}

bool ConnectionStreams::stop_sending(uint64_t id, uint64_t error_code) {
    Stream* s = m_table.find(id);
    if (s == nullptr || !s->receives || s->receive.finished() || s->stop_requested) {
        return false;
    }
    s->stop_requested = true;
    s->stop_error = error_code;
    s->pending_control |= kStopSendingBit;
    acted();
    return true;
}

void ConnectionStreams::note(Stream& s, uint8_t bits, uint64_t error_code) {
    s.events |= bits;
    if (bits & (kStreamReset | kStreamStopped)) {
        s.event_error = error_code;
    }
    if (!s.in_event_list) {
        s.in_event_list = true;
        m_events[(m_event_head + m_event_count) % m_table.capacity()] = s.slot;
        ++m_event_count;
    }
}

// Both parts over (RFC 9000 §3: Data Recvd or Reset Recvd on each side that exists): the
// application hears of it, and the stream is freed when it takes that event.
void ConnectionStreams::maybe_free(Stream& s) {
    if (s.in_use && (s.events & kStreamClosed) == 0 && s.send_done() && s.receive_done()) {
        note(s, kStreamClosed);
    }
}

bool ConnectionStreams::next_event(StreamEvent& e) {
    if (m_event_count == 0) {
        return false;
    }
    Stream& s = m_table.at(m_events[m_event_head]);
    m_event_head = (m_event_head + 1) % m_table.capacity();
    --m_event_count;
    s.in_event_list = false;
    e = StreamEvent{s.id, s.events, s.event_error};
    s.events = 0;
    if (e.bits & kStreamClosed) {
        if (initiated_by(s.id, m_role)) {
            --m_local_open;
        } else {
            (is_unidirectional(s.id) ? m_peer_uni : m_peer_bidi).closed();  // credit for another (§4.6)
        }
        ++m_counters.closed;
        m_table.give_back(s.slot);
    }
    return true;
}

}  // namespace slip::stack::quic
