#pragma once
// A connection's streams (RFC 9000 §2-4): the frames that act on them, the flow control of
// each stream and of the whole connection, the stream-count limits both ways, the frames
// that carry their data and control out, and the application's side: open, write, finish,
// read, consume, reset, stop sending, and coalesced events.
//
// Backpressure end to end: the windows we grant move with what the application consumed
// (not with what arrived), so a reader that stops reading stops its peer; a writer gets
// `refused` when its stream's buffer table is full and a writable event once
// acknowledgments free room. Received data stays in the packet buffers it arrived in
// (RxBufferOwner); written data stays in the application's buffers until acknowledged
// (TxBufferOwner) and is read again by offset for every (re)transmission.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "stack/quic/frame.h"
#include "stack/quic/sent_frames.h"
#include "stack/quic/stream.h"
#include "stack/quic/stream_id.h"
#include "stack/quic/transport_params.h"
#include "stack/quic/wire.h"

namespace slip::stack::quic {

// Told when the application acted on a stream (something may now be due to send).
class StreamActivity {
public:
    virtual void on_stream_activity() = 0;

protected:
    ~StreamActivity() = default;
};

enum class StreamWrite : uint8_t {
    accepted,   // the stream holds the buffer and releases it once acknowledged
    refused,    // no room now (the caller keeps its buffer): a writable event follows
    invalid,    // no such stream, not ours to send on, finished or reset
};

struct StreamCounters {
    uint64_t opened_local = 0;
    uint64_t opened_peer = 0;
    uint64_t closed = 0;
    uint64_t open_refused = 0;     // the peer's stream limit or our table
    uint64_t writes_refused = 0;
    uint64_t frames_not_kept = 0;  // STREAM data the piece table could not hold
    uint64_t resets_received = 0;
    uint64_t stop_sending_received = 0;
};

class ConnectionStreams {
public:
    // `ours`: the limits we advertise (initial_max_data, initial_max_stream_data_*,
    // initial_max_streams_*); `max_local_streams`: how many streams we open at once.
    ConnectionStreams(Role role, const TransportParameters& ours, size_t max_local_streams, RxBufferOwner& rx,
                      TxBufferOwner& tx);
    ConnectionStreams(const ConnectionStreams&) = delete;
    ConnectionStreams& operator=(const ConnectionStreams&) = delete;

    // RFC 9000 §7.4: the peer's transport parameters give our initial credits.
    void on_peer_params(const TransportParameters& peer);

    // Frames received. `kept` false: the data could not be held and its packet must go
    // unacknowledged so that the peer sends it again.
    TransportError on_stream(const StreamFrame& f, void* buffer, bool& kept);
    TransportError on_reset_stream(const ResetStreamFrame& f);
    TransportError on_stop_sending(uint64_t id, uint64_t error_code);
    void on_max_data(uint64_t maximum) { m_credit.raise(maximum); }
    TransportError on_max_stream_data(uint64_t id, uint64_t maximum);
    void on_max_streams(bool unidirectional, uint64_t maximum);
    // STREAM_DATA_BLOCKED (§19.13): only the stream ID is checked.
    TransportError on_stream_data_blocked(uint64_t id);

    // Sending: whether frames are waiting, then written while more than `reserve` bytes of
    // `w` are left (STREAM frames always with a length: padding may follow them).
    bool wants_to_send() const;
    void write(WireWriter& w, size_t reserve, SentFrames& record, bool& ack_eliciting);
    void on_acked(const SentFrames& record);
    void on_lost(const SentFrames& record);

    // The application's side.
    // A new stream of ours; false when the peer's limit (§4.6) or our table says no.
    bool open(StreamDirection d, uint64_t& id);
    StreamWrite write(uint64_t id, std::span<const uint8_t> bytes, void* buffer);
    // No more data after what is written: FIN (§3.1).
    bool finish(uint64_t id);
    // The readable pieces from the read offset; `fin` when they run to the final size.
    size_t read(uint64_t id, std::span<RxPiece> out, bool& fin) const;
    // The application is done with `n` bytes: their buffers are released and the windows
    // move (MAX_STREAM_DATA, MAX_DATA as they come due).
    void consume(uint64_t id, uint64_t n);
    // RESET_STREAM (§3.1, §19.4) and STOP_SENDING (§3.5, §19.5) with an application error.
    bool reset(uint64_t id, uint64_t error_code);
    bool stop_sending(uint64_t id, uint64_t error_code);
    // The next stream event; false when none is pending.
    bool next_event(StreamEvent& e);

    void set_activity(StreamActivity* activity) { m_activity = activity; }
    const StreamCounters& counters() const { return m_counters; }
    size_t open_streams() const { return m_table.in_use(); }
    // The stream table's size: the peer's limits plus the streams we may open at once.
    size_t stream_capacity() const { return m_table.capacity(); }
    uint64_t connection_credit() const { return m_credit.available(); }
    uint64_t connection_window_limit() const { return m_window.limit(); }

private:
    Stream* locate(uint64_t id, TransportError& e);
    bool make(uint64_t id, bool opened_by_peer);
    void note(Stream& s, uint8_t bits, uint64_t error_code = 0);
    void account_received(Stream& s, uint64_t end, TransportError& e);
    void maybe_free(Stream& s);
    void write_control(WireWriter& w, size_t reserve, SentFrames& record, bool& ack_eliciting);
    bool write_stream_control(Stream& s, WireWriter& w, size_t reserve, SentFrames& record);
    bool write_stream_data(Stream& s, WireWriter& w, size_t reserve, SentFrames& record);
    void acted() {
        if (m_activity != nullptr) {
            m_activity->on_stream_activity();
        }
    }

    Role m_role;
    TransportParameters m_ours;
    TransportParameters m_peer;
    bool m_peer_known = false;
    size_t m_max_local_streams;
    size_t m_local_open = 0;
    StreamTable m_table;
    SendCredit m_credit;     // connection-level, the peer's MAX_DATA
    ReceiveWindow m_window;  // connection-level, ours
    uint64_t m_received = 0;  // the sum of every stream's highest offset (§4.1)
    PeerStreamLimit m_peer_bidi;
    PeerStreamLimit m_peer_uni;
    LocalStreamLimit m_local_bidi;
    LocalStreamLimit m_local_uni;
    uint8_t m_pending_control = 0;  // ControlFrameBit
    // The events the application has not taken: stream table indices, each at most once.
    std::unique_ptr<uint32_t[]> m_events;
    size_t m_event_head = 0;
    size_t m_event_count = 0;
    size_t m_send_cursor = 0;  // round robin over the table for STREAM frames
    StreamCounters m_counters;
    StreamActivity* m_activity = nullptr;
};

}  // namespace slip::stack::quic
