#pragma once
// Received bytes a TCP service keeps without consuming them yet: a request waiting behind
// the current response, echo data waiting for send space. What a service has not consumed
// keeps the receive window closed by as much (TcpService::on_data), so the bytes held are
// bounded by the window; the buffers are bounded too: a short segment arriving behind held
// data is copied into the tail buffer (or a fresh one) instead of being linked, so a peer
// sending tiny segments cannot pin one packet buffer per byte. The first segment of a run
// is always linked as it came (the common case copies nothing).
#include <cstdint>
#include <span>

#include "stack/buf/mbuf.h"

namespace slip::stack {

class HeldChain {
public:
    // Segments shorter than this are copied when they arrive behind held data.
    static constexpr uint32_t kCopyBelow = 1024;

    HeldChain() = default;
    ~HeldChain() { clear(); }
    HeldChain(const HeldChain&) = delete;
    HeldChain& operator=(const HeldChain&) = delete;

    // Which arriving segments are copied into buffers of the append's pool.
    enum class Copy : uint8_t {
        short_segments,  // those shorter than kCopyBelow, behind held data
        all,             // every one, packed: frees the receive buffers (past a threshold)
    };
    // Takes `data` (a chain). Copies go into buffers of `pool` (none without a pool; when
    // the pool is empty a segment is kept as it came).
    void append(Mbuf* data, MbufPool* pool, Copy copy = Copy::short_segments);
    uint32_t bytes() const { return m_bytes; }
    // Packet buffers held.
    uint32_t buffers() const { return m_buffers; }
    bool empty() const { return m_bytes == 0; }
    // The first buffer of the chain (walk `next` for the rest); nullptr when empty.
    const Mbuf* front() const { return m_head; }

    // Copies up to out.size() bytes from the front; returns how many.
    uint32_t copy_front(std::span<uint8_t> out) const;
    // Frees the first `n` bytes (all of them at most).
    void drop_front(uint32_t n);
    // Hands over a chain of the first min(max, bytes()) bytes, `taken` of them: whole
    // buffers, and the first part of the next one copied into a buffer of `pool`. Without a
    // pool, or with it empty, only whole buffers (possibly none: nullptr).
    Mbuf* take_front(uint32_t max, MbufPool* pool, uint32_t& taken);
    void clear();

private:
    void link(Mbuf* seg);  // appends one detached segment
    Mbuf* pop_segment();   // detaches the first segment

    Mbuf* m_head = nullptr;
    Mbuf* m_tail = nullptr;
    uint32_t m_bytes = 0;
    uint32_t m_buffers = 0;  // (nb_segs is 16 bits: a large window holds more)
    // m_tail is a buffer this chain allocated and wrote (direct, not shared): later short
    // segments may be copied into its tailroom.
    bool m_tail_ours = false;
};

}  // namespace slip::stack
