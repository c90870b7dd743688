#include "apps/client/tcp_client.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <string_view>

namespace slip::apps::client {

using app::BufferChain;
using app::BufferView;
using app::Connections;
using app::ConnId;
using app::Status;

namespace {
constexpr uint32_t kChunk = 64 * 1024;         // bytes offered per send() call
constexpr uint64_t kRetryNs = 1'000'000;       // after a connect() that found no slot or port
}  // namespace

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

TcpClient::TcpClient(const TcpClientOptions& options, uint32_t slots)
    : m_options(options), m_echo(slots), m_conns(slots) {
    m_stats.enabled = 1;
    m_http_request = "GET /bytes/" + std::to_string(options.bytes) + " HTTP/1.1\r\nHost: slipstream\r\n" +
                     (options.mode == ClientMode::http ? "Connection: close\r\n\r\n" : "\r\n");
}

TcpClient::~TcpClient() = default;

void TcpClient::poll(Connections& c) {
    while (!m_draining && m_open < m_options.connections && !all_started() && c.now_ns() >= m_retry_at_ns) {
        start_one(c);
    }
}

BufferChain TcpClient::request(Connections& c, const Conn& conn) {
    if (m_options.mode == ClientMode::http || m_options.mode == ClientMode::http_keepalive) {
        return c.copy_in(std::span(reinterpret_cast<const uint8_t*>(m_http_request.data()), m_http_request.size()));
    }
    BufferChain m = c.pattern(conn.rounds, uint32_t(m_options.bytes));  // rr
    if (m.bytes() != m_options.bytes) {
        return {};  // buffers ran short: no partial requests
    }
    return m;
}

void TcpClient::start_one(Connections& c) {
    const uint64_t now = c.now_ns();
    Conn fresh;
    fresh.started_ns = now;
    app::ConnectOptions co;
    co.fast_open = m_options.fast_open;
    if (m_options.fast_open && (m_options.mode == ClientMode::http || m_options.mode == ClientMode::rr)) {
        co.data = request(c, fresh);  // RFC 7413: on the SYN when a cookie is cached
    }
    const uint32_t early_len = co.data.bytes();
    app::Endpoint remote;
    std::memcpy(remote.address, m_options.remote.bytes.data(), sizeof remote.address);
    remote.port = m_options.port;
    const ConnId id = c.connect(remote, this, nullptr, co);
    if (!id.valid()) {
        // No slot, route or local port right now (e.g. every port in TIME-WAIT): retry soon.
        ++m_stats.connect_errors;
        m_retry_at_ns = now + kRetryNs;
        return;
    }
    if (m_stats.first_connect_ns == 0) {
        m_stats.first_connect_ns = now;
    }
    ++m_stats.started;
    ++m_open;
    Conn& conn = m_conns[c.slot(id)];
    conn = fresh;
    conn.id = id;
    conn.live = true;
    if (early_len > 0 && co.data.empty()) {  // taken with the open (else sent once connected)
        conn.request_out = true;
        conn.request_sent_ns = now;
        m_stats.bytes_sent += early_len;
    }
}

// False when the connection had to be aborted (its slot may serve a new one already).
bool TcpClient::send_request(Connections& c, ConnId id, Conn& conn) {
    BufferChain m = request(c, conn);
    const uint32_t len = m.bytes();
    const app::SendResult r = len > 0 ? c.send(id, m) : app::SendResult{Status::invalid, 0};
    if (r.status != Status::ok || r.accepted < len) {
        c.abort(id);  // a request this small always fits: the pool ran dry
        finish(c, id, false);
        return false;
    }
    conn.request_out = true;
    conn.request_sent_ns = c.now_ns();
    m_stats.bytes_sent += len;
    return true;
}

void TcpClient::on_connected(Connections& c, ConnId id) {
    ++m_stats.connected;
    Conn& conn = m_conns[c.slot(id)];
    switch (m_options.mode) {
    case ClientMode::echo:
        return;
    case ClientMode::send:
        return fill(c, id, conn);
    case ClientMode::rr:
    case ClientMode::http:
    case ClientMode::http_keepalive:
        if (!conn.request_out) {
            send_request(c, id, conn);
        }
        return;
    }
}

void TcpClient::fill(Connections& c, ConnId id, Conn& conn) {
    const uint64_t limit = m_options.bytes;
    while (!conn.finished && (limit == 0 || conn.sent < limit)) {
        const uint64_t left = limit == 0 ? kChunk : limit - conn.sent;
        const uint32_t n = uint32_t(std::min<uint64_t>({left, kChunk, c.send_room(id)}));
        if (n == 0) {
            return;  // on_writable brings us back
        }
        BufferChain m = c.pattern(conn.sent, n);
        const uint32_t offered = m.bytes();
        if (offered == 0) {
            return;
        }
        const app::SendResult r = c.send(id, m);
        conn.sent += r.accepted;
        m_stats.bytes_sent += r.accepted;
        if (r.status != Status::ok || r.accepted < offered) {
            return;  // on_writable brings us back (what was not taken is freed)
        }
    }
    if (limit != 0 && conn.sent >= limit && !conn.finished) {
        conn.finished = true;
        c.close(id);
    }
}

// Echo mode: what arrived since the last event counts as received and as sent back (the
// echo sends it as soon as the send buffer takes it); `unconsumed` is what it left held.
template <class F>
void TcpClient::echo(Connections& c, ConnId id, F&& event) {
    Conn& conn = m_conns[c.slot(id)];
    const uint32_t fresh = c.received(id).bytes() - conn.unconsumed;
    m_stats.bytes_received += fresh;
    m_stats.bytes_sent += fresh;
    event();
    conn.unconsumed = c.received(id).bytes();
}

void TcpClient::on_writable(Connections& c, ConnId id) {
    if (m_options.mode == ClientMode::echo) {
        return echo(c, id, [&] { m_echo.on_writable(c, id); });
    }
    if (m_options.mode == ClientMode::send) {
        fill(c, id, m_conns[c.slot(id)]);
    }
}

void TcpClient::on_data(Connections& c, ConnId id) {
    if (m_options.mode == ClientMode::echo) {
        return echo(c, id, [&] { m_echo.on_data(c, id); });
    }
    Conn& conn = m_conns[c.slot(id)];
    const BufferView data = c.received(id);
    const uint32_t len = data.bytes();
    if (len == 0) {
        return;
    }
    m_stats.bytes_received += len;
    if (m_options.mode == ClientMode::http_keepalive) {
        if (read_answers(c, id, conn, data) && !conn.finished) {
            c.consume(id, len);  // (close() consumed it already)
        }
        return;
    }
    c.consume(id, len);
    conn.received += len;
    if (m_options.mode != ClientMode::rr || conn.finished) {
        return;
    }
    // Responses are as long as requests: each full one ends a timed round trip.
    while (conn.received >= m_options.bytes && !conn.finished) {
        conn.received -= m_options.bytes;
        m_stats.latency.record(c.now_ns() - conn.request_sent_ns);
        if (++conn.rounds >= m_options.rounds) {
            conn.finished = true;
            c.close(id);
        } else if (!send_request(c, id, conn)) {
            return;
        }
    }
}

// One byte of an answer's head (RFC 9112 §2.1): lines are checked for Content-Length (the
// only field this client needs); true at the blank line that ends the head.
bool TcpClient::head_byte(Conn& conn, char ch) {
    if (ch == '\r') {
        return false;
    }
    if (ch != '\n') {
        conn.line_empty = false;
        if (conn.line_len < sizeof conn.line) {
            conn.line[conn.line_len++] = ch >= 'A' && ch <= 'Z' ? char(ch - 'A' + 'a') : ch;
        }
        return false;
    }
    if (conn.line_empty) {
        return true;
    }
    constexpr std::string_view kField = "content-length:";
    const std::string_view line(conn.line, conn.line_len);
    if (line.starts_with(kField)) {
        conn.content_length = 0;
        for (char d : line.substr(kField.size())) {
            if (d >= '0' && d <= '9') {
                conn.content_length = conn.content_length * 10 + uint64_t(d - '0');
            }
        }
    }
    conn.line_len = 0;
    conn.line_empty = true;
    return false;
}

// http-keepalive: walks the answer bytes; each complete answer is timed and the next
// request goes out, until `rounds` answers. False when the connection was aborted.
bool TcpClient::read_answers(Connections& c, ConnId id, Conn& conn, BufferView data) {
    uint32_t left = data.bytes();
    for (auto it = data.begin(); it != data.end() && left > 0; ++it) {
        const std::span<uint8_t> seg = (*it).first(std::min<size_t>((*it).size(), left));
        left -= uint32_t(seg.size());
        const char* p = reinterpret_cast<const char*>(seg.data());
        size_t at = 0;
        while (at < seg.size() && !conn.finished) {
            if (conn.in_body) {
                const uint64_t n = std::min<uint64_t>(conn.body_left, seg.size() - at);
                conn.body_left -= n;
                at += size_t(n);
            } else if (head_byte(conn, p[at++])) {
                conn.in_body = true;
                conn.body_left = conn.content_length;
                conn.content_length = 0;
            }
            if (conn.in_body && conn.body_left == 0) {
                conn.in_body = false;
                ++m_stats.requests;
                m_stats.latency.record(c.now_ns() - conn.request_sent_ns);
                if (++conn.rounds >= m_options.rounds) {
                    conn.finished = true;
                    c.close(id);
                } else if (!send_request(c, id, conn)) {
                    return false;
                }
            }
        }
        if (conn.finished) {
            break;  // close() freed the buffers: the view ends here
        }
    }
    return true;
}

void TcpClient::on_peer_closed(Connections& c, ConnId id) {
    Conn& conn = m_conns[c.slot(id)];
    switch (m_options.mode) {
    case ClientMode::echo:
        return echo(c, id, [&] { m_echo.on_peer_closed(c, id); });
    case ClientMode::http:
        if (conn.received > 0 && !conn.finished) {
            conn.finished = true;  // Connection: close: the response ends with the peer's FIN
            m_stats.latency.record(c.now_ns() - conn.started_ns);
        }
        break;
    case ClientMode::send:
    case ClientMode::rr:
    case ClientMode::http_keepalive:
        break;
    }
    c.close(id);
}

void TcpClient::on_closed(Connections& c, ConnId id, app::CloseReason reason) {
    if (m_options.mode == ClientMode::echo) {
        m_echo.on_closed(c, id, reason);
    }
    const Conn& conn = m_conns[c.slot(id)];
    finish(c, id, reason == app::CloseReason::normal && (conn.finished || m_options.mode == ClientMode::echo));
}

void TcpClient::finish(Connections& c, ConnId id, bool ok) {
    ++(ok ? m_stats.completed : m_stats.failed);
    m_conns[c.slot(id)] = Conn{};
    --m_open;
    m_stats.last_done_ns = c.now_ns();
    if (all_started() && m_open == 0) {
        m_stats.done = 1;
    }
    poll(c);  // the next connection at once: connection-rate loads start here
}

void TcpClient::on_drain(Connections& c) {
    m_draining = true;
    for (Conn& conn : m_conns) {
        if (conn.live) {
            c.abort(conn.id);  // no callback follows
            if (m_options.mode == ClientMode::echo) {
                m_echo.on_closed(c, conn.id, app::CloseReason::aborted);
            }
            conn = Conn{};
            --m_open;
        }
    }
}

}  // namespace slip::apps::client
