#include "dataplane/worker_bridge.h"

#include "stack/app/buffer_chain_mbuf.h"

namespace slip::dataplane {

namespace {
// Credit smaller than this waits for more room (an ACK) instead of an event of its own.
constexpr uint32_t kMinGrant = 4096;
// Commands run per worker and poll at most, so one busy worker cannot starve the others.
constexpr uint32_t kCommandBudget = 256;
}  // namespace

WorkerBridge::WorkerBridge(app::TcpBinding& binding, std::span<WorkerChannel* const> channels,
                           uint32_t opens_per_worker)
    : m_binding(binding),
      m_channels(channels.begin(), channels.end()),
      m_opener(*this, 0),
      m_opens_per_worker(opens_per_worker),
      m_routes(binding.slot_count() + size_t(opens_per_worker) * channels.size()),
      m_route_of(binding.slot_count()),
      m_dirty(m_routes.size()),
      m_stages(channels.size()) {}

WorkerBridge::~WorkerBridge() {
    for (Stage& st : m_stages) {
        for (uint32_t i = 0; i < st.count; ++i) {
            app::BufferChain::adopt(st.events[i].chain).reset();
        }
    }
}

bool WorkerBridge::listen(uint16_t port, uint16_t app) {
    m_doors.push_back(std::make_unique<Door>(*this, app));
    return m_binding.listen(port, m_doors.back().get());
}

WorkerBridge::Route* WorkerBridge::route(app::ConnId tcp) {
    if (tcp.index >= tcp_slots()) {
        return nullptr;
    }
    Route& r = m_routes[m_route_of[tcp.index]];
    return r.live && r.tcp == tcp ? &r : nullptr;
}

WorkerBridge::Route* WorkerBridge::route(uint16_t worker, app::ConnId id) {
    uint32_t at = id.index;
    if (id.index >= tcp_slots()) {
        const uint32_t open_slot = id.index - tcp_slots();
        if (open_slot >= m_opens_per_worker) {
            return nullptr;
        }
        at = tcp_slots() + uint32_t(worker) * m_opens_per_worker + open_slot;
    }
    Route& r = m_routes[at];
    return r.live && r.id == id && r.worker == worker ? &r : nullptr;
}

void WorkerBridge::enqueue_dirty(uint32_t route) {
    Route& r = m_routes[route];
    if (!r.queued) {
        r.queued = true;
        m_dirty[(m_dirty_head + m_dirty_count) % m_dirty.size()] = route;
        ++m_dirty_count;
    }
}

// ---- the binding's callbacks ----

bool WorkerBridge::accepted(app::ConnId id, uint16_t app, const app::Endpoint& peer) {
    Route& r = m_routes[id.index];
    if (r.pending != 0 || r.queued) {
        // The slot's previous connection still has events waiting for a full ring: refuse
        // this one (the peer may retry) rather than mix the two up.
        return false;
    }
    r = Route{};
    r.id = r.tcp = id;
    m_route_of[id.index] = id.index;
    r.worker = m_next_worker;
    m_next_worker = uint16_t((m_next_worker + 1) % m_channels.size());
    r.app = app;
    r.live = true;
    r.peer = peer;
    r.pending = kAccepted;
    r.outstanding = m_binding.send_room(id);  // the first credit goes with the accepted event
    r.credit = r.outstanding;
    enqueue_dirty(id.index);
    return true;
}

void WorkerBridge::connected(app::ConnId id) {
    if (Route* r = route(id)) {
        r->outstanding = m_binding.send_room(id);  // the first credit goes with the connected event
        r->credit = r->outstanding;
        r->pending |= kConnected;
        enqueue_dirty(index_of(*r));
    }
}

void WorkerBridge::mark(app::ConnId id, uint8_t bit) {
    if (Route* r = route(id)) {
        r->pending |= bit;
        enqueue_dirty(index_of(*r));
    }
}

void WorkerBridge::writable(app::ConnId id) {
    if (Route* r = route(id)) {
        grant(*r);
    }
}

void WorkerBridge::grant(Route& r) {
    const uint32_t room = m_binding.send_room(r.tcp);
    const uint32_t more = room > r.outstanding ? room - r.outstanding : 0;
    if (more >= kMinGrant || (more > 0 && r.outstanding == 0)) {
        r.credit += more;
        r.outstanding += more;
        r.pending |= kWritable;
        enqueue_dirty(index_of(r));
    } else {
        m_binding.notify_writable(r.tcp);  // an ACK that makes room calls grant() again
    }
}

void WorkerBridge::closed(app::ConnId id, app::CloseReason reason) {
    if (Route* r = route(id)) {
        r->pending |= kClosed;
        r->pending &= uint8_t(~kData);  // the binding freed what it held with the connection
        r->reason = uint8_t(reason);
        enqueue_dirty(index_of(*r));
    }
}

// ---- events out ----

// Stages `r`'s pending events, in order, while the worker's stage has room; true when all
// are staged.
bool WorkerBridge::stage_events(Route& r, Stage& st) {
    static constexpr uint8_t kOrder[] = {kAccepted, kConnected, kData, kWritable, kPeerClosed, kTimer, kClosed};
    static constexpr EventKind kKinds[] = {EventKind::accepted,  EventKind::connected,   EventKind::data,
                                           EventKind::writable,  EventKind::peer_closed, EventKind::timer,
                                           EventKind::closed};
    for (size_t i = 0; i < std::size(kOrder) && r.pending != 0; ++i) {
        if ((r.pending & kOrder[i]) == 0) {
            continue;
        }
        if (st.count == kStage) {
            return false;
        }
        WorkerEvent& ev = st.events[st.count];
        ev = WorkerEvent{};
        ev.kind = kKinds[i];
        ev.id = r.id;
        ev.app = r.app;
        if (kOrder[i] == kAccepted) {
            ev.peer = r.peer;
            ev.credit = r.credit;
            r.credit = 0;
        } else if (kOrder[i] == kConnected || kOrder[i] == kWritable) {
            ev.credit = r.credit;
            r.credit = 0;
        } else if (kOrder[i] == kData) {
            app::BufferChain data = m_binding.hand_off(r.tcp);
            ev.bytes = data.bytes();
            ev.chain = data.release();
            if (ev.bytes == 0) {
                r.pending &= uint8_t(~kData);
                continue;  // nothing left to hand off (taken by an earlier event)
            }
        } else if (kOrder[i] == kClosed) {
            ev.reason = r.reason;
            r.live = false;
        }
        r.pending &= uint8_t(~kOrder[i]);
        ++st.count;
    }
    return r.pending == 0;
}

// Hands the worker's stage to its ring; false when the ring took less than all of it.
bool WorkerBridge::flush_stage(uint16_t worker) {
    Stage& st = m_stages[worker];
    if (st.count == 0) {
        return true;
    }
    WorkerChannel& ch = *m_channels[worker];
    const uint32_t n = ch.events.enqueue_burst(std::span<const WorkerEvent>(st.events.data(), st.count));
    if (n > 0) {
        m_stats.events_out += n;
        ch.wakeup->wake_if_sleeping();
    }
    if (n < st.count) {
        std::copy(st.events.begin() + n, st.events.begin() + st.count, st.events.begin());
        st.count -= n;
        return false;
    }
    st.count = 0;
    return true;
}

void WorkerBridge::flush_events() {
    for (Stage& st : m_stages) {
        st.blocked = false;
    }
    for (uint16_t w = 0; w < m_stages.size(); ++w) {
        m_stages[w].blocked = !flush_stage(w);  // what a full ring left last time goes first
    }
    for (uint32_t n = m_dirty_count; n > 0; --n) {
        const uint32_t at = m_dirty[m_dirty_head];
        m_dirty_head = (m_dirty_head + 1) % uint32_t(m_dirty.size());
        --m_dirty_count;
        Route& r = m_routes[at];
        r.queued = false;
        Stage& st = m_stages[r.worker];
        while (!st.blocked && !stage_events(r, st)) {
            st.blocked = !flush_stage(r.worker);
        }
        if (r.pending != 0) {
            enqueue_dirty(at);  // its worker's ring is full: next poll
        }
    }
    bool stalled = false;
    for (uint16_t w = 0; w < m_stages.size(); ++w) {
        stalled |= !flush_stage(w);
    }
    m_stats.ring_full_stalls += stalled ? 1 : 0;
}

// ---- commands in ----

void WorkerBridge::run_commands() {
    WorkerCommand burst[32];
    for (uint16_t w = 0; w < m_channels.size(); ++w) {
        WorkerChannel* ch = m_channels[w];
        for (uint32_t done = 0; done < kCommandBudget;) {
            const uint32_t n = ch->commands.dequeue_burst(burst);
            for (uint32_t i = 0; i < n; ++i) {
                run(w, burst[i]);
            }
            m_stats.commands_in += n;
            done += n;
            if (n < std::size(burst)) {
                break;
            }
        }
    }
}

// Starts worker `worker`'s active open under its handle `cmd.id`. An open the binding cannot
// make is refused to the worker (a closed event under that handle), never dropped.
void WorkerBridge::open(uint16_t worker, const WorkerCommand& cmd) {
    const uint32_t open_slot = cmd.id.index - tcp_slots();  // wraps past the reserve when below
    if (cmd.id.index < tcp_slots() || open_slot >= m_opens_per_worker) {
        ++m_stats.stale_commands;  // not a handle of the worker's reserve
        return;
    }
    const uint32_t at = tcp_slots() + uint32_t(worker) * m_opens_per_worker + open_slot;
    Route& r = m_routes[at];
    // The worker reuses an open slot only after its closed event or its abort, so nothing is
    // pending here; it may still sit in the dirty FIFO (emptied), and stays there once.
    const bool queued = r.queued;
    r = Route{};
    r.queued = queued;
    r.id = cmd.id;
    r.worker = worker;
    r.live = true;
    r.tcp = m_binding.connect(cmd.remote, &m_opener, nullptr);  // the user pointer stays on the worker
    if (!r.tcp.valid()) {
        ++m_stats.open_failures;
        r.pending = kClosed;
        r.reason = uint8_t(app::CloseReason::refused);
        enqueue_dirty(at);
        return;
    }
    ++m_stats.opens;
    m_route_of[r.tcp.index] = at;
}

void WorkerBridge::run(uint16_t worker, const WorkerCommand& cmd) {
    if (cmd.kind == CommandKind::connect) {
        open(worker, cmd);
        return;
    }
    // The binding's name for the connection; invalid (stale to the binding) when the worker
    // names none live, or an open that failed.
    Route* r = route(worker, cmd.id);
    const app::ConnId tcp = r != nullptr ? r->tcp : app::ConnId{};
    app::Status status = app::Status::ok;
    switch (cmd.kind) {
    case CommandKind::send: {
        app::BufferChain data = app::BufferChain::adopt(cmd.chain);
        status = m_binding.send(tcp, data).status;  // within the credit: all of it fits
        if (r != nullptr && tcp.valid()) {
            r->outstanding -= std::min(r->outstanding, cmd.bytes);
            grant(*r);
        }
        break;  // what a closed connection did not take is freed with `data`
    }
    case CommandKind::open_window: status = m_binding.open_window(tcp, cmd.bytes); break;
    case CommandKind::stop_reading: status = m_binding.stop_reading(tcp); break;
    case CommandKind::shutdown: status = m_binding.shutdown(tcp); break;
    case CommandKind::close: status = m_binding.close(tcp); break;
    case CommandKind::abort:
        if (r != nullptr) {
            r->pending = 0;  // the worker forgot the connection; the binding calls nothing back
            r->live = false;
            status = tcp.valid() ? m_binding.abort(tcp) : app::Status::ok;  // a failed open: its refusal is dropped
        } else {
            status = app::Status::stale;
        }
        break;
    case CommandKind::set_timer: status = m_binding.set_timer(tcp, cmd.ns); break;
    case CommandKind::cancel_timer: status = m_binding.cancel_timer(tcp); break;
    case CommandKind::connect: break;
    }
    if (status == app::Status::stale) {
        ++m_stats.stale_commands;
    }
}

}  // namespace slip::dataplane
