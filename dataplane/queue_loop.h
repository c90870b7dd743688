#pragma once
// One polling core's work on one RX/TX queue pair:
//   rx burst -> rx impairment -> stack.rx -> timers -> stack.poll_tx -> tx impairment
//   -> TX buffer -> tx burst
// The core owns its stack, services, impairment state and counters (shared-nothing);
// other cores only read the counters it publishes.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/app_set.h"
#include "dataplane/client_stats.h"
#include "dataplane/clock.h"
#include "dataplane/engine_options.h"
#include "dataplane/impairment.h"
#include "dataplane/quic_service.h"
#include "dataplane/seqlock.h"
#include "dataplane/tx_buffer.h"
#include "dataplane/tx_linearize.h"
#include "dataplane/worker_bridge.h"
#include "stack/app/tcp_binding.h"
#include "stack/buf/pattern_source.h"
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
    uint64_t busy_ns = 0;  // time in polls that did work (received, sent, ran timers or commands)
    uint64_t neighbors = 0;
    uint64_t neighbor_pending = 0;
    uint64_t tcp_connections = 0;
    uint64_t tcp_established = 0;
    uint64_t tcp_close_wait = 0;
    uint64_t tcp_time_wait = 0;
    uint64_t tx_linearized = 0;
    uint64_t app_connections = 0;       // connections applications own
    uint64_t app_received_bytes = 0;    // received for applications, not consumed yet
    uint64_t app_received_buffers = 0;  // packet buffers those bytes pin
    uint64_t app_spilled_bytes = 0;     // copied out of receive buffers (held past the threshold)
    uint64_t handed_out = 0;       // frames handed to the queue owning their flow
    uint64_t handed_in = 0;        // frames other queues handed to this one
    uint64_t handoff_dropped = 0;  // a full ring to their owner: dropped (TCP retransmits)
    uint64_t worker_events_out = 0;
    uint64_t worker_commands_in = 0;
    uint64_t worker_ring_full_stalls = 0;
    ImpairmentStats impair_rx;
    ImpairmentStats impair_tx;
    stack::Counters stack;
    ClientStats client;  // the active application's (queue 0)
    // The QUIC endpoint's (all zero without --quic-port).
    stack::quic::EndpointCounters quic;
    QuicGauges quic_gauges;

    QueueStats& operator+=(const QueueStats& o);
};

class QueueLoop {
public:
    static constexpr uint32_t kMaxBurst = 64;

    // Frames between polling cores (several queues): to_queue[p] carries this core's frames
    // for queue p, from_queue[p] queue p's for this core (nullptr for this queue itself).
    struct Handoff {
        std::vector<SpscRing<stack::Mbuf*>*> to_queue;
        std::vector<SpscRing<stack::Mbuf*>*> from_queue;
    };
    // Serves every listener of `apps`: inline (an instance of each, made for this core)
    // without `workers`, else on the workers, one channel each. Its datagram services and
    // (queue 0) its active application run inline, an instance made for this core.
    // `quic_keys`: the engine's, when opts.quic is enabled (a QUIC service runs on this core).
    QueueLoop(const EngineOptions& opts, const Port& port, uint16_t queue, const AppSet& apps,
              std::span<WorkerChannel* const> workers = {}, Handoff handoff = {},
              const QuicSharedKeys* quic_keys = nullptr);
    ~QueueLoop();

    // Polls until `stop` is set. `tick`, when given, runs every `tick_ns` on this core
    // (used when the main core also polls and supervises).
    void run(const std::atomic<bool>& stop, void (*tick)(void*) = nullptr, void* tick_arg = nullptr,
             uint64_t tick_ns = 0);
    // One poll; true when it did work.
    bool poll_once(stack::Instant now);

    // When `*flag` becomes true (set by the main lcore), the loop asks its applications to
    // drain, once, on its own core.
    void watch_drain(const std::atomic<bool>* flag) { m_drain = flag; }
    // Consistent counters of this queue, readable from any core while it runs.
    QueueStats stats() const;
    uint16_t queue() const { return m_queue; }
    // The engine's XDP program answers SYNs with cookies this queue's TCP must accept:
    // share `keys`, and read the cookies' time slot and TSval from CLOCK_MONOTONIC as
    // extrapolated by this loop's TSC clock (the program reads bpf_ktime_get_ns() plus the
    // offset the engine writes from syn_cookie_clock_ns). Before run().
    void share_syn_cookies(const stack::tcp::SynCookieKeys* keys);
    // That clock now, in nanoseconds; readable from any thread.
    int64_t syn_cookie_clock_ns() const { return int64_t(m_clock.now().ns) + m_syn_cookie_clock_offset; }

private:
    void publish();
    // Several queues: frames for flows another queue owns go there; returns how many of
    // `burst` stay here (compacted to its front).
    uint16_t steer(std::span<stack::Mbuf*> burst);
    void take_handoffs(stack::Instant now);
    void transmit(stack::Instant now);
    // Makes this core's QUIC service and binds it to its UDP port; throws SetupError.
    void start_quic(const QuicOptions& options, const QuicApplicationSpec& application, const QuicSharedKeys* keys,
                    const Port& port);

    uint16_t m_port_id;
    uint16_t m_queue;
    uint32_t m_burst;
    TscClock m_clock;
    int64_t m_syn_cookie_clock_offset = 0;  // CLOCK_MONOTONIC minus m_clock at share_syn_cookies
    bool m_linearize;  // the driver cannot send chained buffers (see tx_linearize.h)
    stack::MbufPool* m_pool;
    // One per datagram spec, bound to the stack; declared before it, so destroyed after it.
    std::vector<std::unique_ptr<stack::UdpService>> m_datagram_services;
    std::unique_ptr<QuicService> m_quic;  // bound to the stack like the datagram services
    std::unique_ptr<ActiveDatagramApplication> m_active_udp;  // queue 0 only; bound like m_quic
    stack::NetStack m_stack;
    stack::PatternSource m_pattern;
    app::TcpBinding m_binding;
    std::vector<std::unique_ptr<app::Application>> m_apps;
    std::unique_ptr<ActiveApplication> m_active;  // queue 0 only
    std::unique_ptr<WorkerBridge> m_bridge;
    Handoff m_handoff;
    // Frames of one received burst for each other queue, handed over in one burst each.
    struct Outbox {
        std::array<stack::Mbuf*, kMaxBurst> frames;
        uint32_t count = 0;
    };
    std::vector<Outbox> m_outbox;  // by queue (several queues only)
    const std::atomic<bool>* m_drain = nullptr;
    bool m_drained = false;
    Impairment m_impair_rx;
    Impairment m_impair_tx;
    TxBuffer m_tx;
    LinearizeStats m_linearized;
    QueueStats m_local;
    SeqLocked<sizeof(QueueStats) / 8> m_published;
};

}  // namespace slip::dataplane
