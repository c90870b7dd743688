#include "stack/app/tcp_binding.h"

#include <algorithm>
#include <cstring>

#include "stack/app/buffer_chain_mbuf.h"
#include "stack/buf/shared_bytes.h"

namespace slip::app {

using stack::Instant;
using stack::Mbuf;
using stack::tcp::TcpHandle;
using stack::tcp::TcpState;

namespace {

CloseReason reason_of(stack::tcp::CloseReason r) {
    switch (r) {
    case stack::tcp::CloseReason::normal: return CloseReason::normal;
    case stack::tcp::CloseReason::reset: return CloseReason::reset;
    case stack::tcp::CloseReason::timeout: return CloseReason::timeout;
    case stack::tcp::CloseReason::refused: return CloseReason::refused;
    case stack::tcp::CloseReason::aborted: return CloseReason::aborted;
    }
    return CloseReason::aborted;
}

// The states in which TCP still takes data to send (RFC 9293 §3.10.2).
bool sends(TcpState s) {
    return s == TcpState::syn_sent || s == TcpState::syn_received || s == TcpState::established ||
           s == TcpState::close_wait;
}

}  // namespace

TcpBinding::TcpBinding(stack::tcp::TcpLayer& tcp, stack::MbufPool* pool, stack::MbufPool* view_pool,
                       stack::PatternSource* pattern, uint16_t queue, stack::MbufPool* held_pool,
                       uint32_t max_held_buffers)
    : m_tcp(tcp),
      m_pool(pool),
      m_view_pool(view_pool != nullptr ? view_pool : pool),
      m_pattern(pattern),
      m_queue(queue),
      m_held_pool(held_pool),
      m_max_held_buffers(max_held_buffers),
      m_slots(tcp.config().max_connections) {}

TcpBinding::~TcpBinding() { m_tcp.abort_service(this, m_now); }

bool TcpBinding::listen(uint16_t port, Application* app) {
    if (app == nullptr || listener_app(port) != nullptr || !m_tcp.listen(port, this)) {
        return false;
    }
    m_listeners.push_back({port, app});
    return true;
}

Application* TcpBinding::listener_app(uint16_t port) const {
    for (const Listener& l : m_listeners) {
        if (l.port == port) {
            return l.app;
        }
    }
    return nullptr;
}

TcpHandle TcpBinding::handle(ConnId c) const {
    const TcpHandle h{c.index, c.generation};
    if (c.queue != m_queue || c.index >= m_slots.size() || m_slots[c.index].app == nullptr ||
        m_tcp.connection(h) == nullptr) {
        return {};
    }
    return h;
}

BindingGauges TcpBinding::gauges() const { return m_gauges; }

const stack::HeldChain* TcpBinding::held(ConnId c) const {
    return handle(c).valid() ? &m_slots[c.index].rx : nullptr;
}

void TcpBinding::hold(Slot& s, Mbuf* data) {
    const bool spill = m_held_pool != nullptr && s.rx.buffers() >= m_max_held_buffers;
    const uint32_t bytes = stack::buf::pkt_len(data);
    change_held(s, [&](stack::HeldChain& rx) {
        rx.append(data, spill ? m_held_pool : m_pool, spill ? stack::HeldChain::Copy::all : stack::HeldChain::Copy::short_segments);
    });
    m_gauges.spilled_bytes += spill ? bytes : 0;
}

void TcpBinding::forget(Slot& s) {
    m_gauges.received_unconsumed -= s.rx.bytes();
    m_gauges.received_buffers -= s.rx.buffers();
    --m_gauges.connections;
    s.clear();
}

// Runs `change` on a slot's held data, keeping the gauges right.
template <class F>
void TcpBinding::change_held(Slot& s, F&& change) {
    const uint32_t bytes = s.rx.bytes();
    const uint32_t buffers = s.rx.buffers();
    change(s.rx);
    m_gauges.received_unconsumed += s.rx.bytes() - uint64_t(bytes);
    m_gauges.received_buffers += s.rx.buffers() - uint64_t(buffers);
}

// ---- commands ----

SendResult TcpBinding::send(ConnId c, BufferChain& data) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return {Status::stale, 0};
    }
    const stack::tcp::Connection* conn = m_tcp.connection(h);
    if (m_slots[c.index].closing || conn->fin_queued || !sends(conn->state)) {
        return {Status::closed, 0};
    }
    const uint32_t offered = data.bytes();
    if (offered == 0) {
        return {Status::invalid, 0};
    }
    const uint32_t space = m_tcp.send_space(h);
    BufferChain front = offered <= space ? std::move(data) : split_front(data, space, m_view_pool);
    const uint32_t taken = front.bytes();
    if (taken > 0) {
        Mbuf* m = release_mbufs(front);
        if (!m_tcp.send(h, m, m_now)) {
            // Cannot happen within send_space(); give the bytes back rather than lose them.
            BufferChain back = adopt_mbufs(m);
            back.append(std::move(data));
            data = std::move(back);
            return {Status::closed, 0};
        }
    }
    if (taken < offered) {
        m_slots[c.index].owes_writable = true;
        m_tcp.send_space(h);  // makes TCP report when room returns
    }
    return {Status::ok, taken};
}

BufferView TcpBinding::received(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return {};
    }
    const stack::HeldChain& rx = m_slots[c.index].rx;
    return {as_segment(const_cast<Mbuf*>(rx.front())), rx.bytes()};
}

uint32_t TcpBinding::send_room(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return 0;
    }
    const stack::tcp::Connection* conn = m_tcp.connection(h);
    if (m_slots[c.index].closing || conn->fin_queued || !sends(conn->state)) {
        return 0;
    }
    const uint32_t room = m_tcp.send_space(h);
    if (room < conn->mss) {
        m_slots[c.index].owes_writable = true;  // send_space asked TCP to report room
    }
    return room;
}

Status TcpBinding::consume(ConnId c, uint32_t bytes) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    Slot& s = m_slots[c.index];
    if (bytes == 0 || bytes > s.rx.bytes()) {
        return Status::invalid;
    }
    change_held(s, [&](stack::HeldChain& rx) { rx.drop_front(bytes); });
    m_tcp.consume(h, bytes, m_now);
    return Status::ok;
}

BufferChain TcpBinding::take(ConnId c, uint32_t bytes) {
    const TcpHandle h = handle(c);
    Slot* s = h.valid() ? &m_slots[c.index] : nullptr;
    if (s == nullptr || bytes == 0 || bytes > s->rx.bytes()) {
        return {};
    }
    uint32_t taken = 0;
    Mbuf* m = nullptr;
    change_held(*s, [&](stack::HeldChain& rx) { m = rx.take_front(bytes, m_pool, taken); });
    if (taken > 0) {
        m_tcp.consume(h, taken, m_now);
    }
    return adopt_mbufs(m);
}

BufferChain TcpBinding::hand_off(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return {};
    }
    Slot& s = m_slots[c.index];
    uint32_t taken = 0;
    Mbuf* m = nullptr;
    change_held(s, [&](stack::HeldChain& rx) { m = rx.take_front(rx.bytes(), nullptr, taken); });
    s.handed_off += taken;
    return adopt_mbufs(m);
}

Status TcpBinding::open_window(ConnId c, uint32_t bytes) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    Slot& s = m_slots[c.index];
    if (bytes == 0 || bytes > s.handed_off) {
        return Status::invalid;
    }
    s.handed_off -= bytes;
    m_tcp.consume(h, bytes, m_now);
    return Status::ok;
}

Status TcpBinding::notify_writable(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    m_slots[c.index].owes_writable = true;
    m_tcp.request_send_space(h);
    return Status::ok;
}

Status TcpBinding::stop_reading(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    Slot& s = m_slots[c.index];
    s.deaf = true;
    change_held(s, [](stack::HeldChain& rx) { rx.clear(); });
    return Status::ok;
}

Status TcpBinding::shutdown(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    m_tcp.close(h, m_now);
    return Status::ok;
}

Status TcpBinding::close(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    Slot& s = m_slots[c.index];
    s.closing = true;
    s.owes_writable = false;
    // What the application has not consumed is consumed for it: it wants no more data,
    // and a window held shut would stall the peer's FIN.
    const uint32_t held = s.rx.bytes() + (s.deaf ? 0 : s.handed_off);
    s.handed_off = 0;
    if (held > 0) {
        change_held(s, [](stack::HeldChain& rx) { rx.clear(); });
        m_tcp.consume(h, held, m_now);
    }
    if (m_tcp.connection(h) != nullptr) {
        m_tcp.close(h, m_now);
    }
    return Status::ok;
}

Status TcpBinding::abort(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    forget(m_slots[c.index]);  // TcpLayer::abort calls no service back
    m_tcp.abort(h, m_now);
    return Status::ok;
}

ConnId TcpBinding::connect(const Endpoint& remote, Application* app, void* user) {
    ConnectOptions plain;
    return connect(remote, app, user, plain);
}

ConnId TcpBinding::connect(const Endpoint& remote, Application* app, void* user, ConnectOptions& options) {
    if (app == nullptr) {
        return {};
    }
    stack::Ipv6Addr addr;
    std::memcpy(addr.bytes.data(), remote.address, sizeof remote.address);
    stack::tcp::ConnectOptions co;
    co.fast_open = options.fast_open;
    co.data = release_mbufs(options.data);  // TcpLayer::connect takes it in every case
    const TcpHandle h = m_tcp.connect(addr, remote.port, this, m_now, co);
    if (!h.valid()) {
        return {};
    }
    m_slots[h.index].app = app;
    ++m_gauges.connections;
    m_tcp.set_user(h, user);
    return id(h);
}

Status TcpBinding::set_user(ConnId c, void* user) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    m_tcp.set_user(h, user);
    return Status::ok;
}

void* TcpBinding::user(ConnId c) const {
    const TcpHandle h = handle(c);
    return h.valid() ? m_tcp.user(h) : nullptr;
}

Status TcpBinding::set_timer(ConnId c, uint64_t after_ns) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    m_tcp.set_app_timer(h, m_now + stack::Duration::nanoseconds(int64_t(after_ns)), m_now);
    return Status::ok;
}

Status TcpBinding::cancel_timer(ConnId c) {
    const TcpHandle h = handle(c);
    if (!h.valid()) {
        return Status::stale;
    }
    m_tcp.set_app_timer(h, Instant::never(), m_now);
    return Status::ok;
}

BufferChain TcpBinding::pattern(uint64_t offset, uint32_t len) {
    uint32_t made = 0;
    return adopt_mbufs(m_pattern != nullptr && len > 0 ? m_pattern->make(offset, len, made) : nullptr);
}

BufferChain TcpBinding::reference(const SharedBytes& bytes, uint64_t offset, uint32_t len) {
    uint32_t made = 0;
    return adopt_mbufs(len > 0 ? bytes.make(offset, len, m_view_pool, made) : nullptr);
}

BufferChain TcpBinding::copy_in(std::span<const uint8_t> bytes) { return copy_into_buffers(bytes, m_pool); }

// ---- TCP's callbacks ----

bool TcpBinding::on_accept(TcpHandle h, const stack::tcp::FlowKey& key, Instant now) {
    enter(now);
    Application* app = listener_app(key.local_port);
    if (app == nullptr) {
        return false;
    }
    m_slots[h.index].app = app;
    ++m_gauges.connections;
    Endpoint peer;
    std::memcpy(peer.address, key.remote.bytes.data(), sizeof peer.address);
    peer.port = key.remote_port;
    if (!app->on_accepted(*this, id(h), peer)) {
        forget(m_slots[h.index]);
        return false;
    }
    return true;
}

void TcpBinding::on_connected(TcpHandle h, Instant now) {
    enter(now);
    if (Application* app = m_slots[h.index].app) {
        app->on_connected(*this, id(h));
    }
}

void TcpBinding::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    enter(now);
    Slot& s = m_slots[h.index];
    if (s.deaf) {
        stack::buf::free(data);  // never consumed: the window stays closed by it
        return;
    }
    if (s.app == nullptr || s.closing) {
        stack::buf::free(data);
        m_tcp.consume(h, len, now);
        return;
    }
    hold(s, data);
    s.app->on_data(*this, id(h));
}

void TcpBinding::on_send_space(TcpHandle h, Instant now) {
    enter(now);
    Slot& s = m_slots[h.index];
    if (s.app != nullptr && s.owes_writable) {
        s.owes_writable = false;
        s.app->on_writable(*this, id(h));
    }
}

void TcpBinding::on_peer_closed(TcpHandle h, Instant now) {
    enter(now);
    const Slot& s = m_slots[h.index];
    if (s.app != nullptr && !s.closing) {
        s.app->on_peer_closed(*this, id(h));
    }
}

void TcpBinding::on_closed(TcpHandle h, stack::tcp::CloseReason reason, Instant now) {
    enter(now);
    Application* app = m_slots[h.index].app;
    if (app == nullptr) {
        return;
    }
    forget(m_slots[h.index]);
    app->on_closed(*this, id(h), reason_of(reason));
}

void TcpBinding::on_app_timer(TcpHandle h, Instant now) {
    enter(now);
    if (Application* app = m_slots[h.index].app) {
        app->on_timer(*this, id(h));
    }
}

}  // namespace slip::app
