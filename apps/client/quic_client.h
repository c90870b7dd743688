#pragma once
// The engine as an HTTP/3 client (`slipstream get URL`, `slipstream run --quic-client
// MODE@HOST:PORT`): an application on the QUIC client endpoint (dataplane/quic_client_service.h)
// that keeps `connections` connections open at a time until `count` have completed, each
// doing one of:
//   get  `rounds` GETs of `path`, one after another on the connection (a request's time runs
//        from its queueing: the first one's includes the handshake), then a clean close;
//   cps  connections per second: handshake, one GET, close, timed from connect to the end
//        of the answer.
// Every request runs through Http3Client on an Http3Session of its own per connection; a
// load generator counts content without keeping it. For `slipstream get` the first
// connection's answer (status, fields, content, times, or why it failed) goes to a FetchResult
// read once the engine stopped.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "apps/http3/client.h"
#include "apps/http3/session.h"
#include "dataplane/quic_client_service.h"

namespace slip::apps::client {

enum class QuicClientMode : uint8_t { get, cps };
const char* to_string(QuicClientMode m);
bool parse_quic_client_mode(const std::string& text, QuicClientMode& mode);

// The answer `slipstream get` prints: written on the client's core, read after the engine
// stopped (the join orders the two).
struct FetchResult {
    bool done = false;
    std::string error;  // empty: an answer came (whatever its status)
    int status = 0;
    std::vector<std::pair<std::string, std::string>> fields;
    std::vector<uint8_t> body;
    uint64_t body_bytes = 0;
    uint64_t handshake_ns = 0;  // connect to handshake complete (RFC 9001 §4.1.1)
    uint64_t total_ns = 0;      // connect to the answer's end
};

struct QuicClientOptions {
    stack::quic::PeerAddress server;  // port 0: no client
    std::string authority;            // :authority of the requests (RFC 9114 §4.3.1)
    std::string path = "/";
    QuicClientMode mode = QuicClientMode::get;
    uint32_t connections = 1;  // open at a time
    uint64_t count = 1;        // connections to complete in all; 0: until stopped
    uint64_t rounds = 1;       // get: requests per connection
    uint64_t timeout_ns = 0;   // a connection not done by then is closed and failed (0: never)
    bool keep_bodies = false;
    std::shared_ptr<FetchResult> result;  // the first connection's answer, if given

    bool enabled() const { return server.port != 0; }
    std::string validate() const;
};

// The client's connection parameters (RFC 9000 §18.2): sized for answers (a stream's
// window is what its receive pieces hold) and the server's three HTTP/3 streams.
stack::quic::ConnectionOptions quic_client_connection_options();

class QuicClient final : public dataplane::QuicClientApplication {
public:
    explicit QuicClient(const QuicClientOptions& options);
    ~QuicClient();

    bool poll(dataplane::QuicClientService& client, uint64_t now_ns) override;
    const dataplane::ClientStats& stats() const override { return m_stats; }
    void on_drain(dataplane::QuicClientService& client, uint64_t now_ns) override;
    void on_turn(uint32_t slot, stack::quic::Connection& connection, uint64_t now_ns) override;
    void on_freed(uint32_t slot) override;

private:
    struct Conn {
        std::unique_ptr<http3::Http3Client> client;
        std::unique_ptr<http3::Http3Session> session;
        bool live = false;
        bool handshaken = false;
        bool finished = false;   // its requests are done and it closed itself
        bool timed_out = false;
        uint64_t started_ns = 0;
        uint64_t handshake_ns = 0;
        uint64_t request_ns = 0;  // the current request's queueing
        uint64_t requests = 0;
        size_t current = 0;       // the current request's index in the client's responses
        // The connection as last seen: why it ended, read once it is gone.
        stack::quic::TransportError close_error = stack::quic::TransportError::no_error;
        bool closed_by_peer = false;
        bool closed_by_application = false;
        uint64_t application_error = 0;
        std::string failure;  // what went wrong before the close, if known
    };
    void open_one(dataplane::QuicClientService& client, uint64_t now_ns);
    void answer_done(Conn& c, stack::quic::Connection& connection, uint64_t now_ns);
    std::string why_failed(const Conn& c) const;
    bool all_started() const { return m_options.count != 0 && m_stats.started >= m_options.count; }

    QuicClientOptions m_options;
    std::vector<Conn> m_conns;  // by slot
    uint32_t m_open = 0;
    uint64_t m_now_ns = 0;       // the last turn's or poll's time
    uint64_t m_retry_at_ns = 0;  // after connect() found no slot: back off a little
    bool m_draining = false;
    bool m_result_taken = false;
    dataplane::ClientStats m_stats;
};

}  // namespace slip::apps::client
