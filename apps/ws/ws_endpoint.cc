#include "apps/ws/ws_endpoint.h"

#include <algorithm>
#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "apps/ws/close_code.h"
#include "apps/ws/upgrade_answer.h"

namespace slip::apps::ws {

using app::BufferChain;
using app::BufferView;
using app::Connections;
using app::ConnId;

namespace {

// Frames up to this size go out as one buffer (header and payload copied together).
constexpr size_t kSmallFrame = 512;

std::span<const uint8_t> as_bytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::span<uint8_t, kMaxFrameHeader> header_room(uint8_t* at) { return std::span<uint8_t, kMaxFrameHeader>(at, kMaxFrameHeader); }

}  // namespace

class WsEndpoint::Scope {
public:
    Scope(WsEndpoint& e, Connections& c) : m_e(e), m_c(c) { ++m_e.m_depth; }
    ~Scope() {
        if (--m_e.m_depth == 0) {
            m_e.wake(m_c);
        }
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

private:
    WsEndpoint& m_e;
    Connections& m_c;
};

WsEndpoint::WsEndpoint(uint32_t slots, const WsOptions& options, QueueLimits limits)
    : m_options(options), m_limits(limits) {
    m_options.max_message_size = std::min(m_options.max_message_size, kMaxMessageLimit);
    m_limits.frames = std::max<uint32_t>(m_limits.frames, 1);
    m_conns.reserve(slots);
    m_wake.reserve(slots);
    for (uint32_t i = 0; i < slots; ++i) {
        m_conns.emplace_back(m_options.max_message_size);
    }
}

// ---- the opening handshake (§4.2) ----

bool WsEndpoint::on_upgrade(Connections& c, ConnId id, const http::RequestHead& head) {
    const Scope scope(*this, c);
    const uint32_t slot = c.slot(id);
    const UpgradeAnswer answer = slot < m_conns.size() ? answer_upgrade(head) : refuse_upgrade(503);
    BufferChain bytes = c.copy_in(as_bytes(answer.text()));
    if (!answer.accepted() || bytes.empty()) {
        ++m_stats.refused;
        if (!bytes.empty()) {
            c.send(id, bytes);  // a short answer on a connection that has sent nothing yet
        }
        return false;
    }
    Conn& w = m_conns[slot];
    reset(w);
    w.id = id;
    w.out.reserve(m_limits.frames + 1);  // the one more: room for a Close behind a full queue
    ++m_stats.upgrades;
    set_phase(w, Phase::open);
    w.out.push(std::move(bytes));
    flush(c, w);
    read(c, w);  // frames the client sent right behind its request
    return true;
}

// ---- connection events ----

WsEndpoint::Conn* WsEndpoint::find(Connections& c, ConnId id) {
    const uint32_t slot = c.slot(id);
    if (slot >= m_conns.size()) {
        return nullptr;
    }
    Conn& w = m_conns[slot];
    return w.phase != Phase::idle && w.id == id ? &w : nullptr;
}

void WsEndpoint::on_data(Connections& c, ConnId id) {
    const Scope scope(*this, c);
    if (Conn* w = find(c, id)) {
        if (w->phase == Phase::replied) {
            discard_received(c, *w);  // §5.5.1: nothing counts after the peer's Close
        } else {
            read(c, *w);
        }
    }
}

void WsEndpoint::on_writable(Connections& c, ConnId id) {
    const Scope scope(*this, c);
    if (Conn* w = find(c, id)) {
        flush(c, *w);
        read(c, *w);  // the echo waits for its previous message to go
    }
}

void WsEndpoint::on_peer_closed(Connections& c, ConnId id) {
    const Scope scope(*this, c);
    Conn* w = find(c, id);
    if (w == nullptr) {
        return;
    }
    read(c, *w);  // what came before the FIN counts
    if (w->phase == Phase::open || w->phase == Phase::closing) {
        // §7.1.5: the TCP connection ended without a Close frame (1006, never sent). The peer
        // may still read: what is queued goes, then our FIN.
        set_phase(*w, Phase::ending);
        w->after = AfterFlush::close;
        c.set_timer(w->id, m_options.close_timeout_ns);
        flush(c, *w);
    }
}

void WsEndpoint::on_closed(Connections& c, ConnId id, app::CloseReason) {
    if (Conn* w = find(c, id)) {
        reset(*w);
    }
}

void WsEndpoint::on_timer(Connections& c, ConnId id) {
    const Scope scope(*this, c);
    Conn* w = find(c, id);
    if (w != nullptr && w->phase != Phase::open) {
        ++m_stats.close_timeouts;  // the peer neither closed nor read our Close in time
        abort(c, *w);
    } else if (w != nullptr) {
        on_open_timer(c, slot_of(*w));
    }
}

void WsEndpoint::resume_stalled() {
    for (Conn& w : m_conns) {
        if (w.stalled && !w.in_wake) {
            w.stalled = false;
            w.in_wake = true;
            m_wake.push_back(slot_of(w));
        }
    }
}

void WsEndpoint::drain(Connections& c) {
    const Scope scope(*this, c);
    for (Conn& w : m_conns) {
        if (w.phase != Phase::open) {
            continue;
        }
        set_phase(w, Phase::closing);
        w.message.clear();  // a message still arriving is not delivered any more
        if (queue_close(c, w, to_wire(CloseCode::going_away))) {
            flush(c, w);
            read(c, w);  // the peer's Close may be here already
        }
    }
}

// ---- the receive loop (apps/ws/frame.h) ----

void WsEndpoint::read(Connections& c, Conn& w) {
    const uint32_t slot = slot_of(w);
    while (w.phase == Phase::open || w.phase == Phase::closing) {
        if (!may_read(slot)) {
            w.stalled = true;
            return;
        }
        const BufferView view = c.received(w.id);
        if (view.empty()) {
            return;
        }
        if (!(w.in_payload ? read_payload(c, w, view) : read_header(c, w, view))) {
            return;
        }
    }
}

bool WsEndpoint::read_header(Connections& c, Conn& w, const BufferView& view) {
    size_t used = 0;
    HeaderStep step;
    uint32_t left = view.bytes();
    for (std::span<uint8_t> seg : view) {
        const std::span<const uint8_t> bytes = seg.first(std::min<size_t>(seg.size(), left));
        left -= uint32_t(bytes.size());
        step = w.parser.feed(bytes);
        used += step.consumed;
        if (step.status != HeaderStatus::need_more || left == 0) {
            break;
        }
    }
    if (step.status == HeaderStatus::error) {
        fail(c, slot_of(w), step.error);
        return false;
    }
    if (used > 0) {
        c.consume(w.id, uint32_t(used));  // the parser keeps a header split across segments
    }
    if (step.status == HeaderStatus::need_more) {
        return false;
    }
    w.frame = step.header;
    if (const CloseCode code = w.sequencer.on_frame(w.frame); code != CloseCode::none) {
        fail(c, slot_of(w), code);
        return false;
    }
    w.in_payload = true;
    return w.frame.payload_len > 0 || end_frame(c, w);
}

bool WsEndpoint::read_payload(Connections& c, Conn& w, const BufferView& view) {
    const auto n = uint32_t(std::min<uint64_t>(w.sequencer.frame_remaining(), view.bytes()));
    uint32_t done = 0;
    for (std::span<uint8_t> seg : view) {
        if (done == n) {
            break;
        }
        const std::span<uint8_t> piece = seg.first(std::min<size_t>(seg.size(), n - done));
        // §5.3: in place; nobody else reads these buffers (Connections::received).
        unmask(piece, w.frame.mask_key, w.sequencer.frame_offset());
        if (const CloseCode code = w.sequencer.on_payload(piece); code != CloseCode::none) {
            fail(c, slot_of(w), code);
            return false;
        }
        done += uint32_t(piece.size());
    }
    const bool keep = !is_control(w.frame.opcode) && w.phase == Phase::open;
    if (!keep) {
        c.consume(w.id, n);  // control payloads are in the sequencer; data after our Close is dropped
    } else if (!w.message.add(c, w.id, n)) {
        fail(c, slot_of(w), CloseCode::internal_error);  // no buffer to hold the message
        return false;
    }
    return w.sequencer.frame_remaining() > 0 || end_frame(c, w);
}

bool WsEndpoint::end_frame(Connections& c, Conn& w) {
    const Opcode opcode = w.frame.opcode;
    w.in_payload = false;
    if (const CloseCode code = w.sequencer.on_frame_end(); code != CloseCode::none) {
        fail(c, slot_of(w), code);
        return false;
    }
    if (is_control(opcode)) {
        return on_control(c, w, opcode);
    }
    if (!w.frame.fin || w.phase != Phase::open) {
        return true;
    }
    BufferChain payload;
    if (!w.message.finish(c, payload)) {
        fail(c, slot_of(w), CloseCode::internal_error);
        return false;
    }
    ++m_stats.messages_in;
    on_message(c, slot_of(w), w.sequencer.message_opcode(), std::move(payload));
    return true;
}

bool WsEndpoint::on_control(Connections& c, Conn& w, Opcode opcode) {
    if (opcode == Opcode::close) {
        return on_close_frame(c, w);
    }
    if (opcode != Opcode::ping || w.phase != Phase::open) {
        return true;  // §5.5.3: a Pong needs no answer, solicited or not
    }
    // §5.5.2-§5.5.3: a Pong with the Ping's payload, as soon as practical.
    const std::span<const uint8_t> payload = w.sequencer.control_payload();
    std::array<uint8_t, kMaxFrameHeader + kMaxControlPayload> bytes;
    const size_t header = write_frame_header(header_room(bytes.data()), true, Opcode::pong, payload.size());
    std::copy(payload.begin(), payload.end(), bytes.begin() + long(header));
    BufferChain pong = c.copy_in(std::span(bytes.data(), header + payload.size()));
    if (pong.empty()) {
        fail(c, slot_of(w), CloseCode::internal_error);
        return false;
    }
    return queue_frame(c, slot_of(w), std::move(pong));
}

bool WsEndpoint::on_close_frame(Connections& c, Conn& w) {
    const ClosePayload close = parse_close_payload(w.sequencer.control_payload());
    if (close.error != CloseCode::none) {
        fail(c, slot_of(w), close.error);
        return false;
    }
    if (w.phase == Phase::closing) {
        // §7.1.2-§7.1.3: the peer answered our Close; the server ends TCP first (§7.1.1).
        set_phase(w, Phase::ending);
        w.after = AfterFlush::close;
        flush(c, w);
        return false;
    }
    // §5.5.1: answer with the same code, behind the frames queued already; 1005 means no
    // code and never goes on the wire, so an empty Close is answered with 1000.
    set_phase(w, Phase::replied);
    w.message.clear();
    if (!queue_close(c, w, close.has_code ? close.code : to_wire(CloseCode::normal))) {
        return false;
    }
    w.after = AfterFlush::shutdown;
    discard_received(c, w);
    flush(c, w);
    return false;
}

void WsEndpoint::discard_received(Connections& c, Conn& w) {
    if (const uint32_t n = c.received(w.id).bytes(); n > 0) {
        c.consume(w.id, n);
    }
}

// ---- sending and closing ----

BufferChain WsEndpoint::data_frame(Connections& c, Opcode type, BufferChain&& payload) {
    std::array<uint8_t, kSmallFrame> bytes;
    const uint32_t length = payload.bytes();
    const size_t header = write_frame_header(header_room(bytes.data()), true, type, length);
    if (header + length <= bytes.size()) {
        payload.copy_out(0, std::span(bytes.data() + header, length));
        payload.reset();
        return c.copy_in(std::span(bytes.data(), header + length));
    }
    BufferChain frame = c.copy_in(std::span(bytes.data(), header));
    if (!frame.empty()) {
        frame.append(std::move(payload));  // zero copy: the payload's buffers as they are
    }
    return frame;
}

bool WsEndpoint::queue_frame(Connections& c, uint32_t slot, BufferChain&& frame) {
    Conn& w = m_conns[slot];
    BufferChain owned = std::move(frame);
    if (w.phase != Phase::open) {
        return false;
    }
    if (w.out.frames() >= m_limits.frames || w.out.bytes() + owned.bytes() > m_limits.bytes) {
        ++m_stats.overflows;
        fail(c, slot, CloseCode::policy_violation);
        return false;
    }
    ++m_stats.frames_out;
    w.out.push(std::move(owned));
    flush(c, w);
    return true;
}

void WsEndpoint::fail(Connections& c, uint32_t slot, CloseCode code) {
    Conn& w = m_conns[slot];
    if (w.phase != Phase::open && w.phase != Phase::closing) {
        return;  // closing already, and reading nothing
    }
    ++m_stats.failures;
    const bool send_close = w.phase == Phase::open;  // once per connection (§5.5.1)
    c.stop_reading(w.id);
    w.message.clear();
    w.in_payload = false;
    set_phase(w, Phase::ending);
    w.after = AfterFlush::close;
    if (send_close) {
        w.out.drop_unstarted();  // §7.1.7: no more data for a failed connection
        if (!queue_close(c, w, to_wire(code))) {
            return;
        }
    }
    flush(c, w);
}

bool WsEndpoint::queue_close(Connections& c, Conn& w, uint16_t code) {
    std::array<uint8_t, kMaxFrameHeader + 2> bytes;
    const size_t header = write_frame_header(header_room(bytes.data()), true, Opcode::close, 2);
    const size_t payload = build_close_payload(std::span(bytes.data() + header, 2), code, {});
    BufferChain frame = c.copy_in(std::span(bytes.data(), header + payload));
    if (frame.empty() || !w.out.push(std::move(frame))) {
        abort(c, w);  // no buffer even for the Close
        return false;
    }
    c.set_timer(w.id, m_options.close_timeout_ns);
    return true;
}

void WsEndpoint::wake(Connections& c) {
    ++m_depth;
    while (!m_wake.empty()) {
        Conn& w = m_conns[m_wake.back()];
        m_wake.pop_back();
        w.in_wake = false;
        read(c, w);  // an idle or closed slot reads nothing
    }
    --m_depth;
}

void WsEndpoint::flush(Connections& c, Conn& w) {
    const FrameQueue::Flush result = w.out.flush(c, w.id);
    on_flushed(c, slot_of(w));
    if (w.stalled && !w.in_wake && may_read(slot_of(w))) {
        w.stalled = false;
        w.in_wake = true;
        m_wake.push_back(slot_of(w));
    }
    if (result == FrameQueue::Flush::blocked) {
        return;  // on_writable brings us back
    }
    switch (std::exchange(w.after, AfterFlush::nothing)) {
    case AfterFlush::shutdown: c.shutdown(w.id); break;
    case AfterFlush::close: c.close(w.id); break;
    case AfterFlush::nothing: break;
    }
}

void WsEndpoint::abort(Connections& c, Conn& w) {
    c.abort(w.id);  // no callback follows
    reset(w);
}

void WsEndpoint::set_phase(Conn& w, Phase next) {
    const bool was_open = w.phase == Phase::open;
    w.phase = next;
    if (was_open && next != Phase::open) {
        --m_stats.open;
        on_leave(slot_of(w));
    } else if (!was_open && next == Phase::open) {
        ++m_stats.open;
        on_open(slot_of(w));
    }
}

void WsEndpoint::reset(Conn& w) {
    set_phase(w, Phase::idle);
    w.id = {};
    w.after = AfterFlush::nothing;
    w.in_payload = false;
    w.stalled = false;
    w.parser.reset();
    w.sequencer = MessageSequencer(m_options.max_message_size);
    w.frame = {};
    w.message.clear();
    w.out.clear();
}

}  // namespace slip::apps::ws
