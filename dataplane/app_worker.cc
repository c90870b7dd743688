#include "dataplane/app_worker.h"

#include <poll.h>

#include <algorithm>
#include <cstring>

#include <rte_pause.h>

#include "stack/app/buffer_chain_mbuf.h"
#include "stack/buf/shared_bytes.h"

namespace slip::dataplane {

using app::BufferChain;
using app::ConnId;
using app::Status;
using stack::Mbuf;

AppWorker::AppWorker(uint16_t index, std::span<WorkerChannel* const> channels, WorkerWakeup* wakeup,
                     const AppSet& apps, uint32_t slots_per_queue, stack::MbufPool* pool, stack::MbufPool* view_pool,
                     stack::MbufPool* pattern_pool, stack::MbufPool* held_pool, uint32_t opens)
    : m_index(index),
      m_channels(channels.begin(), channels.end()),
      m_wakeup(wakeup),
      m_slots_per_queue(slots_per_queue),
      m_pool(pool),
      m_view_pool(view_pool != nullptr ? view_pool : pool),
      m_held_pool(held_pool),
      m_pattern(pool, view_pool, pattern_pool, /*across_cores=*/true),
      m_conns(size_t(slots_per_queue) * channels.size() + opens),
      m_open_generation(opens),
      m_stages(channels.size()) {
    m_free_opens.reserve(opens);
    for (uint32_t k = opens; k > 0; --k) {
        m_free_opens.push_back(k - 1);  // open slot 0 first
    }
    for (const ListenerSpec& spec : apps) {
        m_apps.push_back(spec.make(AppContext{.queue = index, .slots = slot_count()}));
    }
}

AppWorker::~AppWorker() {
    // Buffers go back to the pool before it does (the engine stops workers before the port).
    for (Conn& c : m_conns) {
        c.rx.clear();
    }
}

AppWorker::Conn* AppWorker::conn(ConnId c) {
    if (c.queue >= m_channels.size() || c.index >= m_slots_per_queue + m_open_generation.size()) {
        return nullptr;
    }
    Conn& k = m_conns[slot(c)];
    return k.live && k.id == c ? &k : nullptr;
}

const AppWorker::Conn* AppWorker::conn(ConnId c) const { return const_cast<AppWorker*>(this)->conn(c); }

template <class F>
void AppWorker::change_held(Conn& c, F&& change) {
    const uint32_t bytes = c.rx.bytes();
    const uint32_t buffers = c.rx.buffers();
    change();
    m_local.held_bytes += c.rx.bytes() - uint64_t(bytes);
    m_local.held_buffers += c.rx.buffers() - uint64_t(buffers);
}

void AppWorker::forget(Conn& c) {
    change_held(c, [&] { c.reset(); });
    --m_local.connections;
    if (c.id.index >= m_slots_per_queue) {
        m_free_opens.push_back(c.id.index - m_slots_per_queue);  // with a new generation next time
    }
}

// ---- the loop ----

bool AppWorker::poll_once() {
    m_now = m_clock.now().ns;
    WorkerEvent burst[32];
    bool worked = false;
    for (uint16_t q = 0; q < m_channels.size(); ++q) {
        // Events only while their commands have room to go: a worker never drops a command,
        // so it stops taking events when its core does not keep up (and the core, its ring
        // full, stops reading from the worker's connections).
        while (m_stages[q].count < kStage / 2) {
            const uint32_t n = m_channels[q]->events.dequeue_burst(burst);
            for (uint32_t i = 0; i < n; ++i) {
                dispatch(burst[i]);
            }
            m_local.events_in += n;
            worked |= n > 0;
            if (n < std::size(burst)) {
                break;
            }
        }
        worked |= m_stages[q].count > 0;
        flush_commands(q);
    }
    publish();
    return worked;
}

void AppWorker::publish() {
    const uint64_t values[] = {m_local.connections,  m_local.events_in, m_local.commands_out,
                               m_local.command_ring_full, m_local.held_bytes, m_local.held_buffers,
                               m_local.sleeps,       m_local.busy_ns,   m_local.opens,
                               m_local.opens_no_room};
    static_assert(std::size(values) == std::extent_v<decltype(m_pub)>);
    for (size_t i = 0; i < std::size(values); ++i) {
        m_pub[i].store(values[i], std::memory_order_relaxed);
    }
}

void AppWorker::run(const std::atomic<bool>& stop, const std::atomic<bool>* drain) {
    uint32_t idle = 0;
    bool drained = false;
    // Relaxed: the flags only ask (see QueueLoop::run).
    while (!stop.load(std::memory_order_relaxed)) {
        if (drain != nullptr && !drained && drain->load(std::memory_order_relaxed)) {
            drained = true;
            m_now = m_clock.now().ns;
            for (auto& a : m_apps) {
                a->on_drain(*this);
            }
            for (uint16_t q = 0; q < m_channels.size(); ++q) {
                flush_commands(q);
            }
        }
        const uint64_t start = m_clock.now().ns;
        if (poll_once()) {
            m_local.busy_ns += m_clock.now().ns - start;
            idle = 0;
        } else if (++idle < kSpinPolls) {
            rte_pause();
        } else {
            sleep();
            idle = 0;
        }
    }
}

void AppWorker::sleep() {
    m_wakeup->announce_sleep(true);
    bool empty = true;
    for (WorkerChannel* ch : m_channels) {
        empty &= ch->events.empty();
    }
    if (empty) {
        ++m_local.sleeps;
        // Wakes for events, or after 10 ms to look at the stop flag.
        pollfd p{m_wakeup->fd(), POLLIN, 0};
        ::poll(&p, 1, 10);
        m_wakeup->drain();
    }
    m_wakeup->announce_sleep(false);
}

WorkerStats AppWorker::stats() const {
    WorkerStats s;
    uint64_t* fields[] = {&s.connections, &s.events_in,    &s.commands_out, &s.command_ring_full,
                          &s.held_bytes,  &s.held_buffers, &s.sleeps,       &s.busy_ns,
                          &s.opens,       &s.opens_no_room};
    for (size_t i = 0; i < std::size(fields); ++i) {
        *fields[i] = m_pub[i].load(std::memory_order_relaxed);
    }
    return s;
}

void AppWorker::dispatch(const WorkerEvent& ev) {
    Conn* c = ev.kind == EventKind::accepted ? nullptr : conn(ev.id);
    if (ev.kind == EventKind::accepted) {
        Conn& k = m_conns[slot(ev.id)];
        k.reset();
        k.id = ev.id;
        k.live = true;
        k.app = m_apps[ev.app].get();
        k.credit = ev.credit;
        ++m_local.connections;
        if (!k.app->on_accepted(*this, ev.id, ev.peer)) {
            abort(ev.id);
        }
        return;
    }
    if (c == nullptr) {
        // For a connection this worker has let go (aborted): its data is freed unread.
        BufferChain::adopt(ev.chain).reset();
        return;
    }
    app::Application& a = *c->app;
    switch (ev.kind) {
    case EventKind::connected:
        c->credit += ev.credit;
        if (c->closing && c->deaf) {
            return;  // closed before it was established (the core had the SYN-ACK first): on_closed follows
        }
        a.on_connected(*this, ev.id);
        // A send before on_connected found no credit and asked for on_writable.
        c = conn(ev.id);  // on_connected may have ended it
        if (c != nullptr && c->wants_writable && c->credit > 0) {
            c->wants_writable = false;
            a.on_writable(*this, ev.id);
        }
        return;
    case EventKind::data: {
        if (c->deaf) {
            BufferChain::adopt(ev.chain).reset();  // never consumed: the window stays closed
            return;
        }
        // Past the threshold, copied out of the receive buffers (see TcpBinding).
        const bool spill = m_held_pool != nullptr && c->rx.buffers() >= app::TcpBinding::kDefaultMaxHeldBuffers;
        change_held(*c, [&] {
            c->rx.append(app::as_mbuf(ev.chain), spill ? m_held_pool : m_pool,
                         spill ? stack::HeldChain::Copy::all : stack::HeldChain::Copy::short_segments);
        });
        a.on_data(*this, ev.id);
        return;
    }
    case EventKind::writable:
        c->credit += ev.credit;
        if (c->wants_writable) {
            c->wants_writable = false;
            a.on_writable(*this, ev.id);
        }
        return;
    case EventKind::peer_closed: a.on_peer_closed(*this, ev.id); return;
    case EventKind::timer: a.on_timer(*this, ev.id); return;
    case EventKind::closed:
        forget(*c);
        a.on_closed(*this, ev.id, app::CloseReason(ev.reason));
        return;
    case EventKind::accepted: return;
    }
}

// ---- commands ----

void AppWorker::push(const WorkerCommand& cmd) {
    CommandStage& st = m_stages[cmd.id.queue];
    while (st.count == kStage && !flush_commands(cmd.id.queue)) {
        // The core drains its command rings before anything else in every poll, so this
        // wait ends within a poll; it is never a deadlock (the core never waits for us).
        ++m_local.command_ring_full;
        rte_pause();
    }
    st.items[st.count++] = cmd;
}

bool AppWorker::flush_commands(uint16_t queue) {
    CommandStage& st = m_stages[queue];
    if (st.count == 0) {
        return true;
    }
    const uint32_t n = m_channels[queue]->commands.enqueue_burst(std::span<const WorkerCommand>(st.items, st.count));
    m_local.commands_out += n;
    std::copy(st.items + n, st.items + st.count, st.items);
    st.count -= n;
    return st.count == 0;
}

app::SendResult AppWorker::send(ConnId id, BufferChain& data) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return {Status::stale, 0};
    }
    if (c->closing) {
        return {Status::closed, 0};
    }
    const uint32_t offered = data.bytes();
    if (offered == 0) {
        return {Status::invalid, 0};
    }
    BufferChain front = offered <= c->credit ? std::move(data) : app::split_front(data, c->credit, m_view_pool);
    const uint32_t taken = front.bytes();
    if (taken > 0) {
        c->credit -= taken;
        push({.kind = CommandKind::send, .id = id, .bytes = taken, .chain = front.release()});
    }
    if (taken < offered) {
        c->wants_writable = true;
    }
    return {Status::ok, taken};
}

uint32_t AppWorker::send_room(ConnId id) {
    Conn* c = conn(id);
    if (c == nullptr || c->closing) {
        return 0;
    }
    if (c->credit == 0) {
        c->wants_writable = true;
    }
    return c->credit;
}

app::BufferView AppWorker::received(ConnId id) {
    Conn* c = conn(id);
    return c == nullptr ? app::BufferView{} : app::BufferView(app::as_segment(const_cast<Mbuf*>(c->rx.front())), c->rx.bytes());
}

Status AppWorker::consume(ConnId id, uint32_t bytes) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return Status::stale;
    }
    if (bytes == 0 || bytes > c->rx.bytes()) {
        return Status::invalid;
    }
    change_held(*c, [&] { c->rx.drop_front(bytes); });
    push({.kind = CommandKind::open_window, .id = id, .bytes = bytes});
    return Status::ok;
}

BufferChain AppWorker::take(ConnId id, uint32_t bytes) {
    Conn* c = conn(id);
    if (c == nullptr || bytes == 0 || bytes > c->rx.bytes()) {
        return {};
    }
    uint32_t taken = 0;
    Mbuf* m = nullptr;
    change_held(*c, [&] { m = c->rx.take_front(bytes, m_pool, taken); });
    if (taken > 0) {
        push({.kind = CommandKind::open_window, .id = id, .bytes = taken});
    }
    return app::adopt_mbufs(m);
}

Status AppWorker::stop_reading(ConnId id) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return Status::stale;
    }
    change_held(*c, [&] { c->rx.clear(); });
    c->deaf = true;
    push({.kind = CommandKind::stop_reading, .id = id});
    return Status::ok;
}

Status AppWorker::shutdown(ConnId id) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return Status::stale;
    }
    c->closing = true;
    push({.kind = CommandKind::shutdown, .id = id});
    return Status::ok;
}

Status AppWorker::close(ConnId id) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return Status::stale;
    }
    // The core consumes for us what we were handed and did not consume (TcpBinding::close).
    change_held(*c, [&] { c->rx.clear(); });
    c->closing = c->deaf = true;
    push({.kind = CommandKind::close, .id = id});
    return Status::ok;
}

Status AppWorker::abort(ConnId id) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return Status::stale;
    }
    forget(*c);
    push({.kind = CommandKind::abort, .id = id});
    return Status::ok;
}

ConnId AppWorker::connect(const app::Endpoint& remote, app::Application* app, void* user) {
    if (app == nullptr || remote.port == 0) {
        return {};
    }
    // Never waits for the core (unlike the other commands): no room now is an answer.
    const uint16_t queue = m_next_queue;
    if (m_stages[queue].count == kStage) {
        flush_commands(queue);  // makes room when the ring has some
    }
    if (m_free_opens.empty() || m_stages[queue].count == kStage) {
        ++m_local.opens_no_room;
        publish();
        return {};
    }
    m_next_queue = uint16_t((queue + 1) % m_channels.size());
    const uint32_t open_slot = m_free_opens.back();
    m_free_opens.pop_back();
    const ConnId id{m_slots_per_queue + open_slot, ++m_open_generation[open_slot], queue};
    Conn& c = m_conns[slot(id)];
    c.reset();
    c.id = id;
    c.live = true;
    c.app = app;
    c.user = user;
    ++m_local.connections;
    ++m_local.opens;
    push({.kind = CommandKind::connect, .id = id, .remote = remote});
    return id;
}

Status AppWorker::set_user(ConnId id, void* user) {
    Conn* c = conn(id);
    if (c == nullptr) {
        return Status::stale;
    }
    c->user = user;
    return Status::ok;
}

void* AppWorker::user(ConnId id) const {
    const Conn* c = conn(id);
    return c != nullptr ? c->user : nullptr;
}

Status AppWorker::set_timer(ConnId id, uint64_t after_ns) {
    if (conn(id) == nullptr) {
        return Status::stale;
    }
    push({.kind = CommandKind::set_timer, .id = id, .ns = after_ns});
    return Status::ok;
}

Status AppWorker::cancel_timer(ConnId id) {
    if (conn(id) == nullptr) {
        return Status::stale;
    }
    push({.kind = CommandKind::cancel_timer, .id = id});
    return Status::ok;
}

BufferChain AppWorker::copy_in(std::span<const uint8_t> bytes) { return app::copy_into_buffers(bytes, m_pool); }

BufferChain AppWorker::reference(const app::SharedBytes& bytes, uint64_t offset, uint32_t len) {
    uint32_t made = 0;
    return app::adopt_mbufs(len > 0 ? bytes.make(offset, len, m_view_pool, made) : nullptr);
}

BufferChain AppWorker::pattern(uint64_t offset, uint32_t len) {
    uint32_t made = 0;
    return app::adopt_mbufs(len > 0 ? m_pattern.make(offset, len, made) : nullptr);
}

}  // namespace slip::dataplane
