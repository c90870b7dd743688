#include "stack/services/tcp_services.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace slip::stack {

using tcp::TcpHandle;

// ---- PatternSource ----

PatternSource::PatternSource(MbufPool* pool, MbufPool* view_pool, MbufPool* pattern_pool)
    : m_pool(pool), m_view_pool(view_pool != nullptr ? view_pool : pool) {
    Mbuf* pattern = pattern_pool != nullptr ? buf::alloc(pattern_pool) : nullptr;
    if (pattern == nullptr && pool != nullptr) {
        pattern = buf::alloc(pool);  // one packet buffer's room will do
    }
    if (pattern == nullptr) {
        return;  // ok() is false; make() makes nothing
    }
    // The longer the pattern, the fewer views a bulk stream is made of: a segment then
    // references one view where a 2 KiB pattern needs two for most segments, and the send
    // queue holds one view per 64 KiB instead of one per 2 KiB (fewer buffers to make,
    // walk, checksum across and free for every segment sent).
    m_len = std::min<uint32_t>(UINT16_MAX, rte_pktmbuf_tailroom(pattern));
    uint8_t* p = buf::append(pattern, uint16_t(m_len));
    // RFC 864's rotating printable lines, 72 characters and CRLF: easy to eyeball.
    for (uint32_t i = 0; i < m_len; ++i) {
        const uint32_t line = i / 74;
        const uint32_t col = i % 74;
        p[i] = col == 72 ? '\r' : col == 73 ? '\n' : uint8_t(' ' + 1 + (line + col) % 94);
    }
    m_len -= m_len % 74;  // whole lines only, so the stream repeats seamlessly
    // Views of it cost no atomics (see StaticBuffer); it lives until the last one is freed.
    m_pattern = buf::StaticBuffer::adopt(pattern);
}

PatternSource::~PatternSource() {
    if (m_pattern != nullptr) {
        m_pattern->retire();
    }
}

Mbuf* PatternSource::make(uint64_t offset, uint32_t len, uint32_t& made) {
    Mbuf* head = nullptr;
    Mbuf* last = nullptr;
    made = 0;
    while (m_len != 0 && made < len) {
        const uint32_t at = uint32_t((offset + made) % m_len);
        const uint32_t take = std::min(len - made, m_len - at);
        Mbuf* mi = buf::alloc(m_view_pool);
        if (mi == nullptr) {
            break;
        }
        m_pattern->attach(mi, at, uint16_t(take));
        if (head == nullptr) {
            head = mi;
        } else {
            buf::chain(head, last, mi, take, 1);
        }
        last = mi;
        made += take;
    }
    return head;
}

Mbuf* PatternSource::text(std::string_view text) {
    // Small protocol text (response heads) is written, not referenced.
    Mbuf* m = buf::alloc(m_pool);
    if (m == nullptr) {
        return nullptr;
    }
    uint8_t* p = text.size() <= rte_pktmbuf_tailroom(m) ? buf::append(m, uint16_t(text.size())) : nullptr;
    if (p == nullptr) {
        buf::free(m);
        return nullptr;
    }
    std::memcpy(p, text.data(), text.size());
    return m;
}

// ---- echo ----

TcpEcho::TcpEcho(tcp::TcpLayer& tcp, uint32_t max_connections) : m_tcp(tcp), m_pending(max_connections) {}

TcpEcho::~TcpEcho() {
    for (auto& p : m_pending) {
        if (p.head != nullptr) {
            buf::free(p.head);
        }
    }
}

void TcpEcho::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    Pending& p = m_pending[h.index];
    if (p.head == nullptr) {
        p.head = data;
    } else {
        buf::chain(p.head, p.tail, data, len, data->nb_segs);
    }
    p.tail = rte_pktmbuf_lastseg(data);
    p.bytes += len;
    flush(h, now);
}

void TcpEcho::flush(TcpHandle h, Instant now) {
    Pending& p = m_pending[h.index];
    if (p.head != nullptr) {
        // The whole pending chain or nothing: the send buffer takes chains whole.
        const uint32_t bytes = p.bytes;
        if (!m_tcp.send(h, p.head, now)) {
            return;  // on_send_space comes back; the window stays closed meanwhile
        }
        p.head = p.tail = nullptr;
        p.bytes = 0;
        m_tcp.consume(h, bytes, now);
    }
    if (p.close_after) {
        p.close_after = false;
        m_tcp.close(h, now);
    }
}

void TcpEcho::on_send_space(TcpHandle h, Instant now) {
    flush(h, now);
}

void TcpEcho::on_peer_closed(TcpHandle h, Instant now) {
    m_pending[h.index].close_after = true;
    flush(h, now);
}

void TcpEcho::on_closed(TcpHandle h, tcp::CloseReason, Instant) {
    Pending& p = m_pending[h.index];
    if (p.head != nullptr) {
        buf::free(p.head);
    }
    p = {};
}

// ---- discard ----

void TcpDiscard::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    m_bytes += len;
    buf::free(data);
    m_tcp.consume(h, len, now);
}

// ---- source ----

TcpSource::TcpSource(tcp::TcpLayer& tcp, PatternSource& pattern, uint32_t max_connections, uint64_t limit)
    : m_tcp(tcp), m_pattern(pattern), m_sent(max_connections), m_limit(limit) {}

bool TcpSource::on_accept(TcpHandle h, const tcp::FlowKey&, Instant now) {
    m_sent[h.index] = 0;
    fill(h, now);
    return true;
}

void TcpSource::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    buf::free(data);
    m_tcp.consume(h, len, now);
}

void TcpSource::fill(TcpHandle h, Instant now) {
    uint64_t& sent = m_sent[h.index];
    for (;;) {
        uint32_t chunk = std::min<uint32_t>(m_tcp.send_space(h), 64 * 1024);
        if (m_limit != 0) {
            chunk = uint32_t(std::min<uint64_t>(chunk, m_limit - sent));
        }
        if (chunk == 0) {
            break;
        }
        uint32_t made = 0;
        Mbuf* data = m_pattern.make(sent, chunk, made);
        if (data == nullptr) {
            break;
        }
        if (!m_tcp.send(h, data, now)) {
            buf::free(data);
            break;
        }
        sent += made;
    }
    if (m_limit != 0 && sent >= m_limit) {
        m_tcp.close(h, now);
    }
}

// ---- HTTP ----

HttpBytes::HttpBytes(tcp::TcpLayer& tcp, PatternSource& pattern, uint32_t max_connections)
    : m_tcp(tcp), m_pattern(pattern), m_states(max_connections) {}

void HttpBytes::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    State& s = m_states[h.index];
    for (Mbuf* seg = data; seg != nullptr; seg = seg->next) {
        s.request.append(reinterpret_cast<const char*>(buf::data(seg)), seg->data_len);
    }
    buf::free(data);
    m_tcp.consume(h, len, now);
    // One request at a time: the next is parsed once the current response is queued.
    pump(h, now);
}

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// Whether `text` holds `lower_needle` in any letter case: field names and the close option
// are case-insensitive (RFC 9110 §5.1, §7.6.1). No locale and no copy of the head.
bool contains_any_case(std::string_view text, std::string_view lower_needle) {
    for (size_t i = 0; i + lower_needle.size() <= text.size(); ++i) {
        size_t k = 0;
        while (k < lower_needle.size() && ascii_lower(text[i + k]) == lower_needle[k]) {
            ++k;
        }
        if (k == lower_needle.size()) {
            return true;
        }
    }
    return false;
}

}  // namespace

// Parses one request head and sets up its answer. The head is read where it lies in the
// request buffer and the answer written into the connection's own head string, so a
// steady stream of requests allocates nothing once each slot's strings have grown.
void HttpBytes::handle_request(State& s) {
    const size_t end = s.request.find("\r\n\r\n");
    answer(s, std::string_view(s.request).substr(0, end));
    s.request.erase(0, end + 4);
    ++m_requests;
}

void HttpBytes::answer(State& s, std::string_view head) {
    const std::string_view line = head.substr(0, head.find("\r\n"));
    s.close_after = line.ends_with("HTTP/1.0") || contains_any_case(head, "\r\nconnection: close");
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.substr(sp2 + 1, 5) != "HTTP/") {
        s.close_after = true;
        return respond(s, "400 Bad Request", 0, "bad request\n");
    }
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (method != "GET" && method != "HEAD") {
        return respond(s, "405 Method Not Allowed", 0, "only GET\n");
    }
    constexpr std::string_view kPrefix = "/bytes/";
    const std::string_view digits = target.starts_with(kPrefix) ? target.substr(kPrefix.size()) : std::string_view{};
    uint64_t n = 0;
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || digits.size() > 13 || parsed.ec != std::errc{} || parsed.ptr != digits.data() + digits.size()) {
        return respond(s, "404 Not Found", 0, "try /bytes/N\n");
    }
    if (n > kMaxBody) {
        return respond(s, "404 Not Found", 0, "too large\n");
    }
    respond(s, "200 OK", n, nullptr);
    if (method == "HEAD") {
        s.body_left = 0;
    }
}

void HttpBytes::respond(State& s, std::string_view status, uint64_t body, const char* text) {
    const std::string_view text_view = text != nullptr ? std::string_view(text) : std::string_view{};
    char length[24];
    const auto digits = std::to_chars(length, length + sizeof length, text != nullptr ? text_view.size() : body);
    s.head.clear();
    s.head.append("HTTP/1.1 ").append(status).append("\r\nServer: slipstream\r\nContent-Type: ");
    s.head.append(text != nullptr ? "text/plain" : "application/octet-stream").append("\r\nContent-Length: ");
    s.head.append(length, digits.ptr).append("\r\n");
    s.head.append(s.close_after ? "Connection: close\r\n" : "").append("\r\n").append(text_view);
    s.body_left = text != nullptr ? 0 : body;
    s.body_offset = 0;
}

void HttpBytes::pump(TcpHandle h, Instant now) {
    State& s = m_states[h.index];
    for (;;) {
        if (!s.head.empty() && !send_head(h, s, now)) {
            return;
        }
        while (s.body_left > 0) {
            const uint32_t room = std::min<uint32_t>(m_tcp.send_space(h), 64 * 1024);
            const uint32_t chunk = uint32_t(std::min<uint64_t>(room, s.body_left));
            if (chunk == 0) {
                return;  // on_send_space brings us back
            }
            uint32_t made = 0;
            Mbuf* data = m_pattern.make(s.body_offset, chunk, made);
            if (data == nullptr || !m_tcp.send(h, data, now)) {
                if (data != nullptr) {
                    buf::free(data);
                }
                return;
            }
            s.body_left -= made;
            s.body_offset += made;
        }
        if (s.close_after) {
            s.close_after = false;
            m_tcp.close(h, now);
            return;
        }
        if (s.request.find("\r\n\r\n") == std::string::npos) {
            if (s.request.size() > kMaxRequest) {  // a head that never ends: refuse it
                s.request.clear();
                s.close_after = true;
                s.head = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                continue;
            }
            if (s.peer_closed) {
                m_tcp.close(h, now);
            }
            return;
        }
        handle_request(s);
    }
}

// The head goes out with as much of the body as fits beside it, in one send: sent apart,
// a small answer's body would wait behind Nagle (RFC 9293 §3.7.4) for the ACK of the
// head, which a client in delayed-ACK mode holds back for up to 40 ms; a vectored write
// or TCP_CORK does the same for a socket server.
bool HttpBytes::send_head(TcpHandle h, State& s, Instant now) {
    const uint32_t space = m_tcp.send_space(h);
    if (space < s.head.size()) {
        return false;
    }
    Mbuf* m = m_pattern.text(s.head);
    if (m == nullptr) {
        return false;
    }
    const uint32_t room = std::min<uint32_t>(space - uint32_t(s.head.size()), 64 * 1024);
    const uint32_t chunk = uint32_t(std::min<uint64_t>(room, s.body_left));
    uint32_t made = 0;
    if (chunk > 0) {
        if (Mbuf* body = m_pattern.make(s.body_offset, chunk, made)) {
            buf::chain(m, m, body, made, body->nb_segs);
        }
    }
    if (!m_tcp.send(h, m, now)) {
        buf::free(m);
        return false;
    }
    s.head.clear();
    s.body_left -= made;
    s.body_offset += made;
    return true;
}

void HttpBytes::on_peer_closed(TcpHandle h, Instant now) {
    m_states[h.index].peer_closed = true;
    pump(h, now);
}

void HttpBytes::on_closed(TcpHandle h, tcp::CloseReason, Instant) {
    State& s = m_states[h.index];
    s.request.clear();
    s.head.clear();
    s.body_left = s.body_offset = 0;
    s.close_after = s.peer_closed = false;
}

}  // namespace slip::stack
