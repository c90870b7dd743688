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
    : WsEndpoint(slots, options, {options.queue_frames, options.queue_bytes}), m_member_index(slots, kNotMember) {
    m_members.reserve(slots);
}

void WsBroadcast::on_open(uint32_t slot) {
    m_member_index[slot] = uint32_t(m_members.size());
    m_members.push_back(slot);
}

void WsBroadcast::on_leave(uint32_t slot) {
    const uint32_t at = std::exchange(m_member_index[slot], kNotMember);
    if (at == kNotMember) {
        return;
    }
    m_members[at] = m_members.back();
    m_member_index[m_members[at]] = at;
    m_members.pop_back();
}

bool WsBroadcast::may_read(uint32_t slot) const {
    const FrameQueue& q = queue(slot);
    return uint64_t(q.frames()) * 2 < limits().frames && q.bytes() * 2 < limits().bytes;
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
        queue_frame(c, to, std::move(copy));
    }
}

}  // namespace slip::apps::ws
