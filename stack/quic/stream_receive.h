#pragma once
// The receiving part of one QUIC stream (RFC 9000 §2.2, §3.2, §4.5): STREAM frame data kept
// where it arrived (zero copy: a piece is a span of a received packet buffer, held by a
// reference the engine counts) and handed to the application in order; the final size
// learned from FIN or RESET_STREAM and enforced; the states Recv, Size Known, Data Recvd,
// Reset Recvd. Bounded: at most kMaxPieces pieces, one of them kept for data that extends
// what is readable (beyond that a frame is dropped, unacknowledged, and the peer sends it
// again), and never past the flow-control limit the caller enforces.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/error_code.h"

namespace slip::stack::quic {

// Counts references to the packet buffers pieces live in (the engine's mbufs; in tests,
// anything). retain() when a piece is kept, release() when it is freed.
class RxBufferOwner {
public:
    virtual void retain(void* buffer) = 0;
    virtual void release(void* buffer) = 0;

protected:
    ~RxBufferOwner() = default;
};

struct RxPiece {
    uint64_t offset = 0;
    std::span<const uint8_t> bytes;
    void* buffer = nullptr;
    uint64_t end() const { return offset + bytes.size(); }
};

enum class RecvState : uint8_t { recv, size_known, data_recvd, reset_recvd };

class StreamReceive {
public:
    static constexpr size_t kMaxPieces = 128;

    explicit StreamReceive(RxBufferOwner& owner) : m_owner(owner) {}
    ~StreamReceive();
    StreamReceive(const StreamReceive&) = delete;
    StreamReceive& operator=(const StreamReceive&) = delete;

    // A STREAM frame's data (in `buffer`). FINAL_SIZE_ERROR when it contradicts the final
    // size (§4.5). Data already read or held is ignored; new data the piece table cannot
    // hold is dropped (false `kept`): the packet that carried it must then not be
    // acknowledged, so that the peer sends it again.
    TransportError on_data(uint64_t offset, std::span<const uint8_t> bytes, bool fin, void* buffer, bool& kept);
    // RESET_STREAM (§19.4): FINAL_SIZE_ERROR when it contradicts what is known; everything
    // held is freed.
    TransportError on_reset(uint64_t final_size, uint64_t error_code);
    // Everything held freed and the state back to Recv, for a new stream in the same slot.
    void reuse();

    // The in-order pieces from the read offset (until the first gap), at most `out.size()`.
    size_t readable(std::span<RxPiece> out) const;
    uint64_t readable_bytes() const;
    // The application is done with `n` bytes from the read offset: pieces wholly consumed
    // are released.
    void consume(uint64_t n);

    uint64_t read_offset() const { return m_read; }
    // The highest offset received (for connection-level flow control, §4.1).
    uint64_t highest_received() const { return m_highest; }
    bool has_final_size() const { return m_final_known; }
    uint64_t final_size() const { return m_final; }
    RecvState state() const { return m_state; }
    uint64_t reset_error() const { return m_reset_error; }
    // All data up to the final size has been read (or the stream was reset).
    bool finished() const { return m_state == RecvState::reset_recvd || (m_final_known && m_read == m_final); }

private:
    void release_all();
    void insert(const RxPiece& p);

    RxBufferOwner& m_owner;
    std::array<RxPiece, kMaxPieces> m_pieces{};  // sorted by offset, disjoint, all past m_read
    size_t m_count = 0;
    uint64_t m_read = 0;
    uint64_t m_highest = 0;
    uint64_t m_final = 0;
    bool m_final_known = false;
    RecvState m_state = RecvState::recv;
    uint64_t m_reset_error = 0;
};

}  // namespace slip::stack::quic
