#pragma once
// One application worker (`--workers N`): a thread on its own EAL lcore (so it takes and
// frees packet buffers through its own mempool cache) that runs an instance of every
// application of the AppSet for the connections placed on it. To those applications it is
// the Connections: commands go to the connection's polling core over the worker's command
// ring, events come from each polling core's event ring.
//
// What the worker holds per connection is its own: the received data handed to it (kept,
// compacted, until the application consumes it; the polling core's window stays closed by
// it until then) and the send credit the polling core granted (bytes the connection's send
// buffer has room for): send() takes up to the credit, and the rest waits for a writable
// event, as inline.
//
// Active opens (connect) get their handle here, at once, from the worker's reserve of open
// slots (see kDefaultOpensPerWorker): the connect command carries it to a polling core
// (round robin over the queues), which opens the connection and maps the handle to it; every
// later event and command uses the same handle. Until on_connected the connection exists
// here with no send credit: send() takes nothing (on_writable follows on_connected),
// close/abort/shutdown/set_user/timers work (close in SYN-SENT ends it: on_closed(aborted);
// a close that meets the handshake done on the core gets no on_connected, only on_closed).
// What the core cannot open (no TCP slot, no route, no local port) comes back as
// on_closed(refused) under that handle. connect() itself returns an invalid handle only
// when the request is meaningless (no application, port 0) or there is no room now: the
// reserve is used up or the command ring and stage are full (it never waits for the core).
//
// It waits adaptively: it spins while events come, and after kSpinPolls idle polls sleeps
// on its eventfd (WorkerWakeup::fd) until a polling core has events for it, so an idle
// worker costs no core. run() is that loop; poll_once() and wakeup() let a user fold the
// worker into an event loop of their own.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/app_set.h"
#include "dataplane/clock.h"
#include "dataplane/worker_channel.h"
#include "stack/app/tcp_binding.h"
#include "stack/buf/held_chain.h"
#include "stack/buf/pattern_source.h"

namespace slip::dataplane {

struct WorkerStats {
    uint64_t connections = 0;     // placed on this worker now
    uint64_t events_in = 0;
    uint64_t commands_out = 0;
    uint64_t command_ring_full = 0;  // times a full command ring made the worker wait for its core
    uint64_t held_bytes = 0;      // received, not consumed by the applications
    uint64_t held_buffers = 0;
    uint64_t sleeps = 0;
    uint64_t busy_ns = 0;         // time in polls that did work
    uint64_t opens = 0;           // active opens sent to a polling core
    uint64_t opens_no_room = 0;   // connect() refused at once: open slots used up or command ring full
};

class AppWorker final : public app::Connections {
public:
    static constexpr uint32_t kSpinPolls = 20000;

    // `channels`: one per polling queue (index = queue). `slots_per_queue`: each queue's
    // connection slots. Buffers for copies come from `pool`, views from `view_pool`, the
    // pattern from `pattern_pool` (as the polling cores', so the bytes are the same).
    // `opens`: the reserve of active-open handles (the polling cores' bridges use the same).
    AppWorker(uint16_t index, std::span<WorkerChannel* const> channels, WorkerWakeup* wakeup, const AppSet& apps,
              uint32_t slots_per_queue, stack::MbufPool* pool, stack::MbufPool* view_pool,
              stack::MbufPool* pattern_pool, stack::MbufPool* held_pool = nullptr,
              uint32_t opens = kDefaultOpensPerWorker);
    ~AppWorker() override;
    AppWorker(const AppWorker&) = delete;
    AppWorker& operator=(const AppWorker&) = delete;

    // Until `stop` is set: poll, spin, sleep. When `drain` becomes true, the applications
    // are asked to drain, once.
    void run(const std::atomic<bool>& stop, const std::atomic<bool>* drain = nullptr);
    // One round over the event rings; true when it did anything.
    bool poll_once();
    WorkerStats stats() const;
    uint16_t index() const { return m_index; }

    // --- app::Connections ---
    app::SendResult send(app::ConnId c, app::BufferChain& data) override;
    uint32_t send_room(app::ConnId c) override;
    app::BufferView received(app::ConnId c) override;
    app::Status consume(app::ConnId c, uint32_t bytes) override;
    app::BufferChain take(app::ConnId c, uint32_t bytes) override;
    app::Status stop_reading(app::ConnId c) override;
    app::Status shutdown(app::ConnId c) override;
    app::Status close(app::ConnId c) override;
    app::Status abort(app::ConnId c) override;
    // See the top of this file: a handle at once, or an invalid one when there is no room.
    using app::Connections::connect;
    app::ConnId connect(const app::Endpoint& remote, app::Application* app, void* user) override;
    app::Status set_user(app::ConnId c, void* user) override;
    void* user(app::ConnId c) const override;
    app::Status set_timer(app::ConnId c, uint64_t after_ns) override;
    app::Status cancel_timer(app::ConnId c) override;
    app::BufferChain copy_in(std::span<const uint8_t> bytes) override;
    app::BufferChain pattern(uint64_t offset, uint32_t len) override;
    app::BufferChain reference(const app::SharedBytes& bytes, uint64_t offset, uint32_t len) override;
    // Accepted connections by queue and TCP slot, then the active opens by open slot.
    uint32_t slot(app::ConnId c) const override {
        const uint32_t accepted = uint32_t(m_channels.size()) * m_slots_per_queue;
        return c.index < m_slots_per_queue ? c.queue * m_slots_per_queue + c.index
                                           : accepted + (c.index - m_slots_per_queue);
    }
    uint32_t slot_count() const override { return uint32_t(m_conns.size()); }
    uint64_t now_ns() const override { return m_now; }

private:
    struct Conn {
        app::ConnId id;
        bool live = false;
        bool closing = false;        // shutdown/close: sends refused
        bool deaf = false;           // stop_reading: data dropped
        bool wants_writable = false;
        app::Application* app = nullptr;
        void* user = nullptr;
        uint32_t credit = 0;         // bytes send() may still take
        stack::HeldChain rx;
        void reset() {
            live = closing = deaf = wants_writable = false;
            user = nullptr;
            credit = 0;
            rx.clear();
        }
    };
    static constexpr uint32_t kStage = 256;
    struct CommandStage {
        WorkerCommand items[kStage];
        uint32_t count = 0;
    };

    Conn* conn(app::ConnId c);
    const Conn* conn(app::ConnId c) const;
    void dispatch(const WorkerEvent& ev);
    void push(const WorkerCommand& cmd);
    bool flush_commands(uint16_t queue);
    void forget(Conn& c);
    // Runs `change` on a connection's held data, keeping the held gauges right.
    template <class F>
    void change_held(Conn& c, F&& change);
    void sleep();
    // Copies the counters where stats() reads them (each poll, and on a refused connect).
    void publish();

    uint16_t m_index;
    std::vector<WorkerChannel*> m_channels;
    WorkerWakeup* m_wakeup;
    uint32_t m_slots_per_queue;
    stack::MbufPool* m_pool;
    stack::MbufPool* m_view_pool;
    stack::MbufPool* m_held_pool;  // held data past the threshold is copied here (as TcpBinding)
    stack::PatternSource m_pattern;
    std::vector<std::unique_ptr<app::Application>> m_apps;
    std::vector<Conn> m_conns;             // by slot()
    std::vector<uint32_t> m_free_opens;    // open slots not in use (a stack)
    std::vector<uint32_t> m_open_generation;  // by open slot: uses so far
    uint16_t m_next_queue = 0;             // where the next active open goes
    std::vector<CommandStage> m_stages;  // by queue
    TscClock m_clock;
    uint64_t m_now = 0;
    WorkerStats m_local;
    // Published for other cores' stats readers (relaxed: counters, no ordering needed).
    std::atomic<uint64_t> m_pub[10]{};
};

}  // namespace slip::dataplane
