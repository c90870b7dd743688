#include "stack/services/tcp_client.h"

#include <algorithm>

namespace slip::stack {

using tcp::CloseReason;
using tcp::TcpHandle;

namespace {
constexpr uint32_t kChunk = 64 * 1024;  // bytes queued per send() call
}

const char* to_string(ClientMode m) {
    static constexpr const char* kNames[] = {"echo", "send", "rr", "http", "http-keepalive"};
    return kNames[size_t(m)];
}

bool parse_client_mode(const std::string& text, ClientMode& mode) {
    for (ClientMode m : {ClientMode::echo, ClientMode::send, ClientMode::rr, ClientMode::http, ClientMode::http_keepalive}) {
        if (text == to_string(m)) {
            mode = m;
            return true;
        }
    }
    return false;
}

std::string TcpClientOptions::validate(uint32_t max_connections) const {
    if (!enabled()) {
        return {};
    }
    if (connections == 0 || connections > max_connections) {
        return "tcp-client connections must be between 1 and tcp max-connections (" +
               std::to_string(max_connections) + ")";
    }
    if (mode == ClientMode::http_keepalive && rounds == 0) {
        return "tcp-client http-keepalive needs at least one request per connection (tcp-client-rounds)";
    }
    if (mode == ClientMode::rr && (bytes == 0 || bytes > 65536 || rounds == 0)) {
        return "tcp-client rr needs a request size (tcp-client-bytes) of 1 to 65536 and at least one round";
    }
    return {};
}

TcpClientStats& TcpClientStats::operator+=(const TcpClientStats& o) {
    started += o.started;
    connected += o.connected;
    completed += o.completed;
    failed += o.failed;
    connect_errors += o.connect_errors;
    bytes_sent += o.bytes_sent;
    bytes_received += o.bytes_received;
    requests += o.requests;
    if (o.enabled != 0) {
        first_connect_ns = first_connect_ns == 0 ? o.first_connect_ns : std::min(first_connect_ns, o.first_connect_ns);
        last_done_ns = std::max(last_done_ns, o.last_done_ns);
        done = o.done;
        enabled = 1;
    }
    latency += o.latency;
    return *this;
}

TcpClient::TcpClient(tcp::TcpLayer& tcp, PatternSource& pattern, const TcpClientOptions& options,
                     uint32_t max_connections)
    : m_tcp(tcp), m_pattern(pattern), m_options(options), m_echo(tcp, max_connections, pattern.pool()), m_conns(max_connections) {
    m_stats.enabled = 1;
    m_http_request = "GET /bytes/" + std::to_string(options.bytes) + " HTTP/1.1\r\nHost: slipstream\r\n" +
                     (options.mode == ClientMode::http ? "Connection: close\r\n\r\n" : "\r\n");
}

TcpClient::~TcpClient() = default;

void TcpClient::poll(Instant now) {
    while (m_open < m_options.connections && !all_started() && now >= m_retry_at) {
        start_one(now);
    }
}

Mbuf* TcpClient::request(Conn& c) {
    if (m_options.mode == ClientMode::http || m_options.mode == ClientMode::http_keepalive) {
        return m_pattern.text(m_http_request);
    }
    uint32_t made = 0;
    Mbuf* m = m_pattern.make(c.rounds, uint32_t(m_options.bytes), made);  // rr
    if (m != nullptr && made != m_options.bytes) {
        buf::free(m);
        return nullptr;
    }
    return m;
}

void TcpClient::start_one(Instant now) {
    Conn fresh;
    fresh.started = now;
    tcp::ConnectOptions co;
    co.fast_open = m_options.fast_open;
    const bool early = m_options.fast_open && (m_options.mode == ClientMode::http || m_options.mode == ClientMode::rr);
    if (early) {
        co.data = request(fresh);  // RFC 7413: on the SYN when a cookie is cached
    }
    const uint32_t early_len = co.data != nullptr ? buf::pkt_len(co.data) : 0;
    const TcpHandle h = m_tcp.connect(m_options.remote, m_options.port, this, now, co);
    if (!h.valid()) {
        // No slot, route or local port right now (e.g. every port in TIME-WAIT): retry soon.
        ++m_stats.connect_errors;
        m_retry_at = now + Duration::milliseconds(1);
        return;
    }
    if (m_stats.first_connect_ns == 0) {
        m_stats.first_connect_ns = uint64_t(now.ns);
    }
    ++m_stats.started;
    ++m_open;
    Conn& c = m_conns[h.index];
    c = fresh;
    if (early && early_len > 0) {
        c.request_sent = now;
        m_stats.bytes_sent += early_len;
    }
}

void TcpClient::send_request(TcpHandle h, Conn& c, Instant now) {
    Mbuf* m = request(c);
    const uint32_t len = m != nullptr ? buf::pkt_len(m) : 0;
    if (m == nullptr || !m_tcp.send(h, m, now)) {
        buf::free(m);
        m_tcp.abort(h, now);  // a request this small always fits: the pool ran dry
        return;
    }
    c.request_sent = now;
    m_stats.bytes_sent += len;
}

void TcpClient::on_connected(TcpHandle h, Instant now) {
    ++m_stats.connected;
    Conn& c = m_conns[h.index];
    switch (m_options.mode) {
    case ClientMode::echo:
        return;
    case ClientMode::send:
        return fill(h, c, now);
    case ClientMode::rr:
    case ClientMode::http:
    case ClientMode::http_keepalive:
        if (c.request_sent == Instant{}) {
            send_request(h, c, now);
        }
        return;
    }
}

void TcpClient::fill(TcpHandle h, Conn& c, Instant now) {
    const uint64_t limit = m_options.bytes;
    while (!c.finished && (limit == 0 || c.sent < limit)) {
        const uint64_t left = limit == 0 ? kChunk : limit - c.sent;
        const uint32_t n = uint32_t(std::min<uint64_t>({left, kChunk, m_tcp.send_space(h)}));
        if (n == 0) {
            return;  // on_send_space brings us back
        }
        uint32_t made = 0;
        Mbuf* m = m_pattern.make(c.sent, n, made);
        if (m == nullptr) {
            return;
        }
        if (!m_tcp.send(h, m, now)) {
            buf::free(m);
            return;
        }
        c.sent += made;
        m_stats.bytes_sent += made;
    }
    if (limit != 0 && c.sent >= limit && !c.finished) {
        c.finished = true;
        m_tcp.close(h, now);
    }
}

void TcpClient::on_send_space(TcpHandle h, Instant now) {
    if (m_options.mode == ClientMode::echo) {
        return m_echo.on_send_space(h, now);
    }
    if (m_options.mode == ClientMode::send) {
        fill(h, m_conns[h.index], now);
    }
}

void TcpClient::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    m_stats.bytes_received += len;
    if (m_options.mode == ClientMode::echo) {
        m_stats.bytes_sent += len;
        return m_echo.on_data(h, data, len, now);
    }
    Conn& c = m_conns[h.index];
    if (m_options.mode == ClientMode::http_keepalive) {
        read_answers(h, c, data, now);
        buf::free(data);
        m_tcp.consume(h, len, now);
        return;
    }
    buf::free(data);
    m_tcp.consume(h, len, now);
    c.received += len;
    if (m_options.mode != ClientMode::rr || c.finished) {
        return;
    }
    // Responses are as long as requests: each full one ends a timed round trip.
    while (c.received >= m_options.bytes && !c.finished) {
        c.received -= m_options.bytes;
        m_stats.latency.record(uint64_t((now - c.request_sent).ns));
        if (++c.rounds >= m_options.rounds) {
            c.finished = true;
            m_tcp.close(h, now);
        } else {
            send_request(h, c, now);
        }
    }
}

// One byte of an answer's head (RFC 9112 §2.1): lines are checked for Content-Length (the
// only field this client needs); true at the blank line that ends the head.
bool TcpClient::head_byte(Conn& c, char ch) {
    if (ch == '\r') {
        return false;
    }
    if (ch != '\n') {
        c.line_empty = false;
        if (c.line_len < sizeof c.line) {
            c.line[c.line_len++] = ch >= 'A' && ch <= 'Z' ? char(ch - 'A' + 'a') : ch;
        }
        return false;
    }
    if (c.line_empty) {
        return true;
    }
    constexpr std::string_view kField = "content-length:";
    const std::string_view line(c.line, c.line_len);
    if (line.starts_with(kField)) {
        c.content_length = 0;
        for (char d : line.substr(kField.size())) {
            if (d >= '0' && d <= '9') {
                c.content_length = c.content_length * 10 + uint64_t(d - '0');
            }
        }
    }
    c.line_len = 0;
    c.line_empty = true;
    return false;
}

// http-keepalive: walks the answer bytes; each complete answer is timed and the next
// request goes out, until `rounds` answers.
void TcpClient::read_answers(TcpHandle h, Conn& c, const Mbuf* data, Instant now) {
    for (const Mbuf* seg = data; seg != nullptr && !c.finished; seg = seg->next) {
        const char* p = reinterpret_cast<const char*>(buf::data(seg));
        uint32_t at = 0;
        while (at < seg->data_len && !c.finished) {
            if (c.in_body) {
                const uint64_t n = std::min<uint64_t>(c.body_left, seg->data_len - at);
                c.body_left -= n;
                at += uint32_t(n);
            } else if (head_byte(c, p[at++])) {
                c.in_body = true;
                c.body_left = c.content_length;
                c.content_length = 0;
            }
            if (c.in_body && c.body_left == 0) {
                c.in_body = false;
                ++m_stats.requests;
                m_stats.latency.record(uint64_t((now - c.request_sent).ns));
                if (++c.rounds >= m_options.rounds) {
                    c.finished = true;
                    m_tcp.close(h, now);
                } else {
                    send_request(h, c, now);
                }
            }
        }
    }
}

void TcpClient::on_peer_closed(TcpHandle h, Instant now) {
    Conn& c = m_conns[h.index];
    switch (m_options.mode) {
    case ClientMode::echo:
        return m_echo.on_peer_closed(h, now);
    case ClientMode::http:
        if (c.received > 0 && !c.finished) {
            c.finished = true;  // Connection: close: the response ends with the peer's FIN
            m_stats.latency.record(uint64_t((now - c.started).ns));
        }
        break;
    case ClientMode::send:
    case ClientMode::rr:
    case ClientMode::http_keepalive:
        break;
    }
    m_tcp.close(h, now);
}

void TcpClient::on_closed(TcpHandle h, CloseReason reason, Instant now) {
    if (m_options.mode == ClientMode::echo) {
        m_echo.on_closed(h, reason, now);
    }
    Conn& c = m_conns[h.index];
    const bool ok = reason == CloseReason::normal && (c.finished || m_options.mode == ClientMode::echo);
    ++(ok ? m_stats.completed : m_stats.failed);
    c = Conn{};
    --m_open;
    m_stats.last_done_ns = uint64_t(now.ns);
    if (all_started() && m_open == 0) {
        m_stats.done = 1;
    }
    poll(now);  // the next connection at once: connection-rate loads start here
}

}  // namespace slip::stack
