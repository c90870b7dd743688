#pragma once
// The contract between the TCP layer and an application running on the same core
// (inline mode). Callbacks run inside TcpLayer's input or timer processing; they may call
// back into the layer (send, consume, close) for the same or other connections.
#include <cstdint>

#include "stack/base/instant.h"
#include "stack/buf/mbuf.h"
#include "stack/tcp/connection.h"

namespace slip::stack::tcp {

class TcpService {
public:
    virtual ~TcpService() = default;

    // A listener's new connection reached ESTABLISHED. Return false to refuse it (RST).
    virtual bool on_accept(TcpHandle, const FlowKey&, Instant) { return true; }
    // An active open reached ESTABLISHED.
    virtual void on_connected(TcpHandle, Instant) {}
    // In-order bytes: `data` (a chain of `len` bytes) now belongs to the service. The
    // receive window stays closed by `len` until the service calls TcpLayer::consume().
    virtual void on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) = 0;
    // Send-queue space came back after a send() was refused for lack of it.
    virtual void on_send_space(TcpHandle, Instant) {}
    // The peer sent FIN: no more data will come (CLOSE-WAIT). The connection stays open
    // for sending until the service calls close().
    virtual void on_peer_closed(TcpHandle, Instant) {}
    // The connection is gone; the handle is stale from here on.
    virtual void on_closed(TcpHandle, CloseReason, Instant) {}
    // The timer armed with TcpLayer::set_app_timer fired.
    virtual void on_app_timer(TcpHandle, Instant) {}
};

}  // namespace slip::stack::tcp
