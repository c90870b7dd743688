#pragma once
// The WebSocket endpoints (RFC 6455) the HTTP/1.1 server hands connections to after an
// Upgrade (apps/http/upgrade.h): /ws/echo and /ws/broadcast. The protocol (handshake,
// framing, control frames, closing) is WsEndpoint's; these decide what a message becomes.
// One instance per core, sized by that core's Connections::slot_count().
#include <cstdint>
#include <vector>

#include "apps/ws/ws_endpoint.h"

namespace slip::apps::ws {

// Every message goes back to its sender as one frame of the same type. Zero copy: the
// buffers the message arrived in (taken after unmasking in place) are the echoed frame's
// payload behind a header buffer. Backpressure: while an echo is not wholly in the send
// buffer, nothing more is read from the connection, so a client that does not read meets a
// closed window; what the connection holds stays within the receive window and one message.
class WsEcho final : public WsEndpoint {
public:
    explicit WsEcho(uint32_t slots, const WsOptions& options = {});

private:
    void on_message(app::Connections& c, uint32_t slot, Opcode type, app::BufferChain&& payload) override;
    bool may_read(uint32_t slot) const override { return queue(slot).empty(); }
};

// Every message from any client goes to every open client of this instance, the sender
// included, in the order each sender sent them. Each client's frames wait in a queue of at
// most WsOptions::queue_frames frames and queue_bytes bytes. While any client's queue is
// over half full, no client is read from: the broadcast goes at the pace of its slowest
// reader, and what senders send waits in their receive windows (nothing is lost, nothing
// grows). A client that stays over half full for slow_timeout, or reaches either limit, is
// closed with 1008 (policy violation, §7.4.1), and the others go on.
// Each recipient gets its own copy (Connections::copy_in buffers cannot be shared among
// several send queues yet); the last one gets the received buffers themselves.
class WsBroadcast final : public WsEndpoint {
public:
    explicit WsBroadcast(uint32_t slots, const WsOptions& options = {});
    // Clients open now.
    uint32_t members() const { return uint32_t(m_members.size()); }

private:
    void on_message(app::Connections& c, uint32_t slot, Opcode type, app::BufferChain&& payload) override;
    void on_open(uint32_t slot) override;
    void on_leave(uint32_t slot) override;
    bool may_read(uint32_t slot) const override;
    void on_flushed(app::Connections& c, uint32_t slot) override { watch(c, slot); }
    void on_open_timer(app::Connections& c, uint32_t slot) override;
    // Keeps count of the clients whose queue is over half full (congested).
    void watch(app::Connections& c, uint32_t slot);
    void uncongest(uint32_t slot);

    static constexpr uint32_t kNotMember = UINT32_MAX;
    std::vector<uint32_t> m_members;       // slots of the open clients, in no order
    std::vector<uint32_t> m_member_index;  // by slot: its place in m_members, or kNotMember
    std::vector<uint64_t> m_congested_since;  // by slot: when its queue passed half; 0: it is not
    uint32_t m_congested = 0;
};

}  // namespace slip::apps::ws
