#pragma once
// The composition root of one engine process: EAL, the port, and one QueueLoop per
// queue, each pinned to its own lcore. The main lcore supervises (statistics, stop
// requests, run time); when there is no spare lcore it also polls queue 0.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/engine_options.h"
#include "dataplane/app_worker.h"
#include "dataplane/queue_loop.h"
#include "dataplane/xdp_port_filter.h"
#include "stack/base/instant.h"

namespace slip::dataplane {

class Eal;
class Port;
class SharedByteStore;

struct EngineSnapshot {
    double uptime_s = 0;
    bool link_up = false;
    uint32_t link_speed_mbps = 0;
    // Port-level counters from the driver.
    uint64_t port_ipackets = 0;
    uint64_t port_opackets = 0;
    uint64_t port_imissed = 0;
    uint64_t port_ierrors = 0;
    uint64_t port_oerrors = 0;
    uint64_t port_rx_nombuf = 0;
    uint64_t mbufs_in_use = 0;
    uint64_t mbufs_total = 0;
    uint64_t views_in_use = 0;
    QueueStats total;
    std::vector<QueueStats> queues;
    std::vector<WorkerStats> workers;
    std::vector<uint64_t> worker_wakeups;
    // The af_xdp port's own XDP program (xdp_port_filter.h): its mode ("" when not in use)
    // and where each frame went, by reason.
    const char* xdp_mode = "";
    XdpCounters xdp{};
};

struct RunHooks {
    // Called once all queues are polling.
    std::function<void()> ready;
    // Called every `tick_interval` on the main lcore.
    std::function<void(const EngineSnapshot&)> tick;
    stack::Duration tick_interval = stack::Duration::seconds(1);
    // Stop after this long; zero runs until SIGINT/SIGTERM or request_stop().
    stack::Duration run_for{};
    // Checked about every 10 ms when set: true stops the engine (a finished client run).
    std::function<bool(const EngineSnapshot&)> finished;
};

class Engine {
public:
    // Brings up EAL and the port; throws SetupError (one line: what, why, fix).
    // `apps` are served on every queue (inline on its polling core).
    Engine(const EngineOptions& opts, const AppSet& apps);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void run(const RunHooks& hooks);
    void request_stop() { m_stop.store(true, std::memory_order_relaxed); }

    EngineSnapshot snapshot() const;
    // The XDP program's SYN cookie clock and key rotation (XdpPortFilter::tend); from the
    // control thread.
    void tend_xdp();
    const std::vector<std::string>& warnings() const;
    const std::vector<std::string>& eal_args() const;
    // What DPDK and its drivers logged while starting (shown with --log-level info/debug).
    const std::vector<std::string>& driver_log() const;
    const Port& port() const { return *m_port; }
    bool using_hugepages() const;
    // Main lcore polls queue 0 itself (no spare lcore).
    bool inline_main() const { return m_inline_main; }

private:
    EngineOptions m_opts;
    XdpPortFilter m_xdp_filter;  // detaches after the port closed (member destroyed last)
    std::unique_ptr<Eal> m_eal;
    // Declared between EAL and the port: freed after the port closed (every view of its
    // bytes is back in a pool) and before EAL's cleanup.
    std::unique_ptr<SharedByteStore> m_shared_bytes;
    std::unique_ptr<Port> m_port;
    // The keys every core's QUIC endpoint shares (--quic-port only).
    std::unique_ptr<QuicSharedKeys> m_quic_keys;
    std::vector<std::unique_ptr<QueueLoop>> m_loops;
    std::vector<unsigned> m_loop_lcores;
    // Application workers (--workers): their wakeups, the channels (queue-major: queue q,
    // worker w at q * workers + w) and the workers with their lcores.
    std::vector<std::unique_ptr<WorkerWakeup>> m_wakeups;
    std::vector<std::unique_ptr<WorkerChannel>> m_channels;
    std::vector<std::unique_ptr<AppWorker>> m_workers;
    std::vector<unsigned> m_worker_lcores;
    // Several queues: rings of frames between polling cores (from q to p at q * queues + p).
    std::vector<std::unique_ptr<SpscRing<stack::Mbuf*>>> m_handoff;
    void place_lcores();
    void make_workers(const AppSet& apps);
    void drain_channels();
    bool m_inline_main = false;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_drain{false};  // the applications are asked to finish (see run)
    std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
};

}  // namespace slip::dataplane
