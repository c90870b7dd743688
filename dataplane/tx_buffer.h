#pragma once
// Frames waiting for one TX queue. What the PMD does not take stays queued and is
// offered again on the next poll; once the queue has taken nothing for `stall_timeout_ns`,
// the waiting frames are dropped and counted (a stuck link must not pin buffers forever).
//
// `max_per_call` caps how many frames one rte_eth_tx_burst call is offered (0: no cap),
// for drivers that mishandle larger bursts (see Port::tx_burst_limit).
#include <rte_ethdev.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "stack/buf/mbuf.h"

namespace slip::dataplane {

class TxBuffer {
public:
    static constexpr uint32_t kCapacity = 1024;

    TxBuffer(uint16_t port, uint16_t queue, uint64_t stall_timeout_ns, uint16_t max_per_call = 0,
             bool kick_when_idle = false)
        : m_port(port), m_queue(queue), m_stall_timeout_ns(stall_timeout_ns), m_kick_when_idle(kick_when_idle),
          m_max_per_call(max_per_call == 0 ? UINT16_MAX : max_per_call) {}
    ~TxBuffer() { stack::buf::free_bulk({m_pkts.data(), m_count}); }
    TxBuffer(const TxBuffer&) = delete;
    TxBuffer& operator=(const TxBuffer&) = delete;

    uint32_t space() const { return kCapacity - m_count; }
    uint32_t pending() const { return m_count; }
    // The caller keeps within space().
    void add(std::span<stack::Mbuf*> pkts) {
        std::memcpy(m_pkts.data() + m_count, pkts.data(), pkts.size() * sizeof(stack::Mbuf*));
        m_count += static_cast<uint32_t>(pkts.size());
    }

    // Free slots at the tail, to be filled in place and then committed.
    std::span<stack::Mbuf*> tail() { return {m_pkts.data() + m_count, kCapacity - m_count}; }
    void commit(uint32_t n) { m_count += n; }

    // `now_ns`: the loop's clock, for the stall timeout.
    void flush(uint64_t now_ns) {
        if (m_count == 0) {
            if (m_kick_when_idle) {
                // An empty burst: lets the driver push out what its ring still holds
                // (Port::tx_needs_kick).
                rte_eth_tx_burst(m_port, m_queue, m_pkts.data(), 0);
            }
            return;
        }
        const uint32_t sent = offer();
        m_sent += sent;
        if (sent == 0) {
            if (m_stalled_since_ns == 0) {
                m_stalled_since_ns = now_ns;
            } else if (now_ns - m_stalled_since_ns >= m_stall_timeout_ns) {
                m_dropped += m_count;
                stack::buf::free_bulk({m_pkts.data(), m_count});
                m_count = 0;
                m_stalled_since_ns = 0;
            }
            return;
        }
        m_stalled_since_ns = 0;
        m_count -= sent;
        if (m_count > 0) {
            ++m_partial;
            std::memmove(m_pkts.data(), m_pkts.data() + sent, m_count * sizeof(stack::Mbuf*));
        }
    }

    uint64_t sent() const { return m_sent; }
    uint64_t dropped() const { return m_dropped; }
    uint64_t partial_flushes() const { return m_partial; }

private:
    // Offers the queued frames in calls of at most m_max_per_call until the driver takes
    // fewer than offered; returns how many it took.
    uint32_t offer() {
        uint32_t sent = 0;
        while (sent < m_count) {
            const uint16_t want = static_cast<uint16_t>(std::min<uint32_t>(m_count - sent, m_max_per_call));
            const uint16_t took = rte_eth_tx_burst(m_port, m_queue, m_pkts.data() + sent, want);
            sent += took;
            if (took < want) {
                break;
            }
        }
        return sent;
    }

    uint16_t m_port;
    uint16_t m_queue;
    uint64_t m_stall_timeout_ns;
    bool m_kick_when_idle;
    uint16_t m_max_per_call;
    uint32_t m_count = 0;
    uint64_t m_stalled_since_ns = 0;  // when the queue last stopped taking frames (0: it takes them)
    uint64_t m_sent = 0;
    uint64_t m_dropped = 0;
    uint64_t m_partial = 0;
    std::array<stack::Mbuf*, kCapacity> m_pkts{};
};

}  // namespace slip::dataplane
