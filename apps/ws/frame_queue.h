#pragma once
// The frames one WebSocket connection has made and the transport has not taken yet, in
// order: a fixed-capacity ring of whole frames (RFC 6455 §5.2), each a chain of packet
// buffers. A frame the send buffer took only in part stays at the front until the rest
// goes (Connections::send takes from the front and leaves the remainder with us), so frames
// never interleave on the wire. The ring is allocated once per connection slot, on its
// first use, and kept for the slot's next connections: nothing allocates per frame.
#include <cstdint>
#include <memory>

#include "stack/app/application.h"

namespace slip::apps::ws {

class FrameQueue {
public:
    // Makes room for `capacity` frames (the first call allocates; a later call with a
    // different capacity reallocates, which only an idle queue may see).
    void reserve(uint32_t capacity);

    bool empty() const { return m_count == 0; }
    uint32_t frames() const { return m_count; }
    uint32_t capacity() const { return m_capacity; }
    // Bytes queued and not taken by the transport yet.
    uint64_t bytes() const { return m_bytes; }

    // Appends `frame` (moved in). False, and the frame is freed, when the ring is full.
    bool push(app::BufferChain&& frame);

    enum class Flush : uint8_t {
        done,     // everything went into the send buffer
        blocked,  // the send buffer is full: on_writable follows when it has room
        closed,   // the connection sends no more; what was queued is freed
    };
    // Hands the frames to `id`'s send buffer, front first, as far as it takes them.
    Flush flush(app::Connections& c, app::ConnId id);

    // Frees every frame no byte of which has gone out; a frame the transport took a part of
    // stays, since the peer's parser is inside it (§5.2 framing).
    void drop_unstarted();
    void clear();

private:
    app::BufferChain& at(uint32_t i) { return m_ring[(m_head + i) % m_capacity]; }

    std::unique_ptr<app::BufferChain[]> m_ring;
    uint32_t m_capacity = 0;
    uint32_t m_head = 0;
    uint32_t m_count = 0;
    uint64_t m_bytes = 0;
    bool m_front_started = false;  // the transport took part of the front frame
};

}  // namespace slip::apps::ws
