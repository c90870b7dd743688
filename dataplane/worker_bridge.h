#pragma once
// The polling core's side of the worker placement. To the core's TcpBinding it is the
// application of every connection; it turns the binding's callbacks into events for the
// worker each connection is placed on, and runs the commands workers send back.
//
// Events are coalesced: a connection has at most one pending event of each kind (a bit
// each), kept in order accepted, data, writable, peer closed, timer, closed, and the
// connections with something pending wait in a FIFO. Data is handed off only when its event
// is queued, so while a worker's ring is full its connections' data stays in the binding,
// unconsumed: their windows close and the core reads no more from them; no event is ever
// dropped. Send credit bounds what a worker may queue: the bytes the send buffer has room
// for, granted at accept (or connect) and again as ACKs make room.
//
// Active opens: a worker's connect command names the connection by the worker's own handle
// (see kDefaultOpensPerWorker); the bridge opens it on the binding and keeps a route per
// (worker, open slot) that maps that handle to the TCP connection both ways. Events for it
// carry the worker's handle, its commands are translated before they reach the binding. An
// open the binding cannot make (no TCP slot, no route, no local port) comes back to the
// worker as a closed event (refused) under the same handle.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/worker_channel.h"
#include "stack/app/tcp_binding.h"

namespace slip::dataplane {

struct BridgeStats {
    uint64_t events_out = 0;
    uint64_t commands_in = 0;
    uint64_t ring_full_stalls = 0;  // polls that left events pending for a full event ring
    uint64_t stale_commands = 0;    // commands for connections already gone
    uint64_t opens = 0;             // workers' active opens started on the binding
    uint64_t open_failures = 0;     // ... the binding could not start (refused to the worker)
};

class WorkerBridge final {
public:
    // `opens_per_worker`: each worker's reserve of active-open handles (as its AppWorker's).
    WorkerBridge(app::TcpBinding& binding, std::span<WorkerChannel* const> channels,
                 uint32_t opens_per_worker = kDefaultOpensPerWorker);
    ~WorkerBridge();  // frees the data of events never handed to a ring
    WorkerBridge(const WorkerBridge&) = delete;
    WorkerBridge& operator=(const WorkerBridge&) = delete;

    // Serves application `app` (its index in the AppSet) on `port`, on the workers.
    bool listen(uint16_t port, uint16_t app);
    // The workers' commands: first thing in every poll, before new packets.
    void run_commands();
    // Pending events, in bursts per worker: last thing in every poll.
    void flush_events();
    const BridgeStats& stats() const { return m_stats; }

private:
    // The application the binding sees on one listening port (it knows its AppSet index).
    class Door final : public app::Application {
    public:
        Door(WorkerBridge& bridge, uint16_t app) : m_bridge(bridge), m_app(app) {}
        bool on_accepted(app::Connections&, app::ConnId id, const app::Endpoint& peer) override {
            return m_bridge.accepted(id, m_app, peer);
        }
        void on_connected(app::Connections&, app::ConnId id) override { m_bridge.connected(id); }
        void on_data(app::Connections&, app::ConnId id) override { m_bridge.mark(id, kData); }
        void on_writable(app::Connections&, app::ConnId id) override { m_bridge.writable(id); }
        void on_peer_closed(app::Connections&, app::ConnId id) override { m_bridge.mark(id, kPeerClosed); }
        void on_timer(app::Connections&, app::ConnId id) override { m_bridge.mark(id, kTimer); }
        void on_closed(app::Connections&, app::ConnId id, app::CloseReason r) override { m_bridge.closed(id, r); }

    private:
        WorkerBridge& m_bridge;
        uint16_t m_app;
    };

    static constexpr uint8_t kAccepted = 1, kConnected = 2, kData = 4, kWritable = 8, kPeerClosed = 16, kTimer = 32,
                             kClosed = 64;
    static constexpr uint32_t kStage = 64;

    // Routes [0, tcp slots) serve accepted connections, by TCP slot (`id` == `tcp`); the
    // rest serve active opens, by worker and open slot (`id` is the worker's handle).
    struct Route {
        app::ConnId id;            // as the worker names it: in events and commands
        app::ConnId tcp;           // as the binding names it (invalid: the open failed)
        uint16_t worker = 0;
        uint16_t app = 0;
        uint8_t pending = 0;
        uint8_t reason = 0;
        bool queued = false;       // in the dirty FIFO
        bool live = false;         // the connection exists (until its closed event is out)
        uint32_t credit = 0;       // writable: credit to grant with the event
        uint32_t outstanding = 0;  // credit granted and not yet used by a send command
        app::Endpoint peer;
    };
    struct Stage {
        std::array<WorkerEvent, kStage> events;
        uint32_t count = 0;
        bool blocked = false;  // the ring took less than staged: retry next poll
    };

    bool accepted(app::ConnId id, uint16_t app, const app::Endpoint& peer);
    void connected(app::ConnId id);
    void mark(app::ConnId id, uint8_t bit);
    void writable(app::ConnId id);
    void grant(Route& r);
    void closed(app::ConnId id, app::CloseReason r);
    void enqueue_dirty(uint32_t route);
    bool stage_events(Route& r, Stage& st);
    bool flush_stage(uint16_t worker);
    void run(uint16_t worker, const WorkerCommand& cmd);
    void open(uint16_t worker, const WorkerCommand& cmd);
    // The live route of a connection as the binding names it, or as worker `worker` does.
    Route* route(app::ConnId tcp);
    Route* route(uint16_t worker, app::ConnId id);
    uint32_t tcp_slots() const { return uint32_t(m_route_of.size()); }
    uint32_t index_of(const Route& r) const { return uint32_t(&r - m_routes.data()); }

    app::TcpBinding& m_binding;
    std::vector<WorkerChannel*> m_channels;  // by worker
    std::vector<std::unique_ptr<Door>> m_doors;
    Door m_opener;                           // the application of the workers' active opens
    uint32_t m_opens_per_worker;
    std::vector<Route> m_routes;             // accepted by TCP slot, then opens by worker and slot
    std::vector<uint32_t> m_route_of;        // by TCP slot: the route of its connection
    std::vector<uint32_t> m_dirty;           // FIFO of routes with pending events
    uint32_t m_dirty_head = 0;
    uint32_t m_dirty_count = 0;
    std::vector<Stage> m_stages;             // by worker
    uint16_t m_next_worker = 0;
    BridgeStats m_stats;
};

}  // namespace slip::dataplane
