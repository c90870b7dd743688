#pragma once
// The engine as a TCP client (`slipstream run --tcp-client MODE@HOST:PORT`), for tests,
// demos and benchmarks, written on the application interface. It keeps `connections`
// connections open at a time until `count` have completed, each doing one of:
//   echo  send back everything received (the peer drives and checks the data);
//   send  send `bytes` pattern bytes (zero copy), then close; input is discarded;
//   rr    request/response: `bytes`-byte requests, each waiting for as many bytes back,
//         `rounds` times, every round trip timed;
//   http  GET /bytes/<bytes> (HTTP/1.1, Connection: close), read to the peer's close,
//         timed from connect() to the last byte: with `count` large, a connection-rate
//         load; with `fast_open`, the request rides on the SYN (RFC 7413);
//   http-keepalive  `rounds` requests GET /bytes/<bytes> one after another on each kept-alive
//         connection (each answer's end found from its Content-Length), every request timed.
// The engine runs it as its active application: inline on one core (queue 0), polled to
// open connections, its counters published with the queue's.
#include <cstdint>
#include <string>
#include <vector>

#include "apps/services/services.h"
#include "dataplane/app_set.h"
#include "dataplane/client_stats.h"
#include "stack/net/addr.h"

namespace slip::apps::client {

enum class ClientMode : uint8_t { echo, send, rr, http, http_keepalive };
const char* to_string(ClientMode m);
bool parse_client_mode(const std::string& text, ClientMode& mode);

struct TcpClientOptions {
    uint16_t port = 0;  // 0: no client
    stack::Ipv6Addr remote;  // v4-mapped for IPv4
    ClientMode mode = ClientMode::echo;
    uint32_t connections = 1;  // open at a time
    uint64_t count = 1;        // connections to complete in all; 0: until stopped
    uint64_t bytes = 0;        // send: per connection (0: until stopped); rr: request size; http: body size
    uint64_t rounds = 1000;    // rr: round trips per connection
    bool fast_open = false;

    bool enabled() const { return port != 0; }
    std::string validate(uint32_t max_connections) const;
};

class TcpClient final : public dataplane::ActiveApplication {
public:
    // `slots`: Connections::slot_count() of the core it runs on.
    TcpClient(const TcpClientOptions& options, uint32_t slots);
    ~TcpClient() override;

    // Opens connections up to the target; runs on every poll (cheap when nothing to do).
    void poll(app::Connections& c) override;
    const dataplane::ClientStats& stats() const override { return m_stats; }

    void on_connected(app::Connections& c, app::ConnId id) override;
    void on_data(app::Connections& c, app::ConnId id) override;
    void on_writable(app::Connections& c, app::ConnId id) override;
    void on_peer_closed(app::Connections& c, app::ConnId id) override;
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason reason) override;
    // The engine stops: no new connections, and those open are reset (a load generator
    // has nothing to finish; its rates cover the span it ran).
    void on_drain(app::Connections& c) override;

private:
    struct Conn {
        app::ConnId id;
        bool live = false;
        uint64_t started_ns = 0;
        uint64_t request_sent_ns = 0;
        bool request_out = false;  // a request went with the open (Fast Open) or after it
        uint64_t sent = 0;       // send: bytes queued so far
        uint64_t received = 0;   // rr: bytes of the current response; http: all bytes
        uint64_t rounds = 0;     // rr: completed round trips
        uint32_t unconsumed = 0; // echo: received bytes already counted, not echoed yet
        bool finished = false;   // did its work (before the close)
        // http-keepalive: where in the current answer we are.
        bool in_body = false;
        uint64_t body_left = 0;
        uint64_t content_length = 0;
        uint8_t line_len = 0;    // bytes of the current head line kept in `line`
        bool line_empty = true;  // the current head line has no bytes yet
        char line[24] = {};      // enough for "content-length:" and its digits
    };
    bool read_answers(app::Connections& c, app::ConnId id, Conn& conn, app::BufferView data);
    bool head_byte(Conn& conn, char ch);
    void start_one(app::Connections& c);
    void fill(app::Connections& c, app::ConnId id, Conn& conn);
    bool send_request(app::Connections& c, app::ConnId id, Conn& conn);
    app::BufferChain request(app::Connections& c, const Conn& conn);
    // Counts what echo mode received since last time and passes the event on.
    template <class F>
    void echo(app::Connections& c, app::ConnId id, F&& event);
    // The connection is over (on_closed, or an abort of ours): counted, its slot freed.
    void finish(app::Connections& c, app::ConnId id, bool ok);
    bool all_started() const { return m_options.count != 0 && m_stats.started >= m_options.count; }

    TcpClientOptions m_options;
    Echo m_echo;
    std::vector<Conn> m_conns;  // by Connections::slot
    uint32_t m_open = 0;
    std::string m_http_request;
    dataplane::ClientStats m_stats;
    uint64_t m_retry_at_ns = 0;  // after a failed connect() (no slot or port): back off a little
    bool m_draining = false;
};

}  // namespace slip::apps::client
