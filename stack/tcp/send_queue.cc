#include "stack/tcp/send_queue.h"

#include <algorithm>
#include <cstring>

#include "stack/buf/static_buffer.h"

namespace slip::stack::tcp {

void SendQueue::append(Mbuf* chain) {
    while (chain != nullptr) {
        Mbuf* seg = chain;
        chain = chain->next;
        seg->next = nullptr;
        if (seg->data_len == 0) {
            buf::free_segment(seg);
            continue;
        }
        // A short segment behind a queued buffer with room is copied into it: an application
        // sending many small messages would otherwise pin a packet buffer per message (2 KiB
        // for a 7-byte frame) until the peer acknowledges it, and run the pool dry long before
        // the send buffer's byte limit. Only a plain buffer's free tail is written: views of
        // it (segments in flight) cover the bytes it had, and pattern or static buffers are
        // shared, so they are never written.
        if (m_tail != nullptr && seg->data_len <= kCopyBelow && RTE_MBUF_DIRECT(m_tail) &&
            !RTE_MBUF_HAS_EXTBUF(m_tail) && rte_pktmbuf_tailroom(m_tail) >= seg->data_len) {
            std::memcpy(buf::data(m_tail) + m_tail->data_len, buf::data(seg), seg->data_len);
            m_tail->data_len = uint16_t(m_tail->data_len + seg->data_len);
            m_tail->pkt_len = m_tail->data_len;
            m_bytes += seg->data_len;
            buf::free_segment(seg);
            continue;
        }
        // Each queued segment stands alone: its totals describe itself only.
        seg->nb_segs = 1;
        seg->pkt_len = seg->data_len;
        if (m_tail == nullptr) {
            m_head = m_tail = seg;
        } else {
            m_tail->next = seg;
            m_tail = seg;
        }
        m_bytes += seg->data_len;
    }
}

void SendQueue::acknowledge(uint32_t n) {
    n = std::min(n, m_bytes);
    m_bytes -= n;
    const uint32_t acked = n;
    while (n > 0 && m_head != nullptr) {
        const uint32_t left_in_head = m_head->data_len - m_front_skip;
        if (n < left_in_head) {
            m_front_skip += n;
            break;
        }
        n -= left_in_head;
        Mbuf* done = m_head;
        m_head = m_head->next;
        m_front_skip = 0;
        if (done == m_cursor) {
            m_cursor = nullptr;  // rebuilt on the next seek
        }
        buf::free_segment(done);
    }
    if (m_head == nullptr) {
        m_tail = nullptr;
    }
    // Keep the cursor across ACKs (every offset moved down by `acked`): rebuilding it
    // from the head would walk the whole window on every ACK.
    if (m_cursor != nullptr) {
        m_cursor_start = m_cursor == m_head ? 0 : m_cursor_start - acked;
    }
}

Mbuf* SendQueue::seek(uint32_t offset, uint32_t& start) {
    Mbuf* seg = m_head;
    start = 0;
    uint32_t seg_len = m_head != nullptr ? m_head->data_len - m_front_skip : 0;
    if (m_cursor != nullptr && m_cursor_start <= offset) {
        seg = m_cursor;
        start = m_cursor_start;
        seg_len = seg == m_head ? seg->data_len - m_front_skip : seg->data_len;
    }
    while (seg != nullptr && offset >= start + seg_len) {
        start += seg_len;
        seg = seg->next;
        seg_len = seg != nullptr ? seg->data_len : 0;
    }
    m_cursor = seg;
    m_cursor_start = start;
    return seg;
}

SendQueue::View SendQueue::reference(uint32_t offset, uint32_t len, buf::WarmBuffers& views) {
    View v;
    if (len == 0 || uint64_t(offset) + len > m_bytes) {
        return v;
    }
    uint32_t start = 0;
    Mbuf* seg = seek(offset, start);
    while (len > 0 && seg != nullptr) {
        const uint32_t skip_in_buffer = seg == m_head ? m_front_skip : 0;
        const uint32_t within = offset - start;
        const uint32_t seg_len = seg->data_len - skip_in_buffer;
        const uint32_t take = std::min(len, seg_len - within);
        Mbuf* mi = views.take();
        if (mi == nullptr) {
            if (v.head != nullptr) {
                buf::free(v.head);
            }
            return {};
        }
        if (buf::StaticBuffer::is_view(seg)) {
            buf::StaticBuffer::attach_to_view(mi, seg, uint16_t(skip_in_buffer + within), uint16_t(take));
        } else {
            buf::attach_range(mi, seg, uint16_t(skip_in_buffer + within), uint16_t(take));
        }
        if (v.head == nullptr) {
            v.head = mi;
        } else {
            buf::chain(v.head, v.last, mi, take, 1);
        }
        v.last = mi;
        ++v.segments;
        offset += take;
        len -= take;
        start += seg_len;
        seg = seg->next;
    }
    return v;
}

void SendQueue::clear() {
    while (m_head != nullptr) {
        Mbuf* next = m_head->next;
        buf::free_segment(m_head);
        m_head = next;
    }
    m_tail = m_cursor = nullptr;
    m_bytes = m_front_skip = m_cursor_start = 0;
}

}  // namespace slip::stack::tcp
