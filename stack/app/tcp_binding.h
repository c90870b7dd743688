#pragma once
// The application interface over one core's TCP (inline placement): Connections commands
// become TcpLayer calls, TcpLayer's service callbacks become Application callbacks, on the
// polling core, run to completion. The worker placement drives this same binding from the
// polling core's side of the rings.
//
// One binding per TcpLayer; it is the TcpService of every connection an application owns,
// and keeps per slot what the application interface adds to TCP: the owning application,
// whether it closed (further data is dropped and consumed for it) and whether a partial
// send owes it on_writable.
#include <cstdint>
#include <vector>

#include "stack/app/application.h"
#include "stack/buf/held_chain.h"
#include "stack/buf/pattern_source.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::app {

// Gauges of one binding, for the stats.
struct BindingGauges {
    uint64_t connections = 0;       // connections applications own now
    uint64_t received_unconsumed = 0;  // bytes received for applications, not consumed yet
    uint64_t received_buffers = 0;     // packet buffers those bytes pin
    uint64_t spilled_bytes = 0;        // copied out of receive buffers (held past the threshold)
};

class TcpBinding final : public stack::tcp::TcpService, public Connections {
public:
    // `pool` gives buffers for copy_in and for compacting held data; `view_pool` the
    // indirect views that split a buffer a partial send stops inside (the port's pools);
    // `pattern` the pattern bytes. `queue` names the core in handles.
    // Held data is bounded in receive buffers too: past `max_held_buffers` per connection,
    // what arrives is copied out of the receive buffers into buffers of `held_pool` (a pool
    // of its own: on af_xdp the receive buffers are UMEM frames, and one slow reader must not
    // starve the queue's fill ring). Without a held pool, or with it empty, data stays where
    // it arrived (bounded by the window in bytes).
    static constexpr uint32_t kDefaultMaxHeldBuffers = 64;
    TcpBinding(stack::tcp::TcpLayer& tcp, stack::MbufPool* pool, stack::MbufPool* view_pool,
               stack::PatternSource* pattern, uint16_t queue, stack::MbufPool* held_pool = nullptr,
               uint32_t max_held_buffers = kDefaultMaxHeldBuffers);
    // Resets every connection it still serves and stops listening: TCP may outlive it.
    ~TcpBinding() override;
    TcpBinding(const TcpBinding&) = delete;
    TcpBinding& operator=(const TcpBinding&) = delete;

    // Serves `app` on `port`; false when the port already has a listener.
    bool listen(uint16_t port, Application* app);
    // The time API calls made outside a callback run at (the polling loop sets it each poll).
    void set_now(stack::Instant now) { m_now = now; }
    BindingGauges gauges() const;
    // The received data a connection holds for its application (for stats and tests);
    // nullptr for a stale handle.
    const stack::HeldChain* held(ConnId c) const;

    // --- for the worker placement (dataplane/worker_bridge.h) ---
    // Moves everything received out to the caller without opening the window: the bytes
    // stay counted as unconsumed until open_window() (the worker consumed them).
    BufferChain hand_off(ConnId c);
    // Opens the window by `bytes` that hand_off gave out.
    Status open_window(ConnId c, uint32_t bytes);
    // on_writable when an ACK next leaves room (whatever send_room said last).
    Status notify_writable(ConnId c);

    // --- Connections ---
    SendResult send(ConnId c, BufferChain& data) override;
    uint32_t send_room(ConnId c) override;
    BufferView received(ConnId c) override;
    Status consume(ConnId c, uint32_t bytes) override;
    BufferChain take(ConnId c, uint32_t bytes) override;
    Status stop_reading(ConnId c) override;
    Status shutdown(ConnId c) override;
    Status close(ConnId c) override;
    Status abort(ConnId c) override;
    ConnId connect(const Endpoint& remote, Application* app, void* user) override;
    ConnId connect(const Endpoint& remote, Application* app, void* user, ConnectOptions& options) override;
    Status set_user(ConnId c, void* user) override;
    void* user(ConnId c) const override;
    Status set_timer(ConnId c, uint64_t after_ns) override;
    Status cancel_timer(ConnId c) override;
    BufferChain copy_in(std::span<const uint8_t> bytes) override;
    BufferChain pattern(uint64_t offset, uint32_t len) override;
    BufferChain reference(const SharedBytes& bytes, uint64_t offset, uint32_t len) override;
    uint32_t slot(ConnId c) const override { return c.index; }
    uint32_t slot_count() const override { return uint32_t(m_slots.size()); }
    uint64_t now_ns() const override { return m_now.ns; }

    // --- stack::tcp::TcpService ---
    bool on_accept(stack::tcp::TcpHandle h, const stack::tcp::FlowKey& key, stack::Instant now) override;
    void on_connected(stack::tcp::TcpHandle h, stack::Instant now) override;
    void on_data(stack::tcp::TcpHandle h, stack::Mbuf* data, uint32_t len, stack::Instant now) override;
    void on_send_space(stack::tcp::TcpHandle h, stack::Instant now) override;
    void on_peer_closed(stack::tcp::TcpHandle h, stack::Instant now) override;
    void on_closed(stack::tcp::TcpHandle h, stack::tcp::CloseReason reason, stack::Instant now) override;
    void on_app_timer(stack::tcp::TcpHandle h, stack::Instant now) override;

private:
    struct Slot {
        Application* app = nullptr;
        // Received, not consumed yet: short segments behind held data are compacted
        // (HeldChain), so a slow reader pins few buffers however its peer segments.
        stack::HeldChain rx;
        bool closing = false;        // close(): received data is dropped and consumed
        bool deaf = false;           // stop_reading(): received data is dropped, not consumed
        bool owes_writable = false;  // a send accepted less than offered
        uint32_t handed_off = 0;     // given out by hand_off, not consumed yet

        void clear() {
            app = nullptr;
            rx.clear();
            closing = deaf = owes_writable = false;
            handed_off = 0;
        }
    };
    // Ends the binding's part of a connection: frees what it held, counts it out.
    void forget(Slot& s);
    template <class F>
    void change_held(Slot& s, F&& change);
    // Appends received data to what a slot holds, copying it out of the receive buffers
    // past the threshold.
    void hold(Slot& s, stack::Mbuf* data);
    struct Listener {
        uint16_t port;
        Application* app;
    };
    // The live connection `c` names on this core, or an invalid handle.
    stack::tcp::TcpHandle handle(ConnId c) const;
    ConnId id(stack::tcp::TcpHandle h) const { return {h.index, h.generation, m_queue}; }
    Application* listener_app(uint16_t port) const;
    stack::Instant enter(stack::Instant now) { return m_now = now; }

    stack::tcp::TcpLayer& m_tcp;
    stack::MbufPool* m_pool;
    stack::MbufPool* m_view_pool;
    stack::PatternSource* m_pattern;
    uint16_t m_queue;
    stack::MbufPool* m_held_pool;
    uint32_t m_max_held_buffers;
    stack::Instant m_now;
    std::vector<Slot> m_slots;  // by TCP slot index
    std::vector<Listener> m_listeners;
    BindingGauges m_gauges;
};

}  // namespace slip::app
