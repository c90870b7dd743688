#include "stack/buf/static_buffer.h"

namespace slip::stack::buf {

StaticBuffer* StaticBuffer::adopt(Mbuf* m) { return m != nullptr ? new StaticBuffer(m) : nullptr; }

StaticBuffer::StaticBuffer(Mbuf* m) : m_buffer(m) {
    m_shinfo.free_cb = &StaticBuffer::released;
    m_shinfo.fcb_opaque = this;
    // Held at one: rte_mbuf_ext_refcnt_update's plain path (read 1, store 0, call us).
    rte_mbuf_ext_refcnt_set(&m_shinfo, 1);
}

void StaticBuffer::retire() {
    m_retired = true;
    if (m_live == 0) {
        buf::free(m_buffer);
        delete this;
    }
}

void StaticBuffer::released(void*, void* opaque) {
    auto* self = static_cast<StaticBuffer*>(opaque);
    // DPDK stored zero on its way here; the next view's free must see one again.
    rte_mbuf_ext_refcnt_set(&self->m_shinfo, 1);
    --self->m_live;
    if (self->m_retired && self->m_live == 0) {
        buf::free(self->m_buffer);
        delete self;
    }
}

void StaticBuffer::add_view(Mbuf* mi, uint16_t data_off, uint16_t len) {
    // attach_extbuf leaves the shared count alone (the count stays at one).
    rte_pktmbuf_attach_extbuf(mi, m_buffer->buf_addr, rte_mbuf_iova_get(m_buffer),
                              m_buffer->buf_len, &m_shinfo);
    mi->data_off = data_off;
    mi->data_len = len;
    mi->pkt_len = len;
    ++m_live;
}

void StaticBuffer::attach(Mbuf* mi, uint32_t offset, uint16_t len) {
    add_view(mi, static_cast<uint16_t>(m_buffer->data_off + offset), len);
}

bool StaticBuffer::is_view(const Mbuf* m) {
    return RTE_MBUF_HAS_EXTBUF(m) && m->shinfo->free_cb == &StaticBuffer::released;
}

void StaticBuffer::attach_to_view(Mbuf* mi, const Mbuf* m, uint16_t offset, uint16_t len) {
    auto* self = static_cast<StaticBuffer*>(m->shinfo->fcb_opaque);
    self->add_view(mi, static_cast<uint16_t>(m->data_off + offset), len);
}

}  // namespace slip::stack::buf
