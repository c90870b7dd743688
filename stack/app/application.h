#pragma once
// The application interface: how users' code runs on the engine. Transport-neutral (a TCP
// connection today, a QUIC stream next), and the same for both placements:
//   inline   the callbacks run on the polling core, inside its receive and timer processing
//            (run to completion: the lowest latency, the highest rate per core);
//   workers  the callbacks run on a worker core; events and commands cross between the
//            polling core and the worker over single-producer single-consumer rings.
// An application is written once against Application and Connections and placed by
// configuration. The contract (who owns what, when, on which core): docs/app-api.md.
#include <cstdint>

#include "stack/app/buffer_chain.h"
#include "stack/app/byte_store.h"

namespace slip::app {

// A connection as the application names it: a slot index plus the slot's generation, and
// the polling core (queue) that owns it. Never a pointer: a handle kept after on_closed is
// stale and every call with it returns Status::stale, even once the slot is reused.
struct ConnId {
    uint32_t index = UINT32_MAX;
    uint32_t generation = 0;
    uint16_t queue = 0;
    bool valid() const { return index != UINT32_MAX; }
    bool operator==(const ConnId&) const = default;
};

enum class Status : uint8_t {
    ok,
    stale,    // the handle names no live connection (closed, or never was)
    closed,   // the connection no longer sends (after shutdown/close, or the peer reset it)
    invalid,  // the request makes no sense (zero bytes, a consume beyond what was delivered)
    no_room,  // no connection slot, local port or buffer for it now
};
const char* to_string(Status s);

// Why a connection ended.
enum class CloseReason : uint8_t {
    normal,   // both sides closed
    reset,    // the peer reset it
    timeout,  // retransmissions or keepalive probes ran out
    refused,  // an active open was refused
    aborted,  // this side aborted (the application, or the engine at shutdown)
};
const char* to_string(CloseReason r);

struct SendResult {
    Status status = Status::ok;
    // Bytes taken from the front of the caller's chain (it keeps the rest). Fewer than
    // offered: the send buffer is full, and on_writable follows when it has room again.
    uint32_t accepted = 0;
};

// The peer and local address of a new connection (IPv4 as v4-mapped IPv6).
struct Endpoint {
    uint8_t address[16] = {};
    uint16_t port = 0;
};

class Application;

// How an active open starts (Connections::connect with options).
struct ConnectOptions {
    // RFC 7413: ask the server for a Fast Open cookie, or, with one cached, send `data` on
    // the SYN (saving the request a round trip).
    bool fast_open = false;
    // Sent as soon as the connection allows (on the SYN with Fast Open). connect() takes it
    // whole (also when it fails) where the placement can send it with the open; elsewhere it
    // stays here, for the application to send once connected.
    BufferChain data;
};

// Commands an application gives, on the core its callbacks run on. Every call with a stale
// handle returns Status::stale and changes nothing.
class Connections {
public:
    virtual ~Connections() = default;

    // Hands `data` to the connection. Takes what the send buffer has room for from the
    // front (possibly all, possibly nothing) and leaves the rest in `data`.
    virtual SendResult send(ConnId c, BufferChain& data) = 0;
    // How many bytes send() takes now (0 for a stale or closed connection). Finding less
    // than a segment's room also asks for on_writable when room returns.
    virtual uint32_t send_room(ConnId c) = 0;
    // The received data not consumed yet, in order, held by the engine (zero copy: the
    // buffers the port received into). Valid until the next consume/take/close/abort of
    // this connection or the end of the callback. Empty for a stale handle. The view may be
    // written in place (unmasking, decryption): nobody else reads these buffers.
    virtual BufferView received(ConnId c) = 0;
    // The application is done with the first `bytes` of received(): they are freed and the
    // transport's receive window opens by as much. Data not consumed keeps the window
    // closed (backpressure), so an application that cannot keep up slows its peer down.
    virtual Status consume(ConnId c, uint32_t bytes) = 0;
    // Like consume, but the bytes are handed to the application as a chain instead of
    // freed (zero copy for whole buffers; a buffer straddling `bytes` is split). Empty
    // when the handle is stale or `bytes` exceeds what was received.
    virtual BufferChain take(ConnId c, uint32_t bytes) = 0;
    // The application reads nothing more: what it holds and what still arrives is freed
    // without opening the window, so a peer that keeps sending meets a closed window and
    // pins no buffers (junk behind a refused request). Sending goes on.
    virtual Status stop_reading(ConnId c) = 0;
    // No more data from this side (TCP: FIN after the queued data); receiving goes on.
    virtual Status shutdown(ConnId c) = 0;
    // shutdown(), and the application wants no more data: what still arrives is dropped
    // and consumed. on_closed follows when the transport is done.
    virtual Status close(ConnId c) = 0;
    // Ends the connection now (TCP: RST); queued data is freed. No callback follows.
    virtual Status abort(ConnId c) = 0;
    // Active open on this core's transport; on_connected or on_closed(refused/timeout)
    // follows. `user` is the connection's user data from the start.
    virtual ConnId connect(const Endpoint& remote, Application* app, void* user) = 0;
    // The same with options; a placement without them opens plainly and leaves the data.
    virtual ConnId connect(const Endpoint& remote, Application* app, void* user, ConnectOptions& /*options*/) {
        return connect(remote, app, user);
    }

    // Per-connection user data (nullptr until set).
    virtual Status set_user(ConnId c, void* user) = 0;
    virtual void* user(ConnId c) const = 0;
    // One timer per connection: on_timer after `after_ns` (replaces the one armed);
    // cancel_timer disarms it.
    virtual Status set_timer(ConnId c, uint64_t after_ns) = 0;
    virtual Status cancel_timer(ConnId c) = 0;

    // Buffers for the data an application sends: a copy of `bytes` (small protocol text),
    // or an empty chain when no buffer is free.
    virtual BufferChain copy_in(std::span<const uint8_t> bytes) = 0;
    // `len` bytes of the engine's pattern (printable 72-character lines, as RFC 864's
    // chargen) from stream offset `offset`, referenced instead of copied: what the bulk
    // services and benchmarks send. Possibly fewer bytes (none) when buffers run short.
    virtual BufferChain pattern(uint64_t offset, uint32_t len) = 0;
    // `len` bytes of `bytes` (registered with the engine's ByteStore) from `offset`,
    // referenced instead of copied. Possibly fewer (none) when buffers run short; none
    // past the end.
    virtual BufferChain reference(const SharedBytes& bytes, uint64_t offset, uint32_t len) = 0;
    // A dense index for per-connection arrays: below slot_count(), unique among live
    // connections this application sees.
    virtual uint32_t slot(ConnId c) const = 0;
    virtual uint32_t slot_count() const = 0;
    // The time the current callback runs at (nanoseconds, the engine's monotonic clock).
    virtual uint64_t now_ns() const = 0;
};

// What an application implements. Callbacks run on one core at a time for a connection:
// the polling core (inline) or the connection's worker; they may call back into
// Connections for this or any other connection of the same Connections.
class Application {
public:
    virtual ~Application() = default;

    // A listener's connection is established. Return false to refuse it (reset).
    virtual bool on_accepted(Connections&, ConnId, const Endpoint& /*peer*/) { return true; }
    // An active open (Connections::connect) is established.
    virtual void on_connected(Connections&, ConnId) {}
    // More in-order data is in Connections::received(id) (at most one call per receive
    // burst and connection). The window stays closed by what is not consumed.
    virtual void on_data(Connections& c, ConnId id) = 0;
    // Room in the send buffer again, after a send() accepted less than offered.
    virtual void on_writable(Connections&, ConnId) {}
    // The peer finished sending (TCP: FIN). The connection still sends until shutdown/close.
    virtual void on_peer_closed(Connections&, ConnId) {}
    // The connection is gone; its handle is stale from here on.
    virtual void on_closed(Connections&, ConnId, CloseReason) {}
    // The connection's timer (Connections::set_timer) fired.
    virtual void on_timer(Connections&, ConnId) {}
    // The engine is stopping: finish gracefully (the answer in progress, then close; tell
    // clients why). The engine stops once no connection is left, or after its drain time.
    virtual void on_drain(Connections&) {}
};

}  // namespace slip::app
