#include "apps/ws/ws_server.h"

#include <algorithm>
#include <utility>

namespace slip::apps::ws {

using app::BufferChain;
using app::Connections;

namespace {

// The echo's queue: one message at a time (nothing is read while it waits), a Pong in its
// place, and a Close behind it when the server drains.
constexpr uint32_t kEchoQueueFrames = 4;

}  // namespace

// ---- echo ----

WsEcho::WsEcho(uint32_t slots, const WsOptions& options)
    : WsEndpoint(slots, options,
                 {kEchoQueueFrames, std::min(options.max_message_size, kMaxMessageLimit) + 2 * kMaxFrameHeader +
                                        kMaxControlPayload}) {}

void WsEcho::on_message(Connections& c, uint32_t slot, Opcode type, BufferChain&& payload) {
    BufferChain frame = data_frame(c, type, std::move(payload));
    if (frame.empty()) {
        fail(c, slot, CloseCode::internal_error);  // no buffer for the header
        return;
    }
    queue_frame(c, slot, std::move(frame));
}

// ---- broadcast ----

WsBroadcast::WsBroadcast(uint32_t slots, const WsOptions& options)
    : WsEndpoint(slots, options, {options.queue_frames, options.queue_bytes}),
      m_member_index(slots, kNotMember),
      m_congested_since(slots, 0) {
    m_members.reserve(slots);
}

void WsBroadcast::on_open(uint32_t slot) {
    m_member_index[slot] = uint32_t(m_members.size());
    m_members.push_back(slot);
}

void WsBroadcast::on_leave(uint32_t slot) {
    uncongest(slot);
    const uint32_t at = std::exchange(m_member_index[slot], kNotMember);
    if (at == kNotMember) {
        return;
    }
    m_members[at] = m_members.back();
    m_member_index[m_members[at]] = at;
    m_members.pop_back();
}

bool WsBroadcast::may_read(uint32_t) const {
    // Nobody's messages are taken in while some client is behind: what a sender sends waits
    // in its own receive window instead of growing every queue.
    return m_congested == 0;
}

void WsBroadcast::watch(Connections& c, uint32_t slot) {
    const FrameQueue& q = queue(slot);
    const bool behind = uint64_t(q.frames()) * 2 >= limits().frames || q.bytes() * 2 >= limits().bytes;
    if (behind && m_congested_since[slot] == 0 && is_open(slot)) {
        m_congested_since[slot] = c.now_ns() | 1;
        ++m_congested;
        c.set_timer(id_of(slot), options().slow_timeout_ns);
    } else if (!behind && m_congested_since[slot] != 0) {
        uncongest(slot);
    }
}

void WsBroadcast::uncongest(uint32_t slot) {
    if (m_congested_since[slot] != 0) {
        m_congested_since[slot] = 0;
        if (--m_congested == 0) {
            resume_stalled();
        }
    }
}

void WsBroadcast::on_open_timer(Connections& c, uint32_t slot) {
    const uint64_t since = m_congested_since[slot];
    if (since == 0) {
        return;
    }
    if (c.now_ns() - since + 1 >= options().slow_timeout_ns) {
        fail_behind(c, slot);  // behind for too long: §7.4.1, 1008
    } else {
        c.set_timer(id_of(slot), options().slow_timeout_ns - (c.now_ns() - since));
    }
}

void WsBroadcast::on_message(Connections& c, uint32_t slot, Opcode type, BufferChain&& payload) {
    BufferChain frame = data_frame(c, type, std::move(payload));
    if (frame.empty()) {
        fail(c, slot, CloseCode::internal_error);
        return;
    }
    // From the last member down: a member failed on the way leaves m_members by moving the
    // last one into its place, and that one has had its copy already.
    for (size_t i = m_members.size(); i-- > 0;) {
        const uint32_t to = m_members[i];
        BufferChain copy = i == 0 ? std::move(frame) : copy_packed(c, frame.view());
        if (copy.empty()) {
            fail(c, to, CloseCode::internal_error);  // no buffer for its copy: never a silent gap
            continue;
        }
        if (queue_frame(c, to, std::move(copy))) {
            watch(c, to);
        }
    }
}

}  // namespace slip::apps::ws
