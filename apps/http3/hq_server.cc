#include "apps/http3/hq_server.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "apps/http3/pattern_body.h"

namespace slip::apps::hq {

using stack::quic::ConnectionStreams;
using stack::quic::RxPiece;
using stack::quic::StreamEvent;
using stack::quic::StreamWrite;

HqServer::HqServer(size_t max_requests, uint64_t max_pattern)
    : m_requests(max_requests), m_max_pattern(max_pattern) {}

HqServer::Request* HqServer::find(uint64_t id) {
    for (Request& r : m_requests) {
        if (r.in_use && r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

HqServer::Request* HqServer::take(uint64_t id) {
    for (Request& r : m_requests) {
        if (!r.in_use) {
            r = Request{};
            r.id = id;
            r.in_use = true;
            return &r;
        }
    }
    return nullptr;
}

void HqServer::poll(stack::quic::Connection& connection) {
    ConnectionStreams& s = connection.streams();
    StreamEvent e;
    while (s.next_event(e)) {
        Request* r = find(e.id);
        if ((e.bits & stack::quic::kStreamClosed) != 0) {
            if (r != nullptr) {
                r->in_use = false;
            }
            continue;
        }
        if ((e.bits & (stack::quic::kStreamReset | stack::quic::kStreamStopped)) != 0 && r != nullptr) {
            r->state = State::done;  // the peer gave up: nothing more to read or write
            continue;
        }
        if (r == nullptr && (e.bits & (stack::quic::kStreamOpened | stack::quic::kStreamReadable)) != 0) {
            r = take(e.id);
            if (r == nullptr) {
                (void)s.stop_sending(e.id, kBadRequest);  // more requests than the table
                (void)s.reset(e.id, kBadRequest);
                continue;
            }
        }
        if (r == nullptr) {
            continue;
        }
        if ((e.bits & stack::quic::kStreamWritable) != 0) {
            r->blocked = false;
        }
        if (r->state == State::reading) {
            read_request(s, *r);
        }
    }
    for (Request& r : m_requests) {
        if (r.in_use && r.state == State::answering && !r.blocked) {
            write_answer(s, r);
        }
    }
}

void HqServer::read_request(ConnectionStreams& s, Request& r) {
    RxPiece pieces[8];
    bool fin = false;
    const size_t n = s.read(r.id, pieces, fin);
    uint64_t all = 0;
    bool line_done = false;
    for (size_t i = 0; i < n; ++i) {
        all += pieces[i].bytes.size();
        for (size_t k = 0; k < pieces[i].bytes.size() && !line_done; ++k) {
            const uint8_t c = pieces[i].bytes[k];
            if (c == '\n') {
                line_done = true;
            } else if (r.line_len == kMaxLine) {
                ++m_stats.malformed;
                (void)s.reset(r.id, kBadRequest);
                (void)s.stop_sending(r.id, kBadRequest);
                r.state = State::done;
                return;
            } else {
                r.line[r.line_len++] = char(c);
            }
        }
    }
    s.consume(r.id, all);  // what follows the line (nothing, normally) is dropped
    if (line_done || fin) {
        ++m_stats.requests;
        start_answer(s, r);
    }
}

void HqServer::start_answer(ConnectionStreams& s, Request& r) {
    r.state = State::answering;
    std::string_view line(r.line, r.line_len);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.remove_suffix(1);
    }
    if (!line.starts_with("GET /")) {
        ++m_stats.malformed;
        (void)s.reset(r.id, kBadRequest);
        r.state = State::done;
        return;
    }
    const std::string_view path = line.substr(4);
    uint64_t n = 0;
    if (path.starts_with("/bytes/")) {
        const std::string_view digits = path.substr(7);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec == std::errc{} && end == digits.data() + digits.size() && n <= m_max_pattern) {
            r.pattern = true;
            r.length = n;
            write_answer(s, r);
            return;
        }
    }
    for (const http3::StaticContent& c : m_statics) {
        if (c.path == path) {
            r.content = c.content;
            r.length = c.content.size();
            write_answer(s, r);
            return;
        }
    }
    ++m_stats.not_found;
    (void)s.reset(r.id, kNotFound);
    r.state = State::done;
}

void HqServer::write_answer(ConnectionStreams& s, Request& r) {
    while (r.sent < r.length) {
        const uint64_t want = std::min<uint64_t>(kChunk, r.length - r.sent);
        const std::span<const uint8_t> chunk =
            r.pattern ? http3::PatternBody::at(r.sent, want) : r.content.subspan(size_t(r.sent), size_t(want));
        // Static bytes outlive the connection: no buffer to release (nullptr).
        const StreamWrite w = s.write(r.id, chunk, nullptr);
        if (w == StreamWrite::refused) {
            r.blocked = true;
            return;
        }
        if (w != StreamWrite::accepted) {
            r.state = State::done;  // the stream is gone or reset
            return;
        }
        r.sent += chunk.size();
    }
    if (s.finish(r.id)) {
        ++m_stats.answered;
    }
    r.state = State::done;
}

}  // namespace slip::apps::hq
