#pragma once
// The HTTP/1.1 server (RFC 9112, RFC 9110) on the application interface. Resources:
//   GET/HEAD /          a short text index of the endpoints (or the root's index.html)
//   GET/HEAD /bytes/N   N pattern bytes, referenced, not copied (benchmarks)
//   POST /discard       reads the request content and answers how many bytes it had
//   GET/HEAD <file>     the static files of options.root, with ETag and If-None-Match (304)
//   Upgrade: websocket  handed to the UpgradeTarget routed for the path (route_upgrade)
//
// One request at a time per connection, answered in order (RFC 9112 §9.3.2): the next
// request is parsed only once the current answer is wholly queued, and what waits behind
// it stays unconsumed in the engine, so a client that only sends meets a closed window.
// Request content (Content-Length or chunked, RFC 9112 §6-§7) is read and dropped as it
// comes, within max_body. Every 4xx/5xx answer carries Connection: close, nothing more is
// read after it (Connections::stop_reading) and the connection closes behind it.
//
// Timers (Connections::set_timer, one per connection, re-armed lazily from deadlines kept
// per connection, so a steady stream of requests sets none): a kept-alive connection idle
// for idle_timeout is closed; a head not complete head_timeout after its first byte is a
// 408; request content that stalls for idle_timeout is a 408; an answer the client does not
// take for send_timeout is aborted.
//
// No allocation per request: per-connection state lives in an array indexed by
// Connections::slot, sized at construction; heads are gathered into and parsed from one
// scratch buffer per instance. One instance serves one Connections (one core).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apps/http/chunked_decoder.h"
#include "apps/http/head_scanner.h"
#include "apps/http/request_head.h"
#include "apps/http/response.h"
#include "apps/http/static_files.h"
#include "apps/http/upgrade.h"

namespace slip::apps::http {

struct HttpServerOptions {
    std::string root;  // the static files' directory; empty: none
    StaticFileLimits static_limits;
    size_t max_head = kDefaultMaxHead;  // bytes of a request head; more is 431
    HeadLimits head_limits;             // request-target length, field count and line length
    uint64_t max_body = 1u << 20;       // bytes of request content; more is 413
    uint64_t max_pattern = 1ull << 40;  // the largest N of GET /bytes/N
    uint64_t idle_timeout_ns = 60'000'000'000;
    uint64_t head_timeout_ns = 10'000'000'000;
    uint64_t send_timeout_ns = 60'000'000'000;
    std::string server_name = "slipstream";  // the Server field (256 bytes at most); empty: none
    WallClock wall_clock = nullptr;          // the Date field's clock; nullptr: the system's
};

struct HttpServerStats {
    uint64_t requests = 0;       // request heads read whole (parsed, or refused by the parser)
    uint64_t answers = 0;        // answers wholly queued
    uint64_t errors = 0;         // of those, 4xx and 5xx
    uint64_t not_modified = 0;   // 304s
    uint64_t upgrades = 0;       // connections handed to an UpgradeTarget
    uint64_t idle_closed = 0;    // kept-alive connections closed for idling
    uint64_t timeouts = 0;       // 408s: a head or content too slow
    uint64_t send_stalls = 0;    // aborted: the client took no answer bytes for send_timeout
    uint64_t body_bytes = 0;     // request content read and dropped
    uint64_t content_referenced = 0;  // answer content bytes sent by reference (pattern, shared files)
    uint64_t content_copied = 0;      // answer content bytes copied into packet buffers
};

class HttpServer final : public app::Application {
public:
    // `slots`: Connections::slot_count() of the core. `files`: static files loaded once for
    // every core; nullptr with options.root set loads them here.
    HttpServer(uint32_t slots, HttpServerOptions options = {}, std::shared_ptr<const StaticFiles> files = nullptr);
    ~HttpServer() override;

    // Requests to upgrade to a WebSocket at `path` go to `target` (RFC 9110 §7.8), which
    // outlives the server; the second form gives the server the target to keep.
    void route_upgrade(std::string_view path, UpgradeTarget* target);
    void route_upgrade(std::string_view path, std::unique_ptr<UpgradeTarget> target);

    // Graceful shutdown: every connection's next answer carries Connection: close and the
    // connection closes after it; kept-alive connections waiting for a request close now;
    // every upgrade target drains what it owns.
    void drain(app::Connections& c);
    bool draining() const { return m_draining; }

    const HttpServerStats& stats() const { return m_stats; }
    uint64_t requests() const { return m_stats.requests; }
    const StaticFiles* files() const { return m_files.get(); }

    bool on_accepted(app::Connections& c, app::ConnId id, const app::Endpoint& peer) override;
    void on_data(app::Connections& c, app::ConnId id) override;
    void on_writable(app::Connections& c, app::ConnId id) override;
    void on_peer_closed(app::Connections& c, app::ConnId id) override;
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason reason) override;
    void on_timer(app::Connections& c, app::ConnId id) override;
    void on_drain(app::Connections& c) override { drain(c); }

private:
    enum class Mode : uint8_t { free, http, upgraded, closing };
    enum class Phase : uint8_t { head, content, answer };
    enum class Resource : uint8_t { none, index, pattern, discard, file, options };
    struct Conn;
    struct Route {
        std::string path;
        UpgradeTarget* target;
    };

    Conn* find(app::Connections& c, app::ConnId id);
    void reset(Conn& s);
    void advance(app::Connections& c, Conn& s);
    bool read_head(app::Connections& c, Conn& s);
    void scan(app::Connections& c, Conn& s);
    void dispatch(app::Connections& c, Conn& s, HeadStatus status);
    void route(Conn& s, std::string_view path);
    void describe_file(Answer& a, const StaticFile& file) const;
    UpgradeTarget* upgrade_target(std::string_view path) const;
    void upgrade(app::Connections& c, Conn& s, std::string_view path);
    void begin_content(app::Connections& c, Conn& s);
    bool read_content(app::Connections& c, Conn& s);
    bool read_chunked(app::Connections& c, Conn& s, uint32_t& used);
    void content_done(Conn& s);
    void fail(app::Connections& c, Conn& s, uint16_t status, std::string_view allow = {});
    void refuse_input(app::Connections& c, Conn& s);
    bool pump(app::Connections& c, Conn& s);
    bool make_head(app::Connections& c, Conn& s);
    bool make_content(app::Connections& c, Conn& s, uint32_t room);
    bool finish_answer(app::Connections& c, Conn& s);
    void end(app::Connections& c, Conn& s);
    void watch(app::Connections& c, Conn& s, uint64_t deadline_ns);
    uint64_t deadline(const Conn& s) const;
    void expire(app::Connections& c, Conn& s);
    void build_index();

    HttpServerOptions m_options;
    std::shared_ptr<const StaticFiles> m_files;
    std::vector<Conn> m_conns;
    std::vector<Route> m_routes;
    std::vector<std::unique_ptr<UpgradeTarget>> m_owned;
    std::string m_index;  // the text answer of GET /
    HttpDate m_date;
    bool m_draining = false;
    HttpServerStats m_stats;
    // A head is gathered here and parsed in place (used synchronously: one per instance).
    std::vector<uint8_t> m_scratch;
    RequestHead m_head;
    std::array<char, 1024> m_head_text;  // an answer's head as rendered
};

}  // namespace slip::apps::http
