#pragma once
// HTTP/0.9 over QUIC ("hq-interop", the QUIC interop runner's application protocol): a
// request is one client-initiated bidirectional stream carrying "GET /path" (CRLF or the
// stream's end closes it); the answer is the resource's bytes, then FIN. There is no status:
// a path that names nothing is answered with RESET_STREAM (kNotFound). Resources are the
// HTTP/3 server's: /bytes/N (the pattern, by reference) and the static table.
//
// One server per connection, driven by poll() on the connection's turn. Requests live in a
// fixed table; answers are written by reference in chunks as the stream's buffer table
// allows (a refused write waits for the stream's writable event).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "apps/http3/server.h"
#include "stack/quic/connection.h"

namespace slip::apps::hq {

inline constexpr const char* kAlpn = "hq-interop";

struct HqServerStats {
    uint64_t requests = 0;
    uint64_t answered = 0;   // answers whose last byte and FIN were written
    uint64_t not_found = 0;  // reset with kNotFound
    uint64_t malformed = 0;  // not "GET /path", or a line too long: reset with kBadRequest
};

class HqServer {
public:
    // Application error codes of the resets (hq-interop has none of its own).
    static constexpr uint64_t kNotFound = 0x4;
    static constexpr uint64_t kBadRequest = 0x1;
    static constexpr size_t kMaxLine = 1024;
    static constexpr size_t kChunk = 16 * 1024;

    explicit HqServer(size_t max_requests = 128, uint64_t max_pattern = 1ull << 40);

    // Resources by path besides /bytes/N (outliving the server).
    void share_statics(std::span<const http3::StaticContent> table) { m_statics = table; }
    // The server's turn: requests read, answers begun and continued.
    void poll(stack::quic::Connection& connection);
    const HqServerStats& stats() const { return m_stats; }

private:
    enum class State : uint8_t { reading, answering, done };
    struct Request {
        uint64_t id = 0;
        bool in_use = false;
        State state = State::reading;
        bool blocked = false;  // a write was refused: wait for writable
        size_t line_len = 0;
        char line[kMaxLine]{};
        std::span<const uint8_t> content;  // static content (empty with a pattern)
        uint64_t length = 0;               // bytes to send
        uint64_t sent = 0;
        bool pattern = false;
    };
    Request* find(uint64_t id);
    Request* take(uint64_t id);
    void read_request(stack::quic::ConnectionStreams& s, Request& r);
    void start_answer(stack::quic::ConnectionStreams& s, Request& r);
    void write_answer(stack::quic::ConnectionStreams& s, Request& r);

    std::vector<Request> m_requests;
    std::span<const http3::StaticContent> m_statics;
    uint64_t m_max_pattern;
    HqServerStats m_stats;
};

}  // namespace slip::apps::hq
