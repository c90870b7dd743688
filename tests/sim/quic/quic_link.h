#pragma once
// Two QUIC connections over an in-memory datagram link with virtual time, for the sim
// tier: each direction delays, drops (seeded random, or by a filter on the datagram's
// index) and reorders datagrams; run_for() advances the clock event by event, delivering
// datagrams, firing timers and letting each side send what it has.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "crypto/tls_context.h"
#include "stack/quic/connection.h"

namespace slip::test::quic_sim {

using namespace slip::stack::quic;

struct Direction {
    uint64_t delay_ns = 10 * kNanosPerMilli;
    double loss = 0;
    double reorder = 0;  // a datagram held back by one more delay
    // Dropped when it returns true for the direction's n-th datagram (0-based).
    std::function<bool(size_t n)> drop;
};

// The link's received datagrams, each in its own buffer with a reference count: stream
// data stays in them (as in the engine's packet buffers) until the application consumes it.
class SimBuffers final : public RxBufferOwner {
public:
    struct Buffer {
        std::vector<uint8_t> bytes;
        int refs = 1;
    };
    Buffer* make(std::vector<uint8_t> bytes) {
        ++m_live;
        return new Buffer{std::move(bytes), 1};
    }
    void retain(void* b) override { ++static_cast<Buffer*>(b)->refs; }
    void release(void* b) override {
        Buffer* buffer = static_cast<Buffer*>(b);
        if (--buffer->refs == 0) {
            delete buffer;
            --m_live;
        }
    }
    size_t live() const { return m_live; }

private:
    size_t m_live = 0;
};

class QuicLink {
public:
    QuicLink(Direction client_to_server = {}, Direction server_to_client = {}, uint64_t seed = 1,
             ConnectionOptions client_options = default_options(Role::client),
             ConnectionOptions server_options = default_options(Role::server));

    static ConnectionOptions default_options(Role role);
    static ConnectionId cid_of(uint8_t v);
    // TLS contexts made once per process (an ephemeral certificate each): every link and
    // every test shares them, as the connections of one engine core do.
    static crypto::TlsContext& server_tls();
    static crypto::TlsContext& client_tls();

    // Advances virtual time by `ns`; after each step, the invariant check runs.
    void run_for(uint64_t ns);
    // Until both sides are established (true) or `limit_ns` passed.
    bool run_until_established(uint64_t limit_ns);
    uint64_t now() const { return m_now; }

    Connection& client() { return *m_client; }
    Connection& server() { return *m_server; }
    size_t datagrams(bool to_server) const { return to_server ? m_sent_to_server : m_sent_to_client; }
    // RFC 9000 §8.1: before validation, the server's bytes never exceeded 3x the client's.
    bool amplification_respected() const { return m_amplification_ok; }
    // Steps where a side's next deadline had passed and handling it did not move it: a
    // connection asking to be woken for something it cannot do (a busy loop in an engine).
    size_t stuck_steps() const { return m_stuck_steps; }
    // Called after every step's deliveries and timers, before the sides send: the
    // applications' turn (read, consume, write).
    std::function<void()> on_step;
    // The most datagrams one side sent at one instant since the last reset (pacing).
    size_t max_burst(bool to_server) const { return m_max_burst[to_server ? 0 : 1]; }
    void reset_max_burst() { m_max_burst[0] = m_max_burst[1] = 0; }
    // Received datagrams still held (by stream data not yet consumed).
    size_t buffers_held() const { return m_buffers.live(); }
    // Set to inject a datagram (garbage, replays) into the server.
    void inject_to_server(std::vector<uint8_t> datagram) { enqueue(true, std::move(datagram), 0); }

private:
    struct InFlight {
        uint64_t at = 0;
        bool to_server = false;
        std::vector<uint8_t> bytes;
    };
    void enqueue(bool to_server, std::vector<uint8_t> bytes, uint64_t delay);
    void flush(bool client_side);
    void check();

    PacketProtection m_protection;
    SimBuffers m_buffers;  // outlives the connections, which release into it
    std::unique_ptr<Connection> m_client;
    std::unique_ptr<Connection> m_server;
    Direction m_dirs[2];  // [0] client to server, [1] server to client
    std::mt19937_64 m_rng;
    std::multimap<uint64_t, InFlight> m_wire;
    uint64_t m_now = 1'000'000'000;
    size_t m_sent_to_server = 0;
    size_t m_sent_to_client = 0;
    bool m_amplification_ok = true;
    size_t m_stuck_steps = 0;
    size_t m_max_burst[2] = {0, 0};
};

}  // namespace slip::test::quic_sim
