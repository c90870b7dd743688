#include "dataplane/queue_loop.h"

#include <time.h>

#include <cstring>
#include <type_traits>

#include "dataplane/port.h"
#include "dataplane/setup_error.h"

namespace slip::dataplane {

static_assert(std::is_trivially_copyable_v<QueueStats> && sizeof(QueueStats) % 8 == 0,
              "QueueStats is published as an array of 64-bit words");

namespace {
void add_impairment(ImpairmentStats& a, const ImpairmentStats& b) {
    a.packets_in += b.packets_in;
    a.lost += b.lost;
    a.duplicated += b.duplicated;
    a.corrupted += b.corrupted;
    a.reordered += b.reordered;
    a.delayed += b.delayed;
    a.overflow += b.overflow;
    a.packets_out += b.packets_out;
}
void add_quic(stack::quic::EndpointCounters& a, const stack::quic::EndpointCounters& b) {
    a.datagrams += b.datagrams;
    a.accepted += b.accepted;
    a.refused_full += b.refused_full;
    a.dropped_malformed += b.dropped_malformed;
    a.dropped_small_initial += b.dropped_small_initial;
    a.dropped_unknown += b.dropped_unknown;
    a.dropped_other_address += b.dropped_other_address;
    a.version_negotiations += b.version_negotiations;
    a.retries += b.retries;
    a.tokens_valid += b.tokens_valid;
    a.tokens_invalid += b.tokens_invalid;
    a.stateless_resets += b.stateless_resets;
    a.stateless_resets_limited += b.stateless_resets_limited;
    a.stateless_queue_full += b.stateless_queue_full;
}

void add_quic_gauges(QuicGauges& a, const QuicGauges& b) {
    a.connections += b.connections;
    a.handshaking += b.handshaking;
    a.established += b.established;
    a.confirmed += b.confirmed;
    a.confirmed_total += b.confirmed_total;
    a.tx_datagrams += b.tx_datagrams;
    a.tx_no_buffer += b.tx_no_buffer;
    a.rx_copied += b.rx_copied;
    a.rx_no_buffer += b.rx_no_buffer;
    a.key_updates_initiated += b.key_updates_initiated;
    a.key_updates_followed += b.key_updates_followed;
}
}  // namespace

QueueStats& QueueStats::operator+=(const QueueStats& o) {
    rx_packets += o.rx_packets;
    rx_bursts += o.rx_bursts;
    tx_packets += o.tx_packets;
    tx_dropped += o.tx_dropped;
    tx_partial += o.tx_partial;
    polls += o.polls;
    busy_ns += o.busy_ns;
    neighbors += o.neighbors;
    neighbor_pending += o.neighbor_pending;
    tcp_connections += o.tcp_connections;
    tcp_established += o.tcp_established;
    tcp_close_wait += o.tcp_close_wait;
    tcp_time_wait += o.tcp_time_wait;
    tx_linearized += o.tx_linearized;
    app_connections += o.app_connections;
    app_received_bytes += o.app_received_bytes;
    app_received_buffers += o.app_received_buffers;
    app_spilled_bytes += o.app_spilled_bytes;
    handed_out += o.handed_out;
    handed_in += o.handed_in;
    handoff_dropped += o.handoff_dropped;
    worker_events_out += o.worker_events_out;
    worker_commands_in += o.worker_commands_in;
    worker_ring_full_stalls += o.worker_ring_full_stalls;
    add_impairment(impair_rx, o.impair_rx);
    add_impairment(impair_tx, o.impair_tx);
    stack += o.stack;
    client += o.client;
    add_quic(quic, o.quic);
    add_quic_gauges(quic_gauges, o.quic_gauges);
    return *this;
}

void QueueLoop::share_syn_cookies(const stack::tcp::SynCookieKeys* keys) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    m_syn_cookie_clock_offset = int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - int64_t(m_clock.now().ns);
    m_stack.tcp().share_syn_cookies(keys, m_syn_cookie_clock_offset);
}

QueueLoop::QueueLoop(const EngineOptions& opts, const Port& port, uint16_t queue, const AppSet& apps,
                     std::span<WorkerChannel* const> workers, Handoff handoff, const QuicSharedKeys* quic_keys)
    : m_port_id(port.id()),
      m_queue(queue),
      m_burst(opts.burst),
      m_linearize(!port.multi_seg_tx()),
      m_pool(port.pool()),
      m_stack(
          [&] {
              stack::StackOptions o = opts.stack;
              o.queue = queue;
              o.queues = opts.port.queues;
              return o;
          }(),
          port.mac(), port.pool(), port.view_pool()),
      m_pattern(port.pool(), port.view_pool(), port.pattern_pool()),
      m_binding(m_stack.tcp(), port.pool(), port.view_pool(), &m_pattern, queue, port.held_pool()),
      m_impair_rx(opts.impair_rx, port.pool()),
      // Each direction and queue gets its own stream of random numbers.
      m_impair_tx(
          [&] {
              ImpairmentOptions o = opts.impair_tx;
              o.seed = o.seed * 31 + queue * 2 + 1;
              return o;
          }(),
          port.pool()),
      m_tx(port.id(), queue, opts.tx_stall_timeout_ns, port.tx_burst_limit(), port.tx_needs_kick()) {
    if (const char* error = m_stack.tcp().setup_error()) {
        throw SetupError(error);
    }
    const AppContext context{.queue = queue, .slots = m_binding.slot_count(), .pool = port.pool()};
    for (const DatagramSpec& spec : apps.datagrams) {
        auto service = spec.make(context);
        if (service == nullptr || !m_stack.udp_bind(spec.port, service.get())) {
            throw SetupError("applications: UDP port " + std::to_string(spec.port) +
                             " is served twice (or its service could not be made); give each its own port");
        }
        m_datagram_services.push_back(std::move(service));
    }
    if (opts.quic.enabled()) {
        start_quic(opts.quic, apps.quic, quic_keys, port);
    }
    if (!workers.empty()) {
        m_bridge = std::make_unique<WorkerBridge>(m_binding, workers);
    }
    m_handoff = std::move(handoff);
    m_outbox.resize(m_handoff.to_queue.size());
    for (uint16_t i = 0; i < apps.size(); ++i) {
        const ListenerSpec& spec = apps[i];
        bool ok = false;
        if (m_bridge) {
            ok = m_bridge->listen(spec.port, i);
        } else if (auto a = spec.make(context)) {
            ok = m_binding.listen(spec.port, a.get());
            m_apps.push_back(std::move(a));
        }
        if (!ok) {
            throw SetupError("applications: port " + std::to_string(spec.port) +
                             " is served twice (or its application could not be made); give each its own port");
        }
    }
    if (apps.active.make && queue == 0) {
        m_active = apps.active.make(context);  // inline, whatever the placement of the listeners
    }
    if (apps.active.make_datagram && queue == 0) {
        m_active_udp = apps.active.make_datagram(context);
        if (m_active_udp == nullptr || !m_stack.udp_bind(m_active_udp->port(), m_active_udp.get())) {
            throw SetupError("applications: the UDP client's port is already served (or its client could not be made)");
        }
    }
    publish();
}

QueueLoop::~QueueLoop() {
    // Connections hold buffers of the port's pool: reset them before the pool goes.
    m_stack.tcp().abort_all(m_clock.now());
}

bool QueueLoop::poll_once(stack::Instant now) {
    stack::Mbuf* rx[kMaxBurst];
    // Room for every received frame twice (duplication) plus released held ones.
    stack::Mbuf* staged[3 * kMaxBurst];
    ++m_local.polls;
    m_binding.set_now(now);
    if (m_bridge) {
        m_bridge->run_commands();  // the workers' commands before new packets
    }
    if (m_stack.steering() != nullptr) {
        take_handoffs(now);
    }
    uint16_t n = rte_eth_rx_burst(m_port_id, m_queue, rx, static_cast<uint16_t>(m_burst));
    if (n > 0 && m_stack.steering() != nullptr) {
        m_local.rx_packets += n;  // counted here: some of them go on to other queues
        n = steer({rx, n});
        m_local.rx_packets -= n;
    }
    uint32_t ready = 0;
    if (n > 0 && !m_impair_rx.enabled()) {
        // The common case: straight from the port into the stack.
        m_local.rx_packets += n;
        ++m_local.rx_bursts;
        m_stack.rx({rx, n}, now);
    } else if (n > 0) {
        m_local.rx_packets += n;
        ++m_local.rx_bursts;
        ready = m_impair_rx.process({rx, n}, now, staged);
    } else if (m_impair_rx.held() > 0) {
        ready = m_impair_rx.release(now, {staged, kMaxBurst});
    }
    if (ready > 0) {
        m_stack.rx({staged, ready}, now);
    }
    const bool timers = now >= m_stack.next_deadline();
    if (timers) {
        m_stack.on_timer(now);
    }
    if (m_active) {
        m_active->poll(m_binding);
    }
    // After the received packets and timers: QUIC's own timers, then what it has to send.
    const bool quic = m_quic && m_quic->poll(m_stack, now);
    const bool active_udp = m_active_udp && m_active_udp->poll(m_stack, now);
    if (m_bridge) {
        m_bridge->flush_events();
    }
    const uint64_t sent_before = m_tx.sent();
    const bool pending = m_stack.tx_pending() > 0;
    transmit(now);
    return n > 0 || ready > 0 || timers || quic || active_udp || pending || m_tx.sent() != sent_before;
}

void QueueLoop::start_quic(const QuicOptions& options, const QuicApplicationSpec& application,
                           const QuicSharedKeys* keys, const Port& port) {
    if (keys == nullptr) {
        throw SetupError("quic: the engine made no endpoint keys for queue " + std::to_string(m_queue));
    }
    std::string error;
    m_quic = QuicService::create(options, *keys, application, m_queue, port.pool(), error);
    if (m_quic == nullptr) {
        throw SetupError(error);
    }
    if (!m_stack.udp_bind(options.port, m_quic.get())) {
        throw SetupError("--quic-port " + std::to_string(options.port) +
                         " is already a UDP service's port (--udp-echo-port?); give QUIC its own port");
    }
}

uint16_t QueueLoop::steer(std::span<stack::Mbuf*> burst) {
    const stack::FlowSteering& s = *m_stack.steering();
    uint16_t kept = 0;
    for (stack::Mbuf* m : burst) {
        const uint16_t q = s.classify(m);
        if (q == stack::FlowSteering::kLocal || q == m_queue) {
            burst[kept++] = m;
            continue;
        }
        if (q == stack::FlowSteering::kEveryQueue) {
            // A neighbour's answer: every queue's table learns it (this one from the original).
            for (uint16_t p = 0; p < m_outbox.size(); ++p) {
                stack::Mbuf* copy = p == m_queue ? nullptr : rte_pktmbuf_copy(m, m_pool, 0, UINT32_MAX);
                if (copy != nullptr) {
                    m_outbox[p].frames[m_outbox[p].count++] = copy;
                } else if (p != m_queue) {
                    ++m_local.handoff_dropped;  // no buffer for the copy
                }
            }
            burst[kept++] = m;
            continue;
        }
        m_outbox[q].frames[m_outbox[q].count++] = m;
    }
    // One burst per owner: each input frame adds at most one frame to each outbox.
    for (uint16_t p = 0; p < m_outbox.size(); ++p) {
        Outbox& box = m_outbox[p];
        if (box.count == 0) {
            continue;
        }
        const uint32_t n = m_handoff.to_queue[p]->enqueue_burst(std::span<stack::Mbuf* const>(box.frames.data(), box.count));
        m_local.handed_out += n;
        if (n < box.count) {
            // The owner is far behind: dropped as a loss would be; TCP recovers.
            rte_pktmbuf_free_bulk(box.frames.data() + n, box.count - n);
            m_local.handoff_dropped += box.count - n;
        }
        box.count = 0;
    }
    return kept;
}

void QueueLoop::take_handoffs(stack::Instant now) {
    stack::Mbuf* in[kMaxBurst];
    for (SpscRing<stack::Mbuf*>* ring : m_handoff.from_queue) {
        if (ring == nullptr) {
            continue;
        }
        const uint32_t n = ring->dequeue_burst(std::span(in, m_burst));
        if (n > 0) {
            m_local.handed_in += n;
            m_local.rx_packets += n;
            m_stack.rx({in, n}, now);
        }
    }
}

void QueueLoop::transmit(stack::Instant now) {
    if (!m_impair_tx.enabled()) {
        // The stack writes straight into the TX buffer's free slots.
        if (m_stack.tx_pending() > 0 && m_tx.space() > 0) {
            const auto tail = m_tx.tail();
            uint32_t n = m_stack.poll_tx(tail);
            if (m_linearize) {
                n = linearize_frames(tail.first(n), m_pool, m_linearized);
            }
            m_tx.commit(n);
        }
        m_tx.flush(now.ns);
        return;
    }
    stack::Mbuf* out[kMaxBurst];
    stack::Mbuf* staged[3 * kMaxBurst];
    // Take from the stack only what the TX buffer can hold after duplication, so
    // backpressure stays in the stack's queue (where it is counted) and not here.
    while (m_tx.space() >= 3 * m_burst) {
        uint32_t n = m_stack.poll_tx({out, m_burst});
        if (n == 0) {
            break;
        }
        if (m_linearize) {
            n = linearize_frames({out, n}, m_pool, m_linearized);
        }
        const uint32_t k = m_impair_tx.process({out, n}, now, staged);
        m_tx.add({staged, k});
    }
    if (m_impair_tx.held() > 0 && m_tx.space() >= m_burst) {
        const uint32_t k = m_impair_tx.release(now, {staged, m_burst});
        m_tx.add({staged, k});
    }
    m_tx.flush(now.ns);
}

void QueueLoop::publish() {
    m_local.tx_packets = m_tx.sent();
    m_local.tx_dropped = m_tx.dropped();
    m_local.tx_partial = m_tx.partial_flushes();
    m_local.neighbors = m_stack.neighbors().size();
    m_local.neighbor_pending = m_stack.neighbors().pending_packets();
    const auto g = m_stack.tcp().gauges();
    m_local.tcp_connections = g.connections;
    m_local.tcp_established = g.established;
    m_local.tcp_close_wait = g.close_wait;
    m_local.tcp_time_wait = g.time_wait;
    m_local.impair_rx = m_impair_rx.stats();
    m_local.impair_tx = m_impair_tx.stats();
    m_local.stack = m_stack.counters();
    m_local.tx_linearized = m_linearized.linearized;
    const app::BindingGauges ag = m_binding.gauges();
    m_local.app_connections = ag.connections;
    m_local.app_received_bytes = ag.received_unconsumed;
    m_local.app_received_buffers = ag.received_buffers;
    m_local.app_spilled_bytes = ag.spilled_bytes;
    if (m_bridge) {
        m_local.worker_events_out = m_bridge->stats().events_out;
        m_local.worker_commands_in = m_bridge->stats().commands_in;
        m_local.worker_ring_full_stalls = m_bridge->stats().ring_full_stalls;
    }
    m_linearized.add_drops_to(m_local.stack);
    if (m_active) {
        m_local.client = m_active->stats();
    }
    if (m_active_udp) {
        m_local.client = m_active_udp->stats();
    }
    if (m_quic) {
        m_local.quic = m_quic->counters();
        m_local.quic_gauges = m_quic->gauges();
    }
    uint64_t words[sizeof(QueueStats) / 8];
    std::memcpy(words, &m_local, sizeof m_local);
    m_published.publish(words);
}

QueueStats QueueLoop::stats() const {
    uint64_t words[sizeof(QueueStats) / 8];
    m_published.read(words);
    QueueStats s;
    std::memcpy(&s, words, sizeof s);
    return s;
}

void QueueLoop::run(const std::atomic<bool>& stop, void (*tick)(void*), void* tick_arg, uint64_t tick_ns) {
    // Counters are published about every millisecond: often enough for any reader,
    // rare enough to cost nothing measurable.
    constexpr uint64_t kPublishNs = 1'000'000;
    uint64_t next_publish = 0;
    uint64_t next_tick = tick_ns;
    // Relaxed: the flag only asks the loop to end; the join in rte_eal_wait_lcore
    // orders everything the loop did before the main core reads its state.
    while (!stop.load(std::memory_order_relaxed)) {
        const stack::Instant now = m_clock.now();
        // Relaxed, like `stop`: the flag only asks; what the applications do next happens
        // on this core.
        if (m_drain != nullptr && !m_drained && m_drain->load(std::memory_order_relaxed)) {
            m_drained = true;
            m_binding.set_now(now);
            for (auto& a : m_apps) {
                a->on_drain(m_binding);
            }
            if (m_active) {
                m_active->on_drain(m_binding);
            }
            if (m_active_udp) {
                m_active_udp->on_drain(now);
            }
        }
        if (poll_once(now)) {
            // Busy time, for CPU per request: only polls that did work count (an idle poll
            // costs the same few cycles however long the core spins).
            m_local.busy_ns += m_clock.now().ns - now.ns;
        }
        if (now.ns >= next_publish) {
            publish();
            next_publish = now.ns + kPublishNs;
            if (tick != nullptr && now.ns >= next_tick) {
                tick(tick_arg);
                next_tick = now.ns + tick_ns;
            }
        }
    }
    // Hand what the stack still holds to the port before stopping.
    for (int i = 0; i < 16 && (m_stack.tx_pending() > 0 || m_tx.pending() > 0); ++i) {
        transmit(m_clock.now());
    }
    // The pool's count of buffers in use is read after this: leave nothing on reserve.
    m_stack.tcp().release_spare_buffers();
    publish();
}

}  // namespace slip::dataplane
