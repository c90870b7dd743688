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
inline void free(Mbuf* m) { rte_pktmbuf_free(m); }
inline void free_bulk(std::span<Mbuf*> ms) {
    if (!ms.empty()) {
        rte_pktmbuf_free_bulk(ms.data(), static_cast<unsigned>(ms.size()));
    }
}
inline void reset(Mbuf* m) { rte_pktmbuf_reset(m); }
inline void prefetch_data(const Mbuf* m) { rte_prefetch0(rte_pktmbuf_mtod(m, const void*)); }

// The NIC already verified the L4 checksum (PCI NICs set this; af_xdp/memif do not).
inline bool l4_checksum_verified(const Mbuf* m) {
    return (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}
inline bool ip_checksum_verified(const Mbuf* m) {
    return (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

}  // namespace buf
}  // namespace slip::stack
