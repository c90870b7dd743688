#pragma once
// The echo half of the engine's TCP client (`--tcp-client echo@...`), a TcpService of its
// own. The services `slipstream run` offers are applications on the application interface
// (apps/services); this one goes there with the client.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "stack/buf/pattern_source.h"
#include "stack/buf/held_chain.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::stack {

// RFC 862: everything received goes back. What the send buffer cannot take yet waits,
// unconsumed (it holds the receive window closed: backpressure instead of loss), and goes
// as the send buffer makes room, as much as fits each time: a receive buffer larger than
// the send buffer never waits for room that cannot come. `pool` gives the buffers that
// split a held buffer at the send buffer's limit and gather short segments (HeldChain).
class TcpEcho final : public tcp::TcpService {
public:
    TcpEcho(tcp::TcpLayer& tcp, uint32_t max_connections, MbufPool* pool);
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override;
    void on_send_space(tcp::TcpHandle h, Instant now) override;
    void on_peer_closed(tcp::TcpHandle h, Instant now) override;
    void on_closed(tcp::TcpHandle h, tcp::CloseReason, Instant now) override;
    // Received bytes of `h` waiting for send space.
    const HeldChain& held(tcp::TcpHandle h) const { return m_pending[h.index].held; }

private:
    void flush(tcp::TcpHandle h, Instant now);
    struct Pending {
        HeldChain held;
        bool close_after = false;
    };
    tcp::TcpLayer& m_tcp;
    MbufPool* m_pool;
    std::vector<Pending> m_pending;
};

}  // namespace slip::stack
