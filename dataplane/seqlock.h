#pragma once
// A single-writer sequence lock over a block of 64-bit counters: the polling core
// publishes its counters without ever waiting; readers (the main core printing
// statistics) retry until they see a consistent copy. Every word is accessed through
// std::atomic_ref, so a reader racing the writer is a retry, never a data race.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace slip::dataplane {

template <size_t Words>
class SeqLocked {
public:
    void publish(const uint64_t* src) {
        const uint32_t s = m_seq.load(std::memory_order_relaxed);
        // W1: odd sequence = write in progress. Relaxed store, then a release fence so
        // the word stores below cannot move above it (pairs with R3).
        m_seq.store(s + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        for (size_t i = 0; i < Words; ++i) {
            std::atomic_ref<uint64_t>(m_words[i]).store(src[i], std::memory_order_relaxed);
        }
        // W2: even again; release makes the words visible before it (pairs with R1).
        m_seq.store(s + 2, std::memory_order_release);
    }

    void read(uint64_t* dst) const {
        for (;;) {
            // R1: acquire pairs with W2: a finished write's words are visible.
            const uint32_t before = m_seq.load(std::memory_order_acquire);
            if (before & 1u) {
                continue;
            }
            for (size_t i = 0; i < Words; ++i) {
                dst[i] = std::atomic_ref<uint64_t>(const_cast<uint64_t&>(m_words[i])).load(std::memory_order_relaxed);
            }
            // R3: acquire fence keeps the word loads above the re-check (pairs with W1).
            std::atomic_thread_fence(std::memory_order_acquire);
            if (m_seq.load(std::memory_order_relaxed) == before) {
                return;
            }
        }
    }

private:
    alignas(64) std::atomic<uint32_t> m_seq{0};
    alignas(64) uint64_t m_words[Words] = {};
};

}  // namespace slip::dataplane
