#pragma once
// The applications an engine serves, given to it by whoever composes it (apps/): the
// dataplane knows none of them by name.
//   listeners  a listening port and a factory each; every polling core makes its own
//              instance (shared-nothing) and serves it inline, or the workers do;
//   active     at most one application that opens connections itself (a load generator),
//              made on queue 0 only and run inline there;
//   datagrams  UDP services (not on the stream interface), a port and a factory each,
//              an instance per polling core;
//   quic       the application on every QUIC connection (HTTP/3), an instance per core.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dataplane/client_stats.h"
#include "dataplane/quic_options.h"
#include "stack/app/application.h"
#include "stack/app/byte_store.h"
#include "stack/buf/mbuf.h"
#include "stack/session/udp_service.h"

namespace slip::stack {
class NetStack;
}

namespace slip::dataplane {

// What a factory learns about the core its instance will run on.
struct AppContext {
    uint16_t queue = 0;
    // Connections::slot_count() of that core: the size of per-connection arrays.
    uint32_t slots = 0;
    stack::MbufPool* pool = nullptr;  // the core's packet buffers (for UDP applications' datagrams)
};

struct ListenerSpec {
    uint16_t port = 0;
    std::function<std::unique_ptr<app::Application>(const AppContext&)> make;
    // Runs once, on the thread that builds the engine, before any instance is made: bytes
    // the instances will send many times (static files) are registered here.
    std::function<void(app::ByteStore&)> prepare;
};

// An application that opens connections itself (Connections::connect) rather than being
// handed them by a listener.
class ActiveApplication : public app::Application {
public:
    // Runs on every poll of its core, after the received packets and the timers: opens the
    // connections it wants now (cheap when there is nothing to do).
    virtual void poll(app::Connections& c) = 0;
    // Its counters, published with its core's.
    virtual const ClientStats& stats() const = 0;
};

// An active application on UDP (the QUIC client): a UDP service on its own port that also
// sends on its own, polled with the stack after the received packets and the timers.
class ActiveDatagramApplication : public stack::UdpService {
public:
    virtual uint16_t port() const = 0;
    // True when it did work.
    virtual bool poll(stack::NetStack& net, stack::Instant now) = 0;
    virtual const ClientStats& stats() const = 0;
    // The engine stops: no new connections.
    virtual void on_drain(stack::Instant now) = 0;
};

struct ActiveSpec {
    // Empty: no active application.
    std::function<std::unique_ptr<ActiveApplication>(const AppContext&)> make;
    // Empty: no active UDP application (at most one of the two, both on queue 0).
    std::function<std::unique_ptr<ActiveDatagramApplication>(const AppContext&)> make_datagram;
};

struct DatagramSpec {
    uint16_t port = 0;
    std::function<std::unique_ptr<stack::UdpService>(const AppContext&)> make;
};

// The listeners are the set itself (workers and their bridges name them by index).
struct AppSet : std::vector<ListenerSpec> {
    ActiveSpec active;
    std::vector<DatagramSpec> datagrams;
    QuicApplicationSpec quic;  // on the connections of --quic-port
};

}  // namespace slip::dataplane
