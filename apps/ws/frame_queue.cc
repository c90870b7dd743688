#include "apps/ws/frame_queue.h"

namespace slip::apps::ws {

using app::BufferChain;

void FrameQueue::reserve(uint32_t capacity) {
    if (capacity == m_capacity) {
        return;
    }
    clear();
    m_ring = std::make_unique<BufferChain[]>(capacity);
    m_capacity = capacity;
}

bool FrameQueue::push(BufferChain&& frame) {
    if (m_count == m_capacity) {
        frame.reset();
        return false;
    }
    m_bytes += frame.bytes();
    at(m_count) = std::move(frame);
    ++m_count;
    return true;
}

FrameQueue::Flush FrameQueue::flush(app::Connections& c, app::ConnId id) {
    while (m_count > 0) {
        BufferChain& front = at(0);
        const uint32_t offered = front.bytes();
        const app::SendResult r = c.send(id, front);
        m_bytes -= r.accepted;
        if (r.status != app::Status::ok) {
            clear();
            return Flush::closed;
        }
        if (r.accepted < offered) {
            m_front_started = m_front_started || r.accepted > 0;
            return Flush::blocked;
        }
        front.reset();
        m_head = (m_head + 1) % m_capacity;
        --m_count;
        m_front_started = false;
    }
    return Flush::done;
}

void FrameQueue::drop_unstarted() {
    const uint32_t keep = m_front_started ? 1 : 0;
    while (m_count > keep) {
        BufferChain& last = at(m_count - 1);
        m_bytes -= last.bytes();
        last.reset();
        --m_count;
    }
}

void FrameQueue::clear() {
    while (m_count > 0) {
        at(m_count - 1).reset();
        --m_count;
    }
    m_head = 0;
    m_bytes = 0;
    m_front_started = false;
}

}  // namespace slip::apps::ws
