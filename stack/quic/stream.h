#pragma once
// One QUIC stream (RFC 9000 §2-4): its receiving and sending parts, the flow-control window
// we grant on it and the credit the peer grants us, and what it still has to say in
// control frames. Streams live in a connection's fixed table (StreamTable), made once when
// the connection is made and reused: opening a stream allocates nothing.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "stack/quic/flow_control.h"
#include "stack/quic/stream_receive.h"
#include "stack/quic/stream_send.h"

namespace slip::stack::quic {

// What the application is told about a stream, coalesced: at most one pending event per
// stream, its bits or'ed together until the application takes it.
enum StreamEventBit : uint8_t {
    kStreamOpened = 1,     // the peer opened it (RFC 9000 §3.2)
    kStreamReadable = 2,   // data (or the FIN) can be read
    kStreamWritable = 4,   // room again after a refused write (credit or buffer slots)
    kStreamReset = 8,      // the peer reset its sending part (RESET_STREAM, §19.4)
    kStreamStopped = 16,   // the peer asked us to stop sending (STOP_SENDING, §19.5)
    kStreamClosed = 32,    // both parts are over: the stream is gone
};

struct StreamEvent {
    uint64_t id = 0;
    uint8_t bits = 0;
    uint64_t error_code = 0;  // the peer's application error for reset and stopped
};

struct Stream {
    Stream(RxBufferOwner& rx, TxBufferOwner& tx) : receive(rx), send(tx) {}

    uint64_t id = 0;
    uint32_t slot = 0;  // its index in the table
    bool in_use = false;
    bool receives = false;  // has a receiving part (not our own unidirectional stream)
    bool sends = false;     // has a sending part (not the peer's unidirectional stream)
    StreamReceive receive;
    StreamSend send;
    ReceiveWindow window;  // what we let the peer send on it (MAX_STREAM_DATA)
    SendCredit credit;     // what the peer lets us send on it
    // The highest offset already counted into the connection's flow control (§4.1).
    uint64_t counted = 0;
    // Control frames waiting to go (StreamControlBit), and their values.
    uint8_t pending_control = 0;
    uint64_t reset_error = 0;
    uint64_t stop_error = 0;
    bool reset_acked = false;     // our RESET_STREAM was acknowledged (§3.1: Reset Recvd)
    bool stop_requested = false;  // STOP_SENDING sent or queued: no MAX_STREAM_DATA after it
    bool write_refused = false;   // a write was refused: say writable when room comes back
    // The application's event, coalesced; a stream whose event waits is not freed until
    // the application took it (so the event list never holds more than the table).
    uint8_t events = 0;
    uint64_t event_error = 0;
    bool in_event_list = false;

    bool send_done() const {
        return !sends || send.state() == SendState::data_recvd ||
               (send.state() == SendState::reset_sent && reset_acked);
    }
    bool receive_done() const { return !receives || receive.finished(); }
};

// A connection's streams: a fixed number made once, handed out and taken back by index.
class StreamTable {
public:
    StreamTable(size_t capacity, RxBufferOwner& rx, TxBufferOwner& tx);

    // A free stream's index made ready for `id`; false when all are in use.
    bool take(uint64_t id, uint32_t& index);
    // Frees everything the stream holds and returns it to the table.
    void give_back(uint32_t index);
    // The stream in use with `id`, or nullptr.
    Stream* find(uint64_t id) const;
    Stream& at(uint32_t index) { return *m_streams[index]; }
    const Stream& at(uint32_t index) const { return *m_streams[index]; }
    size_t capacity() const { return m_capacity; }
    size_t in_use() const { return m_capacity - m_free_count; }

private:
    size_t m_capacity;
    std::unique_ptr<std::unique_ptr<Stream>[]> m_streams;
    std::unique_ptr<uint32_t[]> m_free;
    size_t m_free_count;
    // Open addressing by stream ID (linear probing, backward-shift deletion): a power of two
    // at least twice the capacity, so lookups stay short. kEmpty marks a free bucket.
    static constexpr uint32_t kEmpty = UINT32_MAX;
    std::unique_ptr<uint32_t[]> m_buckets;
    size_t m_mask;
    size_t bucket_of(uint64_t id) const { return size_t((id * 0x9E3779B97F4A7C15ull) >> 32) & m_mask; }
};

}  // namespace slip::stack::quic
