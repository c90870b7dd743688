#include "dataplane/engine.h"

#include <rte_lcore.h>
#include <rte_launch.h>
#include <rte_mempool.h>

#include <chrono>
#include <thread>

#include "dataplane/eal.h"
#include "dataplane/port.h"
#include "dataplane/setup_error.h"
#include "dataplane/shared_byte_store.h"
#include "dataplane/signals.h"

namespace slip::dataplane {
namespace {

struct LaunchArgs {
    QueueLoop* loop;
    const std::atomic<bool>* stop;
};

int loop_entry(void* arg) {
    auto* a = static_cast<LaunchArgs*>(arg);
    a->loop->run(*a->stop);
    return 0;
}

struct WorkerLaunch {
    AppWorker* worker;
    const std::atomic<bool>* stop;
    const std::atomic<bool>* drain;
};

int worker_entry(void* arg) {
    auto* a = static_cast<WorkerLaunch*>(arg);
    a->worker->run(*a->stop, a->drain);
    return 0;
}

using Clock = std::chrono::steady_clock;

// Supervision: stop requests, run time, periodic statistics.
struct Supervisor {
    Engine* engine;
    const RunHooks* hooks;
    std::atomic<bool>* stop;
    Clock::time_point start;
    Clock::time_point next_tick;
    std::atomic<bool>* drain;
    std::chrono::nanoseconds drain_time;
    Clock::time_point drain_until{};

    void check() {
        engine->tend_xdp();
        const auto now = Clock::now();
        const bool asked = stop_signal_received() ||
                           (hooks->run_for.ns > 0 && now - start >= std::chrono::nanoseconds(hooks->run_for.ns)) ||
                           (hooks->finished && hooks->finished(engine->snapshot()));
        if (asked && !drain->load(std::memory_order_relaxed)) {
            // First the applications finish what they are doing (Application::on_drain).
            drain->store(true, std::memory_order_relaxed);
            drain_until = now + drain_time;
        }
        if (drain->load(std::memory_order_relaxed) && (now >= drain_until || drained(engine->snapshot()))) {
            stop->store(true, std::memory_order_relaxed);
        }
        if (hooks->tick && now >= next_tick) {
            next_tick = now + std::chrono::nanoseconds(hooks->tick_interval.ns);
            hooks->tick(engine->snapshot());
        }
    }
    static void trampoline(void* self) { static_cast<Supervisor*>(self)->check(); }
    static bool drained(const EngineSnapshot& s) {
        uint64_t open = s.total.app_connections;
        for (const WorkerStats& w : s.workers) {
            open += w.connections;
        }
        return open == 0;
    }
};

}  // namespace

Engine::Engine(const EngineOptions& opts, const AppSet& apps) : m_opts(opts) {
    const std::string invalid = opts.validate();
    if (!invalid.empty()) {
        throw SetupError(invalid);
    }
    m_opts.port.extra_pattern_buffers = opts.workers;  // each worker has its own pattern
    EalOptions eal = opts.eal;
    if (eal.lcores.empty()) {
        // One lcore per queue plus a supervising main lcore, when the machine has them.
        eal.lcores = default_lcores(opts.port.queues + opts.workers + 1u);
    }
    const unsigned lcores = count_lcores(eal.lcores);
    if (lcores < opts.port.queues) {
        throw SetupError("lcores: " + std::to_string(opts.port.queues) + " queues need at least " +
                         std::to_string(opts.port.queues) + " lcores but '" + eal.lcores + "' gives " +
                         std::to_string(lcores) + "; list more cores with --lcores or lower --queues");
    }
    if (std::string e = m_xdp_filter.prepare(m_opts.port); !e.empty()) {
        throw SetupError(e);
    }
    m_eal = std::make_unique<Eal>(eal, m_opts.port.eal_device_args(), opts.port.needs_pci());
    try {
        m_port = std::make_unique<Port>(m_opts.port);
    } catch (const SetupError& e) {
        // The driver's own last word usually names the cause (e.g. a queue count the
        // interface does not have); quote it in the one line.
        std::string said;
        for (const auto& line : m_eal->driver_log()) {
            // Skip EAL's generic summary lines; the driver's own line says why.
            if (said.empty() && line.rfind("EAL:", 0) != 0 && line.find("vdev_probe") == std::string::npos) {
                said = line;
            }
        }
        std::string hint;
        if (said.find("combined queue count") != std::string::npos) {
            // DPDK's af_xdp counts an interface's combined channels only; veth has none.
            hint = "; af_xdp needs that many combined channels (ethtool -L IFACE combined N); a veth has none: "
                   "use --port tap (a multi-queue tap) or --queues 1";
        }
        throw SetupError(said.empty() ? std::string(e.what()) + hint
                                      : std::string(e.what()) + " [DPDK: " + said + "]" + hint);
    }
    if (std::string e = m_xdp_filter.start(m_opts.port, m_opts.stack, m_port->mac()); !e.empty()) {
        throw SetupError(e);
    }
    m_shared_bytes = std::make_unique<SharedByteStore>();
    for (const ListenerSpec& spec : apps) {
        if (spec.prepare) {
            spec.prepare(*m_shared_bytes);
        }
    }
    place_lcores();
    make_workers(apps);
    const size_t w = opts.workers;
    const size_t nq = opts.port.queues;
    for (size_t i = 0; i < nq * nq; ++i) {
        const bool own = i / nq == i % nq;
        m_handoff.push_back(nq > 1 && !own ? std::make_unique<SpscRing<stack::Mbuf*>>(4096) : nullptr);
    }
    if (opts.quic.enabled()) {
        m_quic_keys = std::make_unique<QuicSharedKeys>();
        if (std::string e = m_quic_keys->randomize(); !e.empty()) {
            throw SetupError(e);
        }
    }
    for (uint16_t q = 0; q < nq; ++q) {
        std::vector<WorkerChannel*> mine;
        for (size_t i = 0; i < w; ++i) {
            mine.push_back(m_channels[q * w + i].get());
        }
        QueueLoop::Handoff handoff;
        for (size_t p = 0; p < nq && nq > 1; ++p) {
            handoff.to_queue.push_back(m_handoff[q * nq + p].get());
            handoff.from_queue.push_back(m_handoff[p * nq + q].get());
        }
        m_loops.push_back(std::make_unique<QueueLoop>(m_opts, *m_port, q, apps, mine, std::move(handoff),
                                                      m_quic_keys.get()));
    }
    std::vector<uint16_t> listen_ports;
    for (const ListenerSpec& spec : apps) {
        listen_ports.push_back(spec.port);
    }
    if (m_opts.port.xdp_syn_cookies) {
        if (std::string e = m_xdp_filter.start_syn_cookies(m_opts.stack.tcp, listen_ports); !e.empty()) {
            throw SetupError(e);
        }
    }
    if (const stack::tcp::SynCookieKeys* keys = m_xdp_filter.syn_cookie_keys()) {
        for (auto& loop : m_loops) {
            loop->share_syn_cookies(keys);
        }
        tend_xdp();
    }
}

// Polling loops first (one lcore each), then application workers; the main lcore polls
// queue 0 itself when one lcore short.
void Engine::place_lcores() {
    std::vector<unsigned> lcores = m_eal->worker_lcores();
    const size_t queues = m_opts.port.queues;
    const size_t workers = m_opts.workers;
    size_t next = 0;
    if (lcores.size() >= queues + workers) {
        m_loop_lcores.assign(lcores.begin(), lcores.begin() + long(queues));
        next = queues;
    } else if (lcores.size() + 1 == queues + workers) {
        m_inline_main = true;
        m_loop_lcores.push_back(m_eal->main_lcore());
        m_loop_lcores.insert(m_loop_lcores.end(), lcores.begin(), lcores.begin() + long(queues - 1));
        next = queues - 1;
    } else {
        throw SetupError("lcores: " + std::to_string(queues) + " queue(s) and " + std::to_string(workers) +
                         " application worker(s) need at least " + std::to_string(queues + workers) +
                         " lcores but --lcores gives " + std::to_string(lcores.size() + 1) +
                         " (the main lcore polls a queue when one short); list more cores with --lcores or lower "
                         "--queues/--workers");
    }
    m_worker_lcores.assign(lcores.begin() + long(next), lcores.begin() + long(next + workers));
}

void Engine::make_workers(const AppSet& apps) {
    const size_t queues = m_opts.port.queues;
    const size_t workers = m_opts.workers;
    for (size_t i = 0; i < workers; ++i) {
        m_wakeups.push_back(std::make_unique<WorkerWakeup>());
        if (!m_wakeups.back()->ok()) {
            throw SetupError("workers: cannot create an eventfd for worker wakeups; check the process's file limit");
        }
    }
    for (size_t q = 0; q < queues; ++q) {
        for (size_t i = 0; i < workers; ++i) {
            m_channels.push_back(std::make_unique<WorkerChannel>(m_opts.worker_ring, m_wakeups[i].get()));
        }
    }
    for (size_t i = 0; i < workers; ++i) {
        std::vector<WorkerChannel*> mine;
        for (size_t q = 0; q < queues; ++q) {
            mine.push_back(m_channels[q * workers + i].get());
        }
        m_workers.push_back(std::make_unique<AppWorker>(uint16_t(i), mine, m_wakeups[i].get(), apps,
                                                        m_opts.stack.tcp.max_connections, m_port->pool(),
                                                        m_port->view_pool(), m_port->pattern_pool(),
                                                        m_port->held_pool()));
    }
}

// After every loop stopped: what the rings still carry is freed (data and sends).
void Engine::drain_channels() {
    for (auto& ch : m_channels) {
        WorkerEvent ev[32];
        while (uint32_t n = ch->events.dequeue_burst(ev)) {
            for (uint32_t i = 0; i < n; ++i) {
                app::BufferChain::adopt(ev[i].chain).reset();
            }
        }
        WorkerCommand cmd[32];
        while (uint32_t n = ch->commands.dequeue_burst(cmd)) {
            for (uint32_t i = 0; i < n; ++i) {
                app::BufferChain::adopt(cmd[i].chain).reset();
            }
        }
    }
    for (auto& ring : m_handoff) {
        stack::Mbuf* frames[32];
        while (uint32_t n = ring ? ring->dequeue_burst(frames) : 0) {
            rte_pktmbuf_free_bulk(frames, n);
        }
    }
}

Engine::~Engine() {
    drain_channels();
    m_workers.clear();
    m_loops.clear();
    drain_channels();  // what the loops' destruction handed on
    m_port.reset();
    m_shared_bytes.reset();  // after the port: its queues held views of these bytes
    m_eal.reset();
}

const std::vector<std::string>& Engine::warnings() const { return m_eal->warnings(); }
const std::vector<std::string>& Engine::eal_args() const { return m_eal->argv(); }
const std::vector<std::string>& Engine::driver_log() const { return m_eal->driver_log(); }
bool Engine::using_hugepages() const { return m_eal->using_hugepages(); }

void Engine::run(const RunHooks& hooks) {
    install_stop_signals();
    Supervisor sup{this,
                   &hooks,
                   &m_stop,
                   Clock::now(),
                   Clock::now() + std::chrono::nanoseconds(hooks.tick_interval.ns),
                   &m_drain,
                   std::chrono::nanoseconds(m_opts.drain_timeout_ns)};
    for (auto& loop : m_loops) {
        loop->watch_drain(&m_drain);
    }
    std::vector<LaunchArgs> args(m_loops.size());
    for (size_t i = m_inline_main ? 1 : 0; i < m_loops.size(); ++i) {
        args[i] = LaunchArgs{m_loops[i].get(), &m_stop};
        const int rc = rte_eal_remote_launch(loop_entry, &args[i], m_loop_lcores[i]);
        if (rc != 0) {
            m_stop.store(true);
            rte_eal_mp_wait_lcore();
            throw SetupError("lcores: cannot start the polling loop on lcore " + std::to_string(m_loop_lcores[i]));
        }
    }
    std::vector<WorkerLaunch> worker_args(m_workers.size());
    for (size_t i = 0; i < m_workers.size(); ++i) {
        worker_args[i] = WorkerLaunch{m_workers[i].get(), &m_stop, &m_drain};
        if (rte_eal_remote_launch(worker_entry, &worker_args[i], m_worker_lcores[i]) != 0) {
            m_stop.store(true);
            rte_eal_mp_wait_lcore();
            throw SetupError("lcores: cannot start application worker " + std::to_string(i) + " on lcore " +
                             std::to_string(m_worker_lcores[i]));
        }
    }
    if (hooks.ready) {
        hooks.ready();
    }
    if (m_inline_main) {
        // Supervision runs between polls, every 10 ms.
        m_loops[0]->run(m_stop, &Supervisor::trampoline, &sup, 10'000'000);
    } else {
        while (!m_stop.load(std::memory_order_relaxed)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            sup.check();
        }
    }
    m_stop.store(true, std::memory_order_relaxed);
    rte_eal_mp_wait_lcore();
}

void Engine::tend_xdp() {
    m_xdp_filter.tend(m_loops.size(), [this](size_t q) { return m_loops[q]->syn_cookie_clock_ns(); });
}

EngineSnapshot Engine::snapshot() const {
    EngineSnapshot s;
    s.uptime_s = std::chrono::duration<double>(Clock::now() - m_started).count();
    const LinkState link = m_port->link();
    s.link_up = link.up;
    s.link_speed_mbps = link.speed_mbps;
    const rte_eth_stats st = m_port->stats();
    s.port_ipackets = st.ipackets;
    s.port_opackets = st.opackets;
    s.port_imissed = st.imissed;
    s.port_ierrors = st.ierrors;
    s.port_oerrors = st.oerrors;
    s.port_rx_nombuf = st.rx_nombuf;
    s.mbufs_total = m_port->pool()->size;
    s.mbufs_in_use = rte_mempool_in_use_count(m_port->pool());
    s.views_in_use = rte_mempool_in_use_count(m_port->view_pool());
    if (m_xdp_filter.active()) {
        s.xdp_mode = m_xdp_filter.mode_name();
        s.xdp = m_xdp_filter.counters();
    }
    for (const auto& loop : m_loops) {
        s.queues.push_back(loop->stats());
        s.total += s.queues.back();
    }
    for (size_t i = 0; i < m_workers.size(); ++i) {
        s.workers.push_back(m_workers[i]->stats());
        s.worker_wakeups.push_back(m_wakeups[i]->wakeups());
    }
    return s;
}

}  // namespace slip::dataplane
