#pragma once
// The engine as a TCP client (`slipstream run --tcp-client MODE@HOST:PORT`), for tests,
// demos and benchmarks. It keeps `connections` connections open at a time until `count`
// have completed, each doing one of:
//   echo  send back everything received (the peer drives and checks the data);
//   send  send `bytes` pattern bytes (zero copy), then close; input is discarded;
//   rr    request/response: `bytes`-byte requests, each waiting for as many bytes back,
//         `rounds` times, every round trip timed;
//   http  GET /bytes/<bytes> (HTTP/1.1, Connection: close), read to the peer's close,
//         timed from connect() to the last byte: with `count` large, a connection-rate
//         load; with `fast_open`, the request rides on the SYN (RFC 7413);
//   http-keepalive  `rounds` requests GET /bytes/<bytes> one after another on each kept-alive
//         connection (each answer's end found from its Content-Length), every request timed.
// Runs inline on one core (queue 0); its counters are published with the queue's.
#include <cstdint>
#include <string>
#include <vector>

#include "stack/base/latency_histogram.h"
#include "stack/services/tcp_services.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::stack {

enum class ClientMode : uint8_t { echo, send, rr, http, http_keepalive };
const char* to_string(ClientMode m);
bool parse_client_mode(const std::string& text, ClientMode& mode);

struct TcpClientOptions {
    uint16_t port = 0;  // 0: no client
    Ipv6Addr remote;    // v4-mapped for IPv4
    ClientMode mode = ClientMode::echo;
    uint32_t connections = 1;  // open at a time
    uint64_t count = 1;        // connections to complete in all; 0: until stopped
    uint64_t bytes = 0;        // send: per connection (0: until stopped); rr: request size; http: body size
    uint64_t rounds = 1000;    // rr: round trips per connection
    bool fast_open = false;

    bool enabled() const { return port != 0; }
    std::string validate(uint32_t max_connections) const;
};

// Trivially copyable, so it travels with the per-queue counters.
struct TcpClientStats {
    uint64_t started = 0;    // connect() calls that got a handle
    uint64_t connected = 0;  // reached ESTABLISHED
    uint64_t completed = 0;  // finished their work and closed normally
    uint64_t failed = 0;     // refused, reset, timed out, or closed early
    uint64_t connect_errors = 0;  // connect() found no slot, route or local port (retried)
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    uint64_t requests = 0;   // http, http-keepalive: answers received whole
    uint64_t first_connect_ns = 0;  // engine clock
    uint64_t last_done_ns = 0;
    uint64_t done = 0;  // 1: `count` connections are over
    uint64_t enabled = 0;
    LatencyHistogram latency;  // rr: each round trip; http: connect to last byte

    TcpClientStats& operator+=(const TcpClientStats& o);
};

class TcpClient final : public tcp::TcpService {
public:
    TcpClient(tcp::TcpLayer& tcp, PatternSource& pattern, const TcpClientOptions& options, uint32_t max_connections);
    ~TcpClient() override;
    // Opens connections up to the target; call on every poll (cheap when nothing to do).
    void poll(Instant now);
    const TcpClientStats& stats() const { return m_stats; }

    void on_connected(tcp::TcpHandle h, Instant now) override;
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override;
    void on_send_space(tcp::TcpHandle h, Instant now) override;
    void on_peer_closed(tcp::TcpHandle h, Instant now) override;
    void on_closed(tcp::TcpHandle h, tcp::CloseReason reason, Instant now) override;

private:
    struct Conn {
        Instant started;
        Instant request_sent;
        uint64_t sent = 0;       // send: bytes queued so far
        uint64_t received = 0;   // rr: bytes of the current response; http: all bytes
        uint64_t rounds = 0;     // rr: completed round trips
        bool finished = false;   // did its work (before the close)
        // http-keepalive: where in the current answer we are.
        bool in_body = false;
        uint64_t body_left = 0;
        uint64_t content_length = 0;
        uint8_t line_len = 0;    // bytes of the current head line kept in `line`
        bool line_empty = true;  // the current head line has no bytes yet
        char line[24] = {};      // enough for "content-length:" and its digits
    };
    void read_answers(tcp::TcpHandle h, Conn& c, const Mbuf* data, Instant now);
    bool head_byte(Conn& c, char ch);
    void start_one(Instant now);
    void fill(tcp::TcpHandle h, Conn& c, Instant now);
    void send_request(tcp::TcpHandle h, Conn& c, Instant now);
    Mbuf* request(Conn& c);
    bool all_started() const { return m_options.count != 0 && m_stats.started >= m_options.count; }

    tcp::TcpLayer& m_tcp;
    PatternSource& m_pattern;
    TcpClientOptions m_options;
    TcpEcho m_echo;
    std::vector<Conn> m_conns;  // by slot index
    uint32_t m_open = 0;
    std::string m_http_request;
    TcpClientStats m_stats;
    Instant m_retry_at;  // after a failed connect() (no slot or port): back off a little
};

}  // namespace slip::stack
