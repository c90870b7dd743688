#pragma once
// A few buffers allocated ahead of use, each prefetched for writing when it enters.
//
// A frame's header buffer goes back to the pool once the port (or, with shared-memory
// ports, the peer) has read it, and comes out again a few microseconds later to take the
// next frame's headers. The peer's read left those cache lines shared in its cache, so
// the write that follows must first take them back: on a large machine that is a
// cross-die round trip per frame, paid with the core stalled. Taking buffers a handful
// ahead and prefetching the lines headers go into overlaps those round trips instead.
#include <array>
#include <cstdint>

#include "stack/buf/mbuf.h"

namespace slip::stack::buf {

class WarmBuffers {
public:
    static constexpr uint32_t kCapacity = 16;
    // Refilled when it falls to this many, so a buffer sits this many allocations ahead.
    static constexpr uint32_t kLowWater = 8;

    explicit WarmBuffers(MbufPool* pool) : m_pool(pool) {}
    ~WarmBuffers() { release(); }
    WarmBuffers(const WarmBuffers&) = delete;
    WarmBuffers& operator=(const WarmBuffers&) = delete;

    // A fresh buffer (as rte_pktmbuf_alloc gives), or nullptr when the pool is empty.
    Mbuf* take() {
        if (m_count <= kLowWater) {
            refill();
        }
        if (m_count == 0) {
            return nullptr;
        }
        Mbuf* m = m_ring[m_head];
        m_head = (m_head + 1) % kCapacity;
        --m_count;
        return m;
    }

    // Back to the pool (at shutdown, or before a leak check).
    void release() {
        while (m_count > 0) {
            buf::free(m_ring[m_head]);
            m_head = (m_head + 1) % kCapacity;
            --m_count;
        }
    }
    uint32_t held() const { return m_count; }

private:
    void refill() {
        Mbuf* fresh[kCapacity];
        const uint32_t want = kCapacity - m_count;
        if (rte_pktmbuf_alloc_bulk(m_pool, fresh, want) != 0) {
            // Pool nearly dry: one at a time, as a plain allocation would.
            Mbuf* one = buf::alloc(m_pool);
            if (one != nullptr) {
                put(one);
            }
            return;
        }
        for (uint32_t i = 0; i < want; ++i) {
            put(fresh[i]);
        }
    }
    void put(Mbuf* m) {
        // Headers are written just in front of and at the data start: the line before it
        // and the line it starts.
        const uint8_t* at = buf::data(m);
        __builtin_prefetch(at - 64, 1, 3);
        __builtin_prefetch(at, 1, 3);
        m_ring[(m_head + m_count) % kCapacity] = m;
        ++m_count;
    }

    MbufPool* m_pool;
    std::array<Mbuf*, kCapacity> m_ring{};
    uint32_t m_head = 0;
    uint32_t m_count = 0;
};

}  // namespace slip::stack::buf
