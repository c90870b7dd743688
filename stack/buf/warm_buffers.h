#pragma once
// A few buffers taken from the pool ahead of use, their cache lines prefetched for writing
// when they enter, the header reset (what rte_pktmbuf_alloc does) only when one is taken.
//
// A buffer goes back to the pool once the port (or, with shared-memory ports, the peer) has
// read it, and comes out again a few microseconds later. The peer's read left its lines
// shared in another cache (or evicted them), so the reset that rte_pktmbuf_alloc does at
// once stalls the core on the first write: a TCP sender spent 23% of its core there, in the
// views it allocates per segment. Taking buffers a handful ahead raw, prefetching their
// header lines (and, for header buffers, the lines headers are written into) and resetting
// them only when handed out overlaps those misses instead.
#include <array>
#include <cstdint>

#include "stack/buf/mbuf.h"

namespace slip::stack::buf {

// What the buffers are for, and so which lines are worth prefetching.
enum class WarmFor : uint8_t {
    // Headers are written into the buffer's own data area.
    headers,
    // Indirect views: only the buffer's header is written (it is attached to another's data).
    views,
};

class WarmBuffers {
public:
    static constexpr uint32_t kCapacity = 16;
    // Refilled when it falls to this many, so a buffer sits this many allocations ahead.
    static constexpr uint32_t kLowWater = 8;

    explicit WarmBuffers(MbufPool* pool, WarmFor use = WarmFor::headers) : m_pool(pool), m_use(use) {}
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
        buf::reset(m);
        return m;
    }

    // Back to the pool (at shutdown, or before a leak check), as they were taken.
    void release() {
        while (m_count > 0) {
            buf::give_back_raw(m_pool, m_ring[m_head]);
            m_head = (m_head + 1) % kCapacity;
            --m_count;
        }
    }
    uint32_t held() const { return m_count; }

private:
    void refill() {
        Mbuf* fresh[kCapacity];
        const uint32_t want = kCapacity - m_count;
        if (!buf::take_raw_bulk(m_pool, fresh, want)) {
            // Pool nearly dry: one at a time, as a plain allocation would.
            if (buf::take_raw_bulk(m_pool, fresh, 1)) {
                put(fresh[0]);
            }
            return;
        }
        for (uint32_t i = 0; i < want; ++i) {
            put(fresh[i]);
        }
    }
    void put(Mbuf* m) {
        // The reset writes both of the header's lines (next and nb_segs sit in the second).
        __builtin_prefetch(m, 1, 3);
        __builtin_prefetch(reinterpret_cast<const uint8_t*>(m) + 64, 1, 3);
        if (m_use == WarmFor::headers) {
            // Headers go just in front of and at the data start.
            const uint8_t* at = buf::fresh_data_start(m, m_pool);
            __builtin_prefetch(at - 64, 1, 3);
            __builtin_prefetch(at, 1, 3);
        }
        m_ring[(m_head + m_count) % kCapacity] = m;
        ++m_count;
    }

    MbufPool* m_pool;
    WarmFor m_use;
    std::array<Mbuf*, kCapacity> m_ring{};
    uint32_t m_head = 0;
    uint32_t m_count = 0;
};

}  // namespace slip::stack::buf
