#include "apps/services/http_bytes.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace slip::apps {

using app::BufferChain;
using app::Connections;
using app::ConnId;

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

void HttpBytes::on_data(Connections& c, ConnId id) {
    State& s = m_states[c.slot(id)];
    if (s.refusing) {
        return;  // never consumed: the window closes on a client we stopped reading
    }
    if (s.busy()) {
        // The next request waits for the current answer (on_writable pumps). A head that
        // has already run past the limit would only get its 431 after this answer: the
        // connection closes then instead, and nothing more of it is read.
        scan(c, id, s);
        if (s.head_end == 0 && s.scanned >= kMaxRequest) {
            refuse_input(c, id, s);
            s.close_after = true;
        }
        return;
    }
    pump(c, id);
}

// Searches the received data for the blank line ending the request head (RFC 9112 §2.1),
// from where the last search stopped, within the first kMaxRequest bytes.
void HttpBytes::scan(Connections& c, ConnId id, State& s) const {
    static constexpr char kEnd[] = "\r\n\r\n";
    const app::BufferView in = c.received(id);
    const uint32_t limit = std::min(in.bytes(), kMaxRequest);
    uint32_t start = 0;
    for (auto it = in.begin(); it != in.end() && s.head_end == 0 && s.scanned < limit; ++it) {
        const std::span<uint8_t> seg = *it;
        const uint32_t seg_len = uint32_t(seg.size());
        if (start + seg_len <= s.scanned) {
            start += seg_len;
            continue;
        }
        const uint32_t end = std::min<uint32_t>(seg_len, limit - start);
        for (uint32_t i = s.scanned - start; i < end; ++i) {
            // Matching "\r\n\r\n": on a mismatch only a '\r' can start it again.
            const char ch = char(seg[i]);
            s.crlf_matched = ch == kEnd[s.crlf_matched] ? uint8_t(s.crlf_matched + 1) : ch == '\r' ? 1 : 0;
            if (s.crlf_matched == 4) {
                s.head_end = start + i + 1;
                break;
            }
        }
        s.scanned = s.head_end != 0 ? s.head_end : start + end;
        start += seg_len;
    }
}

// Takes the next request head from the received data and sets up its answer: false when
// none is complete yet. The head is read where it lies when one buffer holds it, else
// gathered into the scratch area; the answer is written into the connection's head array,
// so serving requests allocates nothing.
bool HttpBytes::next_request(Connections& c, ConnId id, State& s) {
    scan(c, id, s);
    if (s.head_end == 0) {
        if (s.scanned < kMaxRequest) {
            return false;  // more of the head is to come
        }
        // RFC 6585 §5: a head that never ends within the limit. Nothing more is read.
        refuse_input(c, id, s);
        s.close_after = true;
        respond(s, "431 Request Header Fields Too Large", 0, "request head too large\n");
        return true;
    }
    const uint32_t len = s.head_end;
    const app::BufferView in = c.received(id);
    const std::span<uint8_t> first = *in.begin();
    std::string_view head;
    if (first.size() >= len) {
        head = std::string_view(reinterpret_cast<const char*>(first.data()), len);
    } else {
        in.copy_out(0, std::span(m_scratch.data(), len));
        head = std::string_view(reinterpret_cast<const char*>(m_scratch.data()), len);
    }
    answer(s, head.substr(0, len - 4));
    s.scanned = s.head_end = 0;
    s.crlf_matched = 0;
    c.consume(id, len);
    ++m_requests;
    return true;
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

void HttpBytes::pump(Connections& c, ConnId id) {
    State& s = m_states[c.slot(id)];
    for (;;) {
        if (s.head_len > 0 && !send_head(c, id, s)) {
            return;
        }
        while (s.body_left > 0) {
            const uint32_t chunk = uint32_t(std::min<uint64_t>(64 * 1024, s.body_left));
            BufferChain data = c.pattern(s.body_offset, chunk);
            const uint32_t offered = data.bytes();
            const app::SendResult r = offered > 0 ? c.send(id, data) : app::SendResult{};
            s.body_left -= r.accepted;
            s.body_offset += r.accepted;
            if (r.status != app::Status::ok || r.accepted < offered || offered == 0) {
                return;  // on_writable brings us back (or the connection is going)
            }
        }
        if (s.close_after) {
            s.close_after = false;
            refuse_input(c, id, s);  // nothing after the answer that closes is read
            c.close(id);
            return;
        }
        if (s.refusing || !next_request(c, id, s)) {
            if (s.peer_closed && !s.refusing) {
                refuse_input(c, id, s);
                c.close(id);
            }
            return;
        }
    }
}

// The head goes out with as much of the body as fits beside it, in one send: sent apart,
// a small answer's body would wait behind Nagle (RFC 9293 §3.7.4) for the ACK of the
// head, which a client in delayed-ACK mode holds back for up to 40 ms; a vectored write
// or TCP_CORK does the same for a socket server. The head goes whole or not at all.
bool HttpBytes::send_head(Connections& c, ConnId id, State& s) {
    BufferChain out = c.copy_in(std::span(reinterpret_cast<const uint8_t*>(s.head.data()), s.head_len));
    if (out.empty()) {
        return false;
    }
    const uint32_t head_len = s.head_len;
    const uint32_t chunk = uint32_t(std::min<uint64_t>(64 * 1024, s.body_left));
    if (chunk > 0) {
        out.append(c.pattern(s.body_offset, chunk));
    }
    const uint32_t offered = out.bytes();
    const app::SendResult r = c.send(id, out);
    if (r.status != app::Status::ok || r.accepted < head_len) {
        // Part of a head cannot be taken back: the rest of it waits in the head array.
        const uint32_t sent = std::min(r.accepted, head_len);
        std::memmove(s.head.data(), s.head.data() + sent, head_len - sent);
        s.head_len = uint16_t(head_len - sent);
        return false;
    }
    s.head_len = 0;
    const uint32_t body_sent = r.accepted - head_len;
    s.body_left -= body_sent;
    s.body_offset += body_sent;
    return r.accepted == offered;  // else on_writable brings us back for the rest
}

// Input we will not read: freed, and never consumed, so the peer's window stays closed by
// what it sent (and closes entirely if it keeps sending).
void HttpBytes::refuse_input(Connections& c, ConnId id, State& s) {
    s.refusing = true;
    s.scanned = s.head_end = 0;
    s.crlf_matched = 0;
    c.stop_reading(id);
}

void HttpBytes::on_peer_closed(Connections& c, ConnId id) {
    m_states[c.slot(id)].peer_closed = true;
    pump(c, id);
}

void HttpBytes::on_closed(Connections& c, ConnId id, app::CloseReason) {
    m_states[c.slot(id)] = State{};
}

}  // namespace slip::apps
