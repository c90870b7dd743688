#pragma once
// A connection's send buffer without copies (zero copy): the
// application's buffers themselves, linked segment by segment through their `next`
// pointers, from SND.UNA onwards. A segment on the wire is a header buffer followed by
// indirect views of the queued bytes (buf::attach_range), so a retransmission builds new
// views and copies nothing; acknowledged buffers are freed as SND.UNA passes them.
//
// Offsets are relative to SND.UNA (offset 0 is the oldest unacknowledged byte).
#include <cstdint>

#include "stack/buf/mbuf.h"
#include "stack/buf/warm_buffers.h"

namespace slip::stack::tcp {

class SendQueue {
public:
    SendQueue() = default;
    SendQueue(const SendQueue&) = delete;
    SendQueue& operator=(const SendQueue&) = delete;
    ~SendQueue() { clear(); }

    // Segments of at most this many bytes are copied into the tail buffer when it has room.
    static constexpr uint16_t kCopyBelow = 512;

    // Takes ownership of a chain; empty segments are freed on the spot.
    void append(Mbuf* chain);
    uint32_t bytes() const { return m_bytes; }
    bool empty() const { return m_bytes == 0; }

    // `n` bytes from the front were acknowledged: free the buffers they covered.
    void acknowledge(uint32_t n);

    // A chain of indirect views covering [offset, offset + len): its head, last segment and
    // segment count. nullptr when the pool ran dry (nothing is held then) or the range is
    // not queued. The views come from `views` (buffers of a header-only pool, prefetched
    // ahead of use).
    struct View {
        Mbuf* head = nullptr;
        Mbuf* last = nullptr;
        uint16_t segments = 0;
    };
    View reference(uint32_t offset, uint32_t len, buf::WarmBuffers& views);

    void clear();

private:
    // Finds the segment holding `offset`; returns it and its start offset.
    Mbuf* seek(uint32_t offset, uint32_t& start);

    Mbuf* m_head = nullptr;
    Mbuf* m_tail = nullptr;
    uint32_t m_front_skip = 0;  // bytes of m_head already acknowledged
    uint32_t m_bytes = 0;       // bytes from SND.UNA to the end
    // Sequential sends read forward from here (offset relative to the front).
    Mbuf* m_cursor = nullptr;
    uint32_t m_cursor_start = 0;
};

}  // namespace slip::stack::tcp
