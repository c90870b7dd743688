#pragma once
// An HTTP/3 client on one Http3Session (RFC 9114 §4): requests a list of paths from one
// authority, each on its own bidirectional stream, as many at once as the server's stream
// limit allows (the rest wait their turn), and collects each answer's status, fields and
// content. For tests and command-line tools: answers are gathered in memory.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apps/http3/session.h"

namespace slip::apps::http3 {

struct Http3Response {
    std::string path;
    bool head = false;
    int64_t stream = -1;  // -1 until the request went out
    int status = 0;       // 0: no header section (yet)
    std::vector<std::pair<std::string, std::string>> fields;  // regular fields, in order
    std::vector<uint8_t> body;  // empty when the client keeps no bodies
    uint64_t body_bytes = 0;
    bool complete = false;  // the answer ended with its FIN
    bool closed = false;    // the stream is over
    uint64_t error = 0;     // the stream's close code (H3_NO_ERROR when it ended well)
    bool cancelled = false;
    bool rejected = false;  // never processed: the server's GOAWAY came first (§5.2)
};

class Http3Client final : public Http3Handler {
public:
    explicit Http3Client(std::string authority, std::string user_agent = "slipstream");

    void bind(Http3Session& session) { m_session = &session; }
    // False: content is counted (body_bytes), not kept: a load generator's many answers.
    void keep_bodies(bool keep) { m_keep_bodies = keep; }
    // Queues GET (or HEAD) of `path`; its index in responses().
    size_t get(std::string_view path, bool head = false);
    // The client's turn: the session's poll, then requests that can go now.
    void poll(uint64_t now_ns);
    // Abandons request `index` (RFC 9114 §4.1.1, H3_REQUEST_CANCELLED).
    void cancel(size_t index);

    const std::vector<Http3Response>& responses() const { return m_responses; }
    // Every request's stream is over.
    bool done() const;

    void on_field(int64_t stream, std::string_view name, std::string_view value) override;
    void on_headers(int64_t, bool) override {}
    void on_body(int64_t stream, std::span<const uint8_t> bytes) override;
    void on_end(int64_t stream) override;
    void on_closed(int64_t stream, uint64_t error) override;
    void on_goaway(int64_t id) override;
    long body(int64_t, std::span<std::span<const uint8_t>>, bool& eof) override {
        eof = true;
        return 0;
    }

private:
    bool start(Http3Response& r);
    Http3Response* find(int64_t stream);

    std::string m_authority;
    std::string m_user_agent;
    Http3Session* m_session = nullptr;
    std::vector<Http3Response> m_responses;
    std::map<int64_t, size_t> m_by_stream;
    size_t m_next = 0;  // the first request not yet sent
    bool m_keep_bodies = true;
};

}  // namespace slip::apps::http3
