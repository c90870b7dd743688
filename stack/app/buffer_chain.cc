#include "stack/app/buffer_chain.h"

#include <algorithm>
#include <cstring>

#include "stack/app/buffer_chain_mbuf.h"
#include "stack/buf/static_buffer.h"

namespace slip::app {

namespace buf = stack::buf;

// The chain is a well-formed mbuf chain: the head carries the totals (pkt_len, nb_segs).

uint32_t BufferChain::bytes() const { return m_head == nullptr ? 0 : buf::pkt_len(as_mbuf(m_head)); }

uint32_t BufferChain::buffers() const { return m_head == nullptr ? 0 : as_mbuf(m_head)->nb_segs; }

std::span<uint8_t> SegmentIterator::operator*() const {
    stack::Mbuf* m = as_mbuf(m_seg);
    return {buf::data(m), m->data_len};
}

SegmentIterator& SegmentIterator::operator++() {
    m_seg = as_segment(as_mbuf(m_seg)->next);
    return *this;
}

uint32_t BufferView::copy_out(uint32_t offset, std::span<uint8_t> out) const {
    uint32_t done = 0;
    for (const stack::Mbuf* m = as_mbuf(m_head); m != nullptr && done < out.size(); m = m->next) {
        if (offset >= m->data_len) {
            offset -= m->data_len;
            continue;
        }
        const uint32_t n = std::min<uint32_t>(m->data_len - offset, uint32_t(out.size() - done));
        std::memcpy(out.data() + done, buf::data(m) + offset, n);
        done += n;
        offset = 0;
    }
    return done;
}

uint32_t BufferView::find(uint8_t needle, uint32_t from) const {
    uint32_t start = 0;
    for (const stack::Mbuf* m = as_mbuf(m_head); m != nullptr && start < m_bytes; m = m->next) {
        const uint32_t len = std::min<uint32_t>(m->data_len, m_bytes - start);
        if (from < start + len) {
            const uint32_t skip = from > start ? from - start : 0;
            const void* hit = std::memchr(buf::data(m) + skip, needle, len - skip);
            if (hit != nullptr) {
                return start + uint32_t(static_cast<const uint8_t*>(hit) - buf::data(m));
            }
        }
        start += len;
    }
    return m_bytes;
}

void BufferChain::drop_front(uint32_t n) {
    if (m_head != nullptr) {
        m_head = as_segment(buf::trim_front(as_mbuf(m_head), std::min(n, bytes())));
    }
}

void BufferChain::append(BufferChain&& tail) {
    if (tail.m_head == nullptr) {
        return;
    }
    if (m_head == nullptr) {
        m_head = tail.release();
        return;
    }
    stack::Mbuf* head = as_mbuf(m_head);
    stack::Mbuf* last = head;
    while (last->next != nullptr) {
        last = last->next;
    }
    stack::Mbuf* t = as_mbuf(tail.release());
    buf::chain(head, last, t, t->pkt_len, t->nb_segs);
}

void BufferChain::reset() {
    if (m_head != nullptr) {
        buf::free(as_mbuf(m_head));
        m_head = nullptr;
    }
}

namespace {

// Detaches the first segment of a chain; returns it and leaves `head` at the rest.
stack::Mbuf* pop_segment(stack::Mbuf*& head) {
    stack::Mbuf* seg = head;
    stack::Mbuf* rest = seg->next;
    if (rest != nullptr) {
        rest->pkt_len = seg->pkt_len - seg->data_len;
        rest->nb_segs = uint16_t(seg->nb_segs - 1);
    }
    seg->next = nullptr;
    seg->nb_segs = 1;
    seg->pkt_len = seg->data_len;
    head = rest;
    return seg;
}

}  // namespace

BufferChain copy_into_buffers(std::span<const uint8_t> bytes, stack::MbufPool* pool) {
    BufferChain out;
    while (!bytes.empty()) {
        stack::Mbuf* m = buf::alloc(pool);
        if (m == nullptr) {
            return {};
        }
        const uint32_t n = std::min<uint32_t>(uint32_t(bytes.size()), rte_pktmbuf_tailroom(m));
        std::memcpy(buf::append(m, uint16_t(n)), bytes.data(), n);
        out.append(adopt_mbufs(m));
        bytes = bytes.subspan(n);
    }
    return out;
}

BufferChain split_front(BufferChain& c, uint32_t n, stack::MbufPool* view_pool) {
    stack::Mbuf* rest = as_mbuf(c.release());
    stack::Mbuf* out = nullptr;
    stack::Mbuf* last = nullptr;
    const auto add = [&](stack::Mbuf* seg) {
        if (out == nullptr) {
            out = seg;
        } else {
            buf::chain(out, last, seg, seg->data_len, 1);
        }
        last = seg;
    };
    while (rest != nullptr && n >= rest->data_len) {
        n -= rest->data_len;
        add(pop_segment(rest));
    }
    if (rest != nullptr && n > 0 && view_pool != nullptr) {
        if (stack::Mbuf* mi = buf::alloc(view_pool)) {
            if (buf::StaticBuffer::is_view(rest)) {
                buf::StaticBuffer::attach_to_view(mi, rest, 0, uint16_t(n));
            } else {
                buf::attach_range(mi, rest, 0, uint16_t(n));
            }
            rest = buf::trim_front(rest, n);
            add(mi);
        }
    }
    c = adopt_mbufs(rest);
    return adopt_mbufs(out);
}

}  // namespace slip::app
