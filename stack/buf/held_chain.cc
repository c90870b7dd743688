#include "stack/buf/held_chain.h"

#include <algorithm>
#include <cstring>

namespace slip::stack {

// The chain is a well-formed mbuf chain at all times: the head carries the byte total
// (pkt_len == m_bytes), the tail ends it.

void HeldChain::link(Mbuf* seg) {
    seg->next = nullptr;
    seg->nb_segs = 1;
    seg->pkt_len = seg->data_len;
    if (m_head == nullptr) {
        m_head = seg;
    } else {
        buf::chain(m_head, m_tail, seg, seg->data_len, 1);
    }
    m_tail = seg;
    m_bytes += seg->data_len;
    ++m_buffers;
}

void HeldChain::append(Mbuf* data, MbufPool* pool, Copy copy) {
    for (Mbuf* seg = data; seg != nullptr;) {
        Mbuf* next = seg->next;
        const uint16_t len = seg->data_len;
        if (len == 0) {
            buf::free_segment(seg);
        } else if (m_tail_ours && len <= rte_pktmbuf_tailroom(m_tail)) {
            // Behind held data, into the room our own tail buffer has left.
            std::memcpy(buf::data(m_tail) + m_tail->data_len, buf::data(seg), len);
            m_tail->data_len = uint16_t(m_tail->data_len + len);
            m_head->pkt_len += len;
            m_bytes += len;
            buf::free_segment(seg);
        } else if (pool != nullptr && (copy == Copy::all || (m_head != nullptr && len < kCopyBelow))) {
            if (m_tail_ours && rte_pktmbuf_tailroom(m_tail) > 0) {
                // Fill our tail first, then the rest goes into a fresh buffer (below).
                const uint16_t room = uint16_t(rte_pktmbuf_tailroom(m_tail));
                std::memcpy(buf::data(m_tail) + m_tail->data_len, buf::data(seg), room);
                m_tail->data_len = uint16_t(m_tail->data_len + room);
                m_head->pkt_len += room;
                m_bytes += room;
                buf::trim_front(seg, room);
                continue;  // `seg` is shorter now: look at it again
            }
            Mbuf* fresh = buf::alloc(pool);
            uint8_t* to = fresh != nullptr && len <= rte_pktmbuf_tailroom(fresh) ? buf::append(fresh, len) : nullptr;
            if (to != nullptr) {
                std::memcpy(to, buf::data(seg), len);
                buf::free_segment(seg);
                link(fresh);
                m_tail_ours = true;
            } else {
                if (fresh != nullptr) {
                    buf::free(fresh);
                }
                link(seg);  // no buffer to copy into: held as it came
                m_tail_ours = false;
            }
        } else {
            link(seg);
            m_tail_ours = false;
        }
        seg = next;
    }
}

uint32_t HeldChain::copy_front(std::span<uint8_t> out) const {
    uint32_t done = 0;
    for (const Mbuf* seg = m_head; seg != nullptr && done < out.size(); seg = seg->next) {
        const uint32_t n = std::min<uint32_t>(seg->data_len, uint32_t(out.size() - done));
        std::memcpy(out.data() + done, buf::data(seg), n);
        done += n;
    }
    return done;
}

Mbuf* HeldChain::pop_segment() {
    Mbuf* seg = m_head;
    m_head = seg->next;
    m_bytes -= seg->data_len;
    --m_buffers;
    if (m_head != nullptr) {
        m_head->pkt_len = m_bytes;
        m_head->nb_segs = uint16_t(seg->nb_segs - 1);
    } else {
        m_tail = nullptr;
        m_tail_ours = false;
    }
    seg->next = nullptr;
    seg->nb_segs = 1;
    seg->pkt_len = seg->data_len;
    return seg;
}

void HeldChain::drop_front(uint32_t n) {
    while (m_head != nullptr && n >= m_head->data_len) {
        n -= m_head->data_len;
        buf::free(pop_segment());
    }
    if (m_head != nullptr && n > 0) {
        m_head->data_off = uint16_t(m_head->data_off + n);
        m_head->data_len = uint16_t(m_head->data_len - n);
        m_head->pkt_len -= n;
        m_bytes -= n;
    }
}

Mbuf* HeldChain::take_front(uint32_t max, MbufPool* pool, uint32_t& taken) {
    Mbuf* out = nullptr;
    Mbuf* last = nullptr;
    taken = 0;
    const auto add = [&](Mbuf* seg) {
        if (out == nullptr) {
            out = seg;
        } else {
            buf::chain(out, last, seg, seg->data_len, 1);
        }
        last = seg;
        taken += seg->data_len;
    };
    while (m_head != nullptr && taken + m_head->data_len <= max) {
        add(pop_segment());  // the tail too: it is no longer ours to write once handed over
    }
    const uint32_t part = std::min(max - taken, m_bytes);
    if (part > 0 && pool != nullptr) {
        // The next buffer straddles the limit: its first part goes as a copy.
        Mbuf* copy = buf::alloc(pool);
        uint8_t* to = copy != nullptr && part <= rte_pktmbuf_tailroom(copy) ? buf::append(copy, uint16_t(part)) : nullptr;
        if (to != nullptr) {
            std::memcpy(to, buf::data(m_head), part);
            drop_front(part);
            add(copy);
        } else if (copy != nullptr) {
            buf::free(copy);
        }
    }
    return out;
}

void HeldChain::clear() {
    if (m_head != nullptr) {
        buf::free(m_head);
    }
    m_head = m_tail = nullptr;
    m_bytes = 0;
    m_buffers = 0;
    m_tail_ours = false;
}

}  // namespace slip::stack
