#include "dataplane/tx_linearize.h"

#include <cstring>

namespace slip::dataplane {

namespace {

// A one-buffer copy of chain `m`, or nullptr (and the reason counted) when there is none.
stack::Mbuf* flat_copy(const stack::Mbuf* m, stack::MbufPool* pool, LinearizeStats& stats) {
    const uint32_t len = stack::buf::pkt_len(m);
    // A fresh buffer's tailroom: its data room less the standard headroom.
    const uint32_t room = rte_pktmbuf_data_room_size(pool);
    if (room < RTE_PKTMBUF_HEADROOM || len > room - RTE_PKTMBUF_HEADROOM) {
        ++stats.too_long;
        return nullptr;
    }
    stack::Mbuf* flat = stack::buf::alloc(pool);
    if (flat == nullptr) {
        ++stats.no_buffer;
        return nullptr;
    }
    uint8_t* dst = stack::buf::append(flat, static_cast<uint16_t>(len));
    for (const stack::Mbuf* seg = m; seg != nullptr; seg = seg->next) {
        std::memcpy(dst, stack::buf::data(seg), seg->data_len);
        dst += seg->data_len;
    }
    // Whatever the frame asked of the driver stays asked.
    flat->ol_flags = m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK;
    flat->tx_offload = m->tx_offload;
    ++stats.linearized;
    return flat;
}

}  // namespace

uint32_t linearize_frames(std::span<stack::Mbuf*> frames, stack::MbufPool* pool, LinearizeStats& stats) {
    uint32_t kept = 0;
    for (stack::Mbuf* m : frames) {
        if (m->nb_segs == 1 && m->next == nullptr) {
            frames[kept++] = m;
            continue;
        }
        stack::Mbuf* flat = flat_copy(m, pool, stats);
        stack::buf::free(m);
        if (flat != nullptr) {
            frames[kept++] = flat;
        }
    }
    return kept;
}

}  // namespace slip::dataplane
