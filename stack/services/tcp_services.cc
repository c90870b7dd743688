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

TcpEcho::TcpEcho(tcp::TcpLayer& tcp, uint32_t max_connections, MbufPool* pool)
    : m_tcp(tcp), m_pool(pool), m_pending(max_connections) {}

void TcpEcho::on_data(TcpHandle h, Mbuf* data, uint32_t, Instant now) {
    m_pending[h.index].held.append(data, m_pool);
    flush(h, now);
}

void TcpEcho::flush(TcpHandle h, Instant now) {
    Pending& p = m_pending[h.index];
    while (!p.held.empty()) {
        // As much as the send buffer takes now (send_space asks for on_send_space when
        // that is less than a segment); what goes there is consumed, reopening the window.
        const uint32_t space = m_tcp.send_space(h);
        uint32_t taken = 0;
        Mbuf* part = space > 0 ? p.held.take_front(space, m_pool, taken) : nullptr;
        if (part == nullptr) {
            break;  // no room, or no buffer to split one with: the next ACK or data retries
        }
        if (!m_tcp.send(h, part, now)) {
            buf::free(part);  // the connection sends no more: nothing to echo to
        }
        m_tcp.consume(h, taken, now);
    }
    if (p.close_after && p.held.empty()) {
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
    p.held.clear();
    p.close_after = false;
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

void HttpBytes::on_data(TcpHandle h, Mbuf* data, uint32_t, Instant now) {
    State& s = m_states[h.index];
    if (s.discarding) {
        buf::free(data);  // never consumed: the window closes on a client we stopped reading
        return;
    }
    s.input.append(data, m_pattern.pool());
    if (s.busy()) {
        // The next request waits for the current answer (on_send_space pumps). A head that
        // has already run past the limit would only get its 431 after this answer: the
        // connection closes then instead, and nothing more of it is kept.
        scan(s);
        if (s.head_end == 0 && s.scanned >= kMaxRequest) {
            refuse_input(s);
            s.close_after = true;
        }
        return;
    }
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

// Searches the held input for the blank line ending the request head (RFC 9112 §2.1),
// from where the last search stopped, within the first kMaxRequest bytes.
void HttpBytes::scan(State& s) const {
    static constexpr char kEnd[] = "\r\n\r\n";
    const uint32_t limit = std::min(s.input.bytes(), kMaxRequest);
    uint32_t start = 0;
    for (const Mbuf* seg = s.input.front(); seg != nullptr && s.head_end == 0 && s.scanned < limit;
         start += seg->data_len, seg = seg->next) {
        if (start + seg->data_len <= s.scanned) {
            continue;
        }
        const auto* p = reinterpret_cast<const char*>(buf::data(seg));
        const uint32_t end = std::min<uint32_t>(seg->data_len, limit - start);
        for (uint32_t i = s.scanned - start; i < end; ++i) {
            // Matching "\r\n\r\n": on a mismatch only a '\r' can start it again.
            s.crlf_matched = p[i] == kEnd[s.crlf_matched] ? uint8_t(s.crlf_matched + 1) : p[i] == '\r' ? 1 : 0;
            if (s.crlf_matched == 4) {
                s.head_end = start + i + 1;
                break;
            }
        }
        s.scanned = s.head_end != 0 ? s.head_end : start + end;
    }
}

// Takes the next request head from the input and sets up its answer: false when none is
// complete yet. The head is read where it lies when one buffer holds it, else gathered
// into the scratch area; the answer is written into the connection's head array, so
// serving requests allocates nothing.
bool HttpBytes::next_request(TcpHandle h, State& s, Instant now) {
    scan(s);
    if (s.head_end == 0) {
        if (s.scanned < kMaxRequest) {
            return false;  // more of the head is to come
        }
        // RFC 6585 §5: a head that never ends within the limit. Nothing more is read.
        refuse_input(s);
        s.close_after = true;
        respond(s, "431 Request Header Fields Too Large", 0, "request head too large\n");
        return true;
    }
    const uint32_t len = s.head_end;
    const Mbuf* first = s.input.front();
    std::string_view head;
    if (first->data_len >= len) {
        head = std::string_view(reinterpret_cast<const char*>(buf::data(first)), len);
    } else {
        s.input.copy_front(std::span(m_scratch.data(), len));
        head = std::string_view(reinterpret_cast<const char*>(m_scratch.data()), len);
    }
    answer(s, head.substr(0, len - 4));
    s.input.drop_front(len);
    s.scanned = s.head_end = 0;
    s.crlf_matched = 0;
    m_tcp.consume(h, len, now);
    ++m_requests;
    return true;
}

// Input we will not read: freed, and never consumed, so the peer's window stays closed by
// what it sent (and closes entirely if it keeps sending).
void HttpBytes::refuse_input(State& s) {
    s.input.clear();
    s.scanned = s.head_end = 0;
    s.crlf_matched = 0;
    s.discarding = true;
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
    const std::string_view parts[] = {
        "HTTP/1.1 ", status, "\r\nServer: slipstream\r\nContent-Type: ",
        text != nullptr ? "text/plain" : "application/octet-stream", "\r\nContent-Length: ",
        std::string_view(length, size_t(digits.ptr - length)), "\r\n", s.close_after ? "Connection: close\r\n" : "",
        "\r\n", text_view,
    };
    size_t at = 0;
    for (const std::string_view part : parts) {
        // Every status and text here is a literal of this file; the longest head fits.
        const size_t n = std::min(part.size(), s.head.size() - at);
        if (n > 0) {  // an empty part may have no data pointer at all
            std::memcpy(s.head.data() + at, part.data(), n);
            at += n;
        }
    }
    s.head_len = uint16_t(at);
    s.body_left = text != nullptr ? 0 : body;
    s.body_offset = 0;
}

void HttpBytes::pump(TcpHandle h, Instant now) {
    State& s = m_states[h.index];
    for (;;) {
        if (s.head_len > 0 && !send_head(h, s, now)) {
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
            refuse_input(s);  // nothing after the answer that closes is read
            m_tcp.close(h, now);
            return;
        }
        if (s.discarding || !next_request(h, s, now)) {
            if (s.peer_closed && !s.discarding) {
                refuse_input(s);
                m_tcp.close(h, now);
            }
            return;
        }
    }
}

// The head goes out with as much of the body as fits beside it, in one send: sent apart,
// a small answer's body would wait behind Nagle (RFC 9293 §3.7.4) for the ACK of the
// head, which a client in delayed-ACK mode holds back for up to 40 ms; a vectored write
// or TCP_CORK does the same for a socket server.
bool HttpBytes::send_head(TcpHandle h, State& s, Instant now) {
    const uint32_t space = m_tcp.send_space(h);
    if (space < s.head_len) {
        return false;
    }
    Mbuf* m = m_pattern.text(std::string_view(s.head.data(), s.head_len));
    if (m == nullptr) {
        return false;
    }
    const uint32_t room = std::min<uint32_t>(space - s.head_len, 64 * 1024);
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
    s.head_len = 0;
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
    s.input.clear();
    s.scanned = s.head_end = 0;
    s.crlf_matched = 0;
    s.discarding = false;
    s.head_len = 0;
    s.body_left = s.body_offset = 0;
    s.close_after = s.peer_closed = false;
}

}  // namespace slip::stack
