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
// for, granted at accept and again as ACKs make room.
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
};

class WorkerBridge final {
public:
    WorkerBridge(app::TcpBinding& binding, std::span<WorkerChannel* const> channels);
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
        void on_data(app::Connections&, app::ConnId id) override { m_bridge.mark(id, kData); }
        void on_writable(app::Connections&, app::ConnId id) override { m_bridge.grant(id); }
        void on_peer_closed(app::Connections&, app::ConnId id) override { m_bridge.mark(id, kPeerClosed); }
        void on_timer(app::Connections&, app::ConnId id) override { m_bridge.mark(id, kTimer); }
        void on_closed(app::Connections&, app::ConnId id, app::CloseReason r) override { m_bridge.closed(id, r); }

    private:
        WorkerBridge& m_bridge;
        uint16_t m_app;
    };

    static constexpr uint8_t kAccepted = 1, kData = 2, kWritable = 4, kPeerClosed = 8, kTimer = 16, kClosed = 32;
    static constexpr uint32_t kStage = 64;

    struct Route {
        app::ConnId id;
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
    void mark(app::ConnId id, uint8_t bit);
    void grant(app::ConnId id);
    void closed(app::ConnId id, app::CloseReason r);
    void enqueue_dirty(uint32_t slot);
    bool stage_events(Route& r, Stage& st);
    bool flush_stage(uint16_t worker);
    void run(const WorkerCommand& cmd);
    Route* route(app::ConnId id);

    app::TcpBinding& m_binding;
    std::vector<WorkerChannel*> m_channels;  // by worker
    std::vector<std::unique_ptr<Door>> m_doors;
    std::vector<Route> m_routes;             // by TCP slot
    std::vector<uint32_t> m_dirty;           // FIFO of slots with pending events
    uint32_t m_dirty_head = 0;
    uint32_t m_dirty_count = 0;
    std::vector<Stage> m_stages;             // by worker
    uint16_t m_next_worker = 0;
    BridgeStats m_stats;
};

}  // namespace slip::dataplane
