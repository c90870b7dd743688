#pragma once
// A single-producer single-consumer ring of fixed-size items, for events and commands between
// one polling core and one worker core. The discipline is rte_ring's: a power-of-two size,
// free-running 32-bit indices (the difference head - tail is the fill level even across
// wrap-around), producer and consumer state on separate cache lines, bursts both ways, and
// nothing ever blocks: a full ring takes fewer items and says how many.
//
// Each side keeps a cached copy of the other side's index and reads the shared one only
// when the cache says the ring is full (producer) or empty (consumer): in the steady state a
// burst touches one shared cache line, the slots.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <type_traits>

namespace slip::dataplane {

template <typename T>
class SpscRing {
    static_assert(std::is_trivially_copyable_v<T>, "items are copied into and out of the slots");

public:
    // `capacity` is rounded up to a power of two (at least 2). Allocates: not on the data path.
    // `start` is where the free-running indices begin: tests start near 2^32 to cross the wrap.
    explicit SpscRing(uint32_t capacity, uint32_t start = 0)
        : m_mask(round_up_pow2(capacity) - 1), m_slots(new T[m_mask + 1]) {
        m_prod.head.store(start, std::memory_order_relaxed);
        m_prod.cached_tail = start;
        m_cons.tail.store(start, std::memory_order_relaxed);
        m_cons.cached_head = start;
    }
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    uint32_t capacity() const { return m_mask + 1; }

    // Producer side only. Copies up to items.size() items in; returns how many were taken.
    uint32_t enqueue_burst(std::span<const T> items) {
        const uint32_t head = m_prod.head.load(std::memory_order_relaxed);  // only we write it
        uint32_t room = capacity() - (head - m_prod.cached_tail);
        if (room < items.size()) {
            // Pairs with the consumer's release store of tail in dequeue_burst: the slots it
            // has given back are no longer read, so we may overwrite them.
            m_prod.cached_tail = m_cons.tail.load(std::memory_order_acquire);
            room = capacity() - (head - m_prod.cached_tail);
        }
        const uint32_t n = items.size() < room ? uint32_t(items.size()) : room;
        for (uint32_t i = 0; i < n; ++i) {
            m_slots[(head + i) & m_mask] = items[i];
        }
        // Pairs with the consumer's acquire load of head: the slot writes above are visible
        // to it before the new head is.
        m_prod.head.store(head + n, std::memory_order_release);
        return n;
    }

    // Consumer side only. Copies up to out.size() items out; returns how many.
    uint32_t dequeue_burst(std::span<T> out) {
        const uint32_t tail = m_cons.tail.load(std::memory_order_relaxed);  // only we write it
        uint32_t ready = m_cons.cached_head - tail;
        if (ready < out.size()) {
            // Pairs with the producer's release store of head in enqueue_burst: the slots up
            // to the new head are written.
            m_cons.cached_head = m_prod.head.load(std::memory_order_acquire);
            ready = m_cons.cached_head - tail;
        }
        const uint32_t n = out.size() < ready ? uint32_t(out.size()) : ready;
        for (uint32_t i = 0; i < n; ++i) {
            out[i] = m_slots[(tail + i) & m_mask];
        }
        // Pairs with the producer's acquire load of tail: our reads of these slots are done
        // before it may reuse them.
        m_cons.tail.store(tail + n, std::memory_order_release);
        return n;
    }

    // Approximate from either side (the other side moves meanwhile); exact when both are idle.
    uint32_t size() const {
        // Acquire on both: a caller that sees the ring empty or full by these numbers sees
        // the slot contents that went with them.
        return m_prod.head.load(std::memory_order_acquire) - m_cons.tail.load(std::memory_order_acquire);
    }
    bool empty() const { return size() == 0; }

private:
    static uint32_t round_up_pow2(uint32_t n) {
        uint32_t p = 2;
        while (p < n && p < (1u << 31)) {
            p <<= 1;
        }
        return p;
    }

    static constexpr size_t kLine = 64;

    // Written by the producer; its cached_tail is the producer's private copy.
    struct alignas(kLine) Producer {
        std::atomic<uint32_t> head{0};
        uint32_t cached_tail = 0;
    };
    // Written by the consumer; its cached_head is the consumer's private copy.
    struct alignas(kLine) Consumer {
        std::atomic<uint32_t> tail{0};
        uint32_t cached_head = 0;
    };

    Producer m_prod;
    Consumer m_cons;
    alignas(kLine) const uint32_t m_mask;
    const std::unique_ptr<T[]> m_slots;
};

}  // namespace slip::dataplane
