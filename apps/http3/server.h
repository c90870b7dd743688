#pragma once
// A small HTTP/3 server on one Http3Session (RFC 9114 §4): one request per bidirectional
// stream, answered once its header section is read. Resources:
//   GET/HEAD /bytes/N   N pattern bytes (PatternBody), by reference
//   GET/HEAD <path>     a registered static content (add_static), by reference
//   anything else       404 (an unknown path), 405 (a method other than GET or HEAD)
// HEAD answers carry the fields GET would (content-length included) and no content
// (RFC 9110 §9.3.2). Request content, if any, is left to nghttp3 (it sends STOP_SENDING
// with H3_NO_ERROR once the answer is complete, RFC 9114 §4.1).
//
// Requests live in a fixed table made at construction (max_streams entries); a request
// beyond it is refused with H3_REQUEST_REJECTED (§4.1.1: safe to retry).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "apps/http3/session.h"

namespace slip::apps::http3 {

struct Http3ServerOptions {
    size_t max_streams = 256;            // requests answered at once
    uint64_t max_pattern = 1ull << 40;   // the largest N of /bytes/N
    std::string server_name = "slipstream";  // the server field; empty: none
};

// A resource served by path: its content outlives every server that serves it.
struct StaticContent {
    std::string path;
    std::span<const uint8_t> content;
    std::string content_type;
};

struct Http3ServerStats {
    uint64_t requests = 0;   // header sections read
    uint64_t answers = 0;    // answers submitted
    uint64_t not_found = 0;  // 404s
    uint64_t refused = 0;    // 405s and requests beyond the table
    uint64_t closed_with_error = 0;  // streams that ended with an error code (resets)
};

class Http3Server final : public Http3Handler {
public:
    explicit Http3Server(const Http3ServerOptions& options = {});
    ~Http3Server();
    Http3Server(const Http3Server&) = delete;
    Http3Server& operator=(const Http3Server&) = delete;

    // The session it answers on (made with this server as its handler).
    void bind(Http3Session& session) { m_session = &session; }
    // GET/HEAD `path` answers `content` (which outlives the server) as `content_type`.
    void add_static(std::string path, std::span<const uint8_t> content, std::string content_type);
    // Serves the contents of `table` too (read-only, shared by many servers, outliving them;
    // looked at after the ones added).
    void share_statics(std::span<const StaticContent> table) { m_shared_statics = table; }
    const Http3ServerStats& stats() const { return m_stats; }
    // Requests not yet over.
    size_t open_requests() const;

    void on_field(int64_t stream, std::string_view name, std::string_view value) override;
    void on_headers(int64_t stream, bool fin) override;
    void on_body(int64_t, std::span<const uint8_t>) override {}
    void on_end(int64_t) override {}
    void on_closed(int64_t stream, uint64_t error) override;
    long body(int64_t stream, std::span<std::span<const uint8_t>> out, bool& eof) override;

private:
    struct Request;
    Request* find(int64_t stream);
    Request* take(int64_t stream);
    void answer(Request& r);
    void route(Request& r);

    Http3ServerOptions m_options;
    Http3Session* m_session = nullptr;
    std::unique_ptr<Request[]> m_requests;
    std::vector<StaticContent> m_statics;
    std::span<const StaticContent> m_shared_statics;
    Http3ServerStats m_stats;
};

}  // namespace slip::apps::http3
