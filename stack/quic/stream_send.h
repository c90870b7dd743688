#pragma once
// The sending part of one QUIC stream (RFC 9000 §2.2, §3.1, §13.3): the application's
// buffers kept by reference (no copy) from the moment they are queued until the peer
// acknowledges them, addressable by offset so that lost ranges are read again for new
// packets; lost ranges go before new data; FIN sent, resent and acknowledged like data; the
// states Ready, Send, Data Sent, Data Recvd, Reset Sent. Fixed capacity: at most kMaxPieces
// buffers queued (append refuses beyond that: the application waits for acknowledgments).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/range_set.h"

namespace slip::stack::quic {

// Counts references to the application's buffers (the engine's mbufs; anything in tests).
class TxBufferOwner {
public:
    virtual void release(void* buffer) = 0;

protected:
    ~TxBufferOwner() = default;
};

enum class SendState : uint8_t { ready, send, data_sent, data_recvd, reset_sent };

class StreamSend {
public:
    static constexpr size_t kMaxPieces = 64;
    static constexpr size_t kMaxRanges = 32;

    explicit StreamSend(TxBufferOwner& owner) : m_owner(owner), m_to_send(kMaxRanges), m_acked(kMaxRanges) {}
    ~StreamSend();
    StreamSend(const StreamSend&) = delete;
    StreamSend& operator=(const StreamSend&) = delete;

    // Queues `bytes` (living in `buffer`, whose reference the stream now holds and releases
    // once the bytes are acknowledged). False, taking nothing, when the piece table is full
    // or the stream was finished or reset.
    bool append(std::span<const uint8_t> bytes, void* buffer);
    // No more data: FIN after what is queued.
    void finish();

    // The next STREAM frame: lost bytes first, else new ones within `new_credit` (flow
    // control, §4.1), at most `max` bytes; `fin` when the frame ends the stream. False when
    // nothing is to be sent.
    bool next(size_t max, uint64_t new_credit, uint64_t& offset, size_t& length, bool& fin) const;
    // The spans holding [offset, offset + length), in order; how many (at most out.size()).
    size_t read(uint64_t offset, size_t length, std::span<std::span<const uint8_t>> out) const;
    // The frame went into a packet; then that packet was acknowledged or declared lost.
    void sent(uint64_t offset, size_t length, bool fin);
    void acked(uint64_t offset, size_t length, bool fin);
    void lost(uint64_t offset, size_t length, bool fin);
    // RESET_STREAM sent (§3.1): everything queued is freed; nothing more is sent.
    void reset();
    // Back to Ready with nothing queued, for a new stream in the same slot (a pool reuses
    // streams instead of allocating one per stream).
    void reuse();

    SendState state() const { return m_state; }
    uint64_t queued_end() const { return m_end; }  // the offset after the last byte queued
    uint64_t sent_end() const { return m_sent_end; }  // the highest offset ever sent (flow control)
    bool fin_pending() const { return m_fin && !m_fin_sent; }
    bool all_acked() const { return m_state == SendState::data_recvd; }
    size_t pieces() const { return m_count; }

private:
    struct Piece {
        uint64_t offset = 0;
        std::span<const uint8_t> bytes;
        void* buffer = nullptr;
    };
    void free_acked_prefix();

    TxBufferOwner& m_owner;
    std::array<Piece, kMaxPieces> m_pieces{};  // ring, oldest first
    size_t m_head = 0;
    size_t m_count = 0;
    uint64_t m_base = 0;  // below it everything is acknowledged and freed
    uint64_t m_end = 0;
    uint64_t m_sent_end = 0;
    RangeSet m_to_send;  // lost ranges waiting to go again (new data is [m_sent_end, m_end))
    RangeSet m_acked;    // above m_base
    bool m_fin = false;
    bool m_fin_sent = false;
    bool m_fin_acked = false;
    SendState m_state = SendState::ready;
};

}  // namespace slip::stack::quic
