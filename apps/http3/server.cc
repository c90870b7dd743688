#include "apps/http3/server.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "apps/http3/pattern_body.h"

namespace slip::apps::http3 {

namespace {

constexpr size_t kMaxPath = 512;
constexpr size_t kSpansPerBody = 4;
constexpr std::string_view kNotFound = "not found\n";
constexpr std::string_view kNotAllowed = "only GET and HEAD are served\n";

// N of "/bytes/N": decimal digits only (as the HTTP/1.1 server's).
bool parse_count(std::string_view digits, uint64_t& n) {
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return !digits.empty() && digits.size() <= 19 && r.ec == std::errc{} && r.ptr == digits.data() + digits.size();
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

struct Http3Server::Request {
    enum class Content : uint8_t { pattern, bytes };
    int64_t stream = -1;
    std::array<char, 8> method{};
    size_t method_len = 0;
    std::array<char, kMaxPath> path{};
    size_t path_len = 0;
    bool path_too_long = false;
    bool answered = false;
    std::string_view status;
    std::string_view content_type;
    Content content = Content::bytes;
    std::span<const uint8_t> bytes;  // Content::bytes
    uint64_t length = 0;
    uint64_t offset = 0;  // content bytes already given to nghttp3
    std::array<char, 24> length_text{};

    std::string_view method_view() const { return {method.data(), method_len}; }
    std::string_view path_view() const { return {path.data(), path_len}; }
};

Http3Server::Http3Server(const Http3ServerOptions& options)
    : m_options(options), m_requests(new Request[options.max_streams]) {}

Http3Server::~Http3Server() = default;

void Http3Server::add_static(std::string path, std::span<const uint8_t> content, std::string content_type) {
    m_statics.push_back(StaticContent{std::move(path), content, std::move(content_type)});
}

size_t Http3Server::open_requests() const {
    size_t n = 0;
    for (size_t i = 0; i < m_options.max_streams; ++i) {
        n += m_requests[i].stream >= 0 ? 1 : 0;
    }
    return n;
}

Http3Server::Request* Http3Server::find(int64_t stream) {
    for (size_t i = 0; i < m_options.max_streams; ++i) {
        if (m_requests[i].stream == stream) {
            return &m_requests[i];
        }
    }
    return nullptr;
}

Http3Server::Request* Http3Server::take(int64_t stream) {
    if (Request* r = find(stream)) {
        return r;
    }
    Request* r = find(-1);
    if (r != nullptr) {
        *r = Request{};
        r->stream = stream;
    }
    return r;
}

// RFC 9114 §4.3.1: only the pseudo-header fields matter to what is served.
void Http3Server::on_field(int64_t stream, std::string_view name, std::string_view value) {
    Request* r = take(stream);
    if (r == nullptr || r->answered) {
        return;
    }
    if (name == ":method") {
        r->method_len = std::min(value.size(), r->method.size());
        std::copy_n(value.data(), r->method_len, r->method.data());
    } else if (name == ":path") {
        r->path_too_long = value.size() > r->path.size();
        r->path_len = std::min(value.size(), r->path.size());
        std::copy_n(value.data(), r->path_len, r->path.data());
    }
}

void Http3Server::on_headers(int64_t stream, bool) {
    ++m_stats.requests;
    Request* r = take(stream);
    if (r == nullptr) {
        // RFC 9114 §4.1.1 would allow H3_REQUEST_REJECTED; an answer without content needs
        // no table entry and says more.
        ++m_stats.refused;
        static constexpr Field kBusy[] = {{":status", "503"}};
        m_session->submit_response(stream, kBusy, false);
        return;
    }
    if (!r->answered) {
        route(*r);
        answer(*r);
    }
}

void Http3Server::route(Request& r) {
    const std::string_view method = r.method_view();
    std::string_view path = r.path_view();
    path = path.substr(0, path.find('?'));
    uint64_t count = 0;
    const StaticContent* found = nullptr;
    for (const StaticContent& s : m_statics) {
        if (s.path == path) {
            found = &s;
        }
    }
    for (size_t i = 0; found == nullptr && i < m_shared_statics.size(); ++i) {
        found = m_shared_statics[i].path == path ? &m_shared_statics[i] : nullptr;
    }
    if (method != "GET" && method != "HEAD") {
        ++m_stats.refused;
        r.status = "405";
        r.content_type = "text/plain";
        r.bytes = bytes_of(kNotAllowed);
    } else if (!r.path_too_long && path.starts_with("/bytes/") && parse_count(path.substr(7), count) &&
               count <= m_options.max_pattern) {
        r.status = "200";
        r.content_type = "application/octet-stream";
        r.content = Request::Content::pattern;
        r.length = count;
        return;
    } else if (!r.path_too_long && found != nullptr) {
        r.status = "200";
        r.content_type = found->content_type;
        r.bytes = found->content;
    } else {
        ++m_stats.not_found;
        r.status = "404";
        r.content_type = "text/plain";
        r.bytes = bytes_of(kNotFound);
    }
    r.content = Request::Content::bytes;
    r.length = r.bytes.size();
}

void Http3Server::answer(Request& r) {
    r.answered = true;
    const auto end = std::to_chars(r.length_text.data(), r.length_text.data() + r.length_text.size(), r.length).ptr;
    const std::string_view length(r.length_text.data(), size_t(end - r.length_text.data()));
    std::array<Field, 4> fields{Field{":status", r.status}, Field{"content-length", length},
                                Field{"content-type", r.content_type}, Field{"server", m_options.server_name}};
    const size_t count = m_options.server_name.empty() ? 3 : 4;
    // RFC 9110 §9.3.2: HEAD gets GET's fields and no content.
    const bool has_body = r.method_view() != "HEAD";
    if (m_session->submit_response(r.stream, std::span(fields).first(count), has_body)) {
        ++m_stats.answers;
    }
}

long Http3Server::body(int64_t stream, std::span<std::span<const uint8_t>> out, bool& eof) {
    Request* r = find(stream);
    if (r == nullptr) {
        eof = true;
        return 0;
    }
    size_t n = 0;
    while (n < out.size() && n < kSpansPerBody && r->offset < r->length) {
        const uint64_t left = r->length - r->offset;
        out[n] = r->content == Request::Content::pattern ? PatternBody::at(r->offset, left)
                                                          : r->bytes.subspan(size_t(r->offset));
        r->offset += out[n].size();
        ++n;
    }
    eof = r->offset == r->length;
    return long(n);
}

void Http3Server::on_closed(int64_t stream, uint64_t error) {
    if (error != uint64_t(H3Error::no_error)) {
        ++m_stats.closed_with_error;
    }
    if (Request* r = find(stream)) {
        r->stream = -1;
    }
}

}  // namespace slip::apps::http3
