#pragma once
// Fixed-capacity FIFO of packet buffers, single-threaded (used inside one core:
// the stack's transmit queue, the impairment delay line's overflow, tests).
// Power-of-two capacity with free-running indices, like rte_ring without the atomics.
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "stack/buf/mbuf.h"

namespace slip::stack {

class MbufQueue {
public:
    explicit MbufQueue(uint32_t capacity) : m_slots(std::bit_ceil(capacity)), m_mask(m_slots.size() - 1) {}
    ~MbufQueue() { clear(); }
    MbufQueue(const MbufQueue&) = delete;
    MbufQueue& operator=(const MbufQueue&) = delete;

    bool push(Mbuf* m) {
        if (size() == m_slots.size()) {
            return false;
        }
        m_slots[m_tail++ & m_mask] = m;
        return true;
    }
    // Moves up to out.size() buffers out; returns how many.
    uint32_t pop_burst(std::span<Mbuf*> out) {
        uint32_t n = 0;
        while (n < out.size() && m_head != m_tail) {
            out[n++] = m_slots[m_head++ & m_mask];
        }
        return n;
    }
    uint32_t size() const { return m_tail - m_head; }
    uint32_t capacity() const { return static_cast<uint32_t>(m_slots.size()); }
    bool empty() const { return m_head == m_tail; }
    void clear() {
        while (m_head != m_tail) {
            buf::free(m_slots[m_head++ & m_mask]);
        }
    }

private:
    std::vector<Mbuf*> m_slots;
    uint32_t m_mask;
    uint32_t m_head = 0;  // free-running; wraps modulo 2^32 like rte_ring's indices
    uint32_t m_tail = 0;
};

}  // namespace slip::stack
