#pragma once
// A buffer shared by many views on one core without reference-count atomics: the
// services' pattern bytes, which every bulk sender references instead of copying.
//
// Indirect views (rte_pktmbuf_attach) increment and decrement the viewed buffer's
// reference count with locked instructions; a bulk sender makes and frees several views
// per segment, and each locked instruction also waits for the core's pending stores
// (header writes that miss cache while the peer reads our frames), serialising what would
// otherwise overlap. Views of a StaticBuffer are external-buffer views whose shared info
// keeps its count at one: DPDK then takes its non-atomic path and calls our release hook
// on every free, where a plain counter tracks the live views.
//
// Single core: views must be made and freed on the owning core (as TX queues free on the
// core that sends). The owner calls retire() instead of freeing; the last view out (or
// retire itself, when none is left) frees the buffer and this object.
#include <cstdint>

#include "stack/buf/mbuf.h"

namespace slip::stack::buf {

class StaticBuffer {
public:
    // Takes ownership of `m` (a direct, single-segment buffer).
    static StaticBuffer* adopt(Mbuf* m);
    // Gives up ownership; freed now or when the last view goes.
    void retire();

    const uint8_t* data() const { return buf::data(m_buffer); }
    uint32_t len() const { return m_buffer->data_len; }
    uint32_t live_views() const { return m_live; }

    // Makes `mi` (a fresh, direct buffer) a view of `len` bytes at `offset` into the data.
    void attach(Mbuf* mi, uint32_t offset, uint16_t len);
    // Whether `m` is a view of some StaticBuffer (views of views are views of the buffer).
    static bool is_view(const Mbuf* m);
    // Makes `mi` a view of `len` bytes at `offset` into view `m`'s data.
    static void attach_to_view(Mbuf* mi, const Mbuf* m, uint16_t offset, uint16_t len);

private:
    explicit StaticBuffer(Mbuf* m);
    static void released(void* addr, void* opaque);
    void add_view(Mbuf* mi, uint16_t data_off, uint16_t len);

    rte_mbuf_ext_shared_info m_shinfo{};
    Mbuf* m_buffer;
    uint32_t m_live = 0;
    bool m_retired = false;
};

}  // namespace slip::stack::buf
