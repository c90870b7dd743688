#pragma once
// The stack's one window onto DPDK: the packet buffer (rte_mbuf) and its pool.
// Nothing else of DPDK is visible to stack/ (scripts/check_layers.py enforces it).
// Packets stay in the buffers the port received them into; headers are pushed and
// pulled in place, and replies reuse the request's buffer where they can.
#include <rte_mbuf.h>

#include <cstdint>
#include <span>

namespace slip::stack {

using Mbuf = rte_mbuf;
using MbufPool = rte_mempool;

namespace buf {

inline uint8_t* data(Mbuf* m) { return rte_pktmbuf_mtod(m, uint8_t*); }
inline const uint8_t* data(const Mbuf* m) { return rte_pktmbuf_mtod(m, const uint8_t*); }
// Bytes in the first segment; parsers only look at headers, which the stack requires
// to be in the first segment (every PMD we use delivers a header-complete first segment).
inline uint32_t head_len(const Mbuf* m) { return m->data_len; }
inline uint32_t pkt_len(const Mbuf* m) { return m->pkt_len; }
inline uint16_t headroom(const Mbuf* m) { return rte_pktmbuf_headroom(m); }

// Strip n bytes from the front (after parsing a header). Returns the new start.
inline uint8_t* pull(Mbuf* m, uint16_t n) { return reinterpret_cast<uint8_t*>(rte_pktmbuf_adj(m, n)); }
// Reserve n bytes in front (to write a header). nullptr when the headroom is too small.
inline uint8_t* push(Mbuf* m, uint16_t n) { return reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, n)); }
// Drop bytes past `len` (Ethernet padding, or bytes beyond an IP length field).
inline void trim_to(Mbuf* m, uint32_t len) {
    if (m->pkt_len > len) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - len));
    }
}
// Append n bytes at the tail of a single-segment buffer; nullptr when it does not fit.
inline uint8_t* append(Mbuf* m, uint16_t n) { return reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, n)); }

inline Mbuf* alloc(MbufPool* pool) { return rte_pktmbuf_alloc(pool); }
// Buffers taken from (and given back to) the pool as they lie in it, without the header
// reset rte_pktmbuf_alloc does: lets WarmBuffers prefetch a buffer's header lines before the
// reset writes them. A raw buffer must go through reset() before use.
inline bool take_raw_bulk(MbufPool* pool, Mbuf** out, unsigned n) {
    return rte_mempool_get_bulk(pool, reinterpret_cast<void**>(out), n) == 0;
}
inline void give_back_raw(MbufPool* pool, Mbuf* m) { rte_mempool_put(pool, m); }
// Where a fresh buffer's data will start, worked out from the pool alone (reading the
// buffer's own fields would be the very cache miss a prefetch of it is meant to hide).
inline const uint8_t* fresh_data_start(const Mbuf* m, MbufPool* pool) {
    return reinterpret_cast<const uint8_t*>(m) + sizeof(Mbuf) + rte_pktmbuf_priv_size(pool) + RTE_PKTMBUF_HEADROOM;
}
inline void free(Mbuf* m) { rte_pktmbuf_free(m); }
inline void free_bulk(std::span<Mbuf*> ms) {
    if (!ms.empty()) {
        rte_pktmbuf_free_bulk(ms.data(), static_cast<unsigned>(ms.size()));
    }
}
inline void reset(Mbuf* m) { rte_pktmbuf_reset(m); }
inline void prefetch_data(const Mbuf* m) { rte_prefetch0(rte_pktmbuf_mtod(m, const void*)); }
// Every cache line of a short frame (up to 256 bytes: handshakes, ACKs, requests), the first
// line of a longer one (its payload is read in order, where the hardware prefetcher helps).
inline void prefetch_short_frame(const Mbuf* m) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    rte_prefetch0(p);
    if (m->data_len <= 256) {
        for (uint32_t at = 64 - (reinterpret_cast<uintptr_t>(p) & 63); at < m->data_len; at += 64) {
            rte_prefetch0(p + at);
        }
    }
}

// Zero-copy references (TCP send queue): `mi`, a fresh buffer from any pool, is made an
// indirect view of `len` bytes at `offset` into segment `m`'s data; m's buffer stays alive
// (reference count) until every view of it is freed.
inline void attach_range(Mbuf* mi, Mbuf* m, uint16_t offset, uint16_t len) {
    rte_pktmbuf_attach(mi, m);
    mi->data_off = static_cast<uint16_t>(mi->data_off + offset);
    mi->data_len = len;
    mi->pkt_len = len;
}
// Frees one segment, not the chain behind it (the caller unlinked it).
inline void free_segment(Mbuf* m) {
    m->next = nullptr;
    m->nb_segs = 1;
    rte_pktmbuf_free_seg(m);
}
// Appends `tail` (a chain) behind `head`'s last segment, fixing the head's totals.
inline void chain(Mbuf* head, Mbuf* last_of_head, Mbuf* tail, uint32_t tail_len, uint16_t tail_segs) {
    last_of_head->next = tail;
    head->pkt_len += tail_len;
    head->nb_segs = static_cast<uint16_t>(head->nb_segs + tail_segs);
}

// Removes `n` bytes from the front of a chain, freeing segments emptied on the way;
// returns the new head (nullptr when nothing is left).
inline Mbuf* trim_front(Mbuf* m, uint32_t n) {
    while (m != nullptr && n >= m->data_len) {
        n -= m->data_len;
        Mbuf* next = m->next;
        const uint32_t rest_len = m->pkt_len - m->data_len;
        const uint16_t rest_segs = static_cast<uint16_t>(m->nb_segs - 1);
        free_segment(m);
        m = next;
        if (m != nullptr) {
            m->pkt_len = rest_len;
            m->nb_segs = rest_segs;
        }
    }
    if (m != nullptr && n > 0) {
        m->data_off = static_cast<uint16_t>(m->data_off + n);
        m->data_len = static_cast<uint16_t>(m->data_len - n);
        m->pkt_len -= n;
    }
    return m;
}
// Keeps the first `len` bytes of a chain (len > 0), freeing whole segments past them.
inline void truncate(Mbuf* m, uint32_t len) {
    if (m->pkt_len <= len) {
        return;
    }
    m->pkt_len = len;
    uint16_t segs = 1;
    Mbuf* seg = m;
    while (len > seg->data_len) {
        len -= seg->data_len;
        seg = seg->next;
        ++segs;
    }
    seg->data_len = static_cast<uint16_t>(len);
    Mbuf* rest = seg->next;
    seg->next = nullptr;
    m->nb_segs = segs;
    if (rest != nullptr) {
        rte_pktmbuf_free(rest);
    }
}

// The NIC already verified the L4 checksum (PCI NICs set this; af_xdp/memif do not).
inline bool l4_checksum_verified(const Mbuf* m) {
    return (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}
inline bool ip_checksum_verified(const Mbuf* m) {
    return (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

}  // namespace buf
}  // namespace slip::stack
