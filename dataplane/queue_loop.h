#pragma once
// One polling core's work on one RX/TX queue pair:
//   rx burst -> rx impairment -> stack.rx -> timers -> stack.poll_tx -> tx impairment
//   -> TX buffer -> tx burst
// The core owns its stack, services, impairment state and counters (shared-nothing);
// other cores only read the counters it publishes.
#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/clock.h"
#include "dataplane/engine_options.h"
#include "dataplane/impairment.h"
#include "dataplane/seqlock.h"
#include "dataplane/tx_buffer.h"
#include "stack/services/udp_echo.h"
#include "stack/session/net_stack.h"

namespace slip::dataplane {

class Port;

struct QueueStats {
    uint64_t rx_packets = 0;
    uint64_t rx_bursts = 0;
    uint64_t tx_packets = 0;
    uint64_t tx_dropped = 0;
    uint64_t tx_partial = 0;
    uint64_t polls = 0;
    uint64_t neighbors = 0;
    uint64_t neighbor_pending = 0;
    ImpairmentStats impair_rx;
    ImpairmentStats impair_tx;
    stack::Counters stack;

    QueueStats& operator+=(const QueueStats& o);
};

class QueueLoop {
public:
    static constexpr uint32_t kMaxBurst = 64;

    QueueLoop(const EngineOptions& opts, const Port& port, uint16_t queue);
    ~QueueLoop();

    // Polls until `stop` is set. `tick`, when given, runs every `tick_ns` on this core
    // (used when the main core also polls and supervises).
    void run(const std::atomic<bool>& stop, void (*tick)(void*) = nullptr, void* tick_arg = nullptr,
             uint64_t tick_ns = 0);
    void poll_once(stack::Instant now);

    // Consistent counters of this queue, readable from any core while it runs.
    QueueStats stats() const;
    uint16_t queue() const { return m_queue; }

private:
    void publish();
    void transmit(stack::Instant now);

    uint16_t m_port_id;
    uint16_t m_queue;
    uint32_t m_burst;
    TscClock m_clock;
    stack::NetStack m_stack;
    stack::UdpEcho m_udp_echo;
    Impairment m_impair_rx;
    Impairment m_impair_tx;
    TxBuffer m_tx;
    QueueStats m_local;
    SeqLocked<sizeof(QueueStats) / 8> m_published;
};

}  // namespace slip::dataplane
