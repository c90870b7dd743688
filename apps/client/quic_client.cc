#include "apps/client/quic_client.h"

#include <cstdio>

namespace slip::apps::client {

namespace sq = stack::quic;

namespace {

constexpr uint64_t kNanosPerMilli = 1'000'000;
constexpr uint64_t kRetryAfterNs = 1 * kNanosPerMilli;
constexpr size_t kNone = SIZE_MAX;

// RFC 9114 §8.1.
constexpr uint64_t kH3NoError = 0x100;

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

http3::Http3SessionOptions session_options(const sq::ConnectionOptions& c) {
    http3::Http3SessionOptions o;
    o.role = sq::Role::client;
    // At least the stream table's size: the server's limit on ours and ours on its.
    o.max_streams = c.max_local_streams + c.params.initial_max_streams_bidi + c.params.initial_max_streams_uni;
    o.max_writes = 256;
    return o;
}

}  // namespace

const char* to_string(QuicClientMode m) {
    return m == QuicClientMode::get ? "get" : "cps";
}

bool parse_quic_client_mode(const std::string& text, QuicClientMode& mode) {
    if (text == "get") {
        mode = QuicClientMode::get;
    } else if (text == "cps") {
        mode = QuicClientMode::cps;
    } else {
        return false;
    }
    return true;
}

std::string QuicClientOptions::validate() const {
    if (!enabled()) {
        return {};
    }
    if (connections == 0) {
        return "--quic-client-connections must be at least 1";
    }
    if (count != 0 && connections > count) {
        return "--quic-client-connections (" + std::to_string(connections) + ") is more than --quic-client-count (" +
               std::to_string(count) + "); lower it or raise the count";
    }
    if (mode == QuicClientMode::get && rounds == 0) {
        return "--quic-client-rounds must be at least 1 (requests per connection)";
    }
    if (path.empty() || path.front() != '/') {
        return "--quic-client-path '" + path + "' must start with '/'";
    }
    return {};
}

sq::ConnectionOptions quic_client_connection_options() {
    sq::ConnectionOptions o;
    o.role = sq::Role::client;
    o.params.max_idle_timeout_ms = 30000;
    o.params.max_udp_payload_size = 1472;  // what an Ethernet MTU of 1500 carries
    o.max_datagram_size = 1232;            // RFC 9000 §14, as the server sends
    // Answers arrive on the streams we open; a stream's window is what its receive pieces
    // hold (Endpoint's kMaxStreamWindow), the connection's a few streams' worth.
    o.params.initial_max_stream_data_bidi_local = sq::EndpointOptions::kMaxStreamWindow;
    o.params.initial_max_stream_data_uni = 64 * 1024;
    o.params.initial_max_data = 4 * sq::EndpointOptions::kMaxStreamWindow;
    o.params.initial_max_streams_bidi = 0;  // RFC 9114 §6.1: a server opens none
    o.params.initial_max_streams_uni = 3;   // §6.2: control and the two QPACK streams
    o.max_local_streams = 16;
    o.tx_owner = &http3::Http3Session::tx_owner();
    return o;
}

QuicClient::QuicClient(const QuicClientOptions& options) : m_options(options) {
    m_stats.enabled = 1;
    if (m_options.mode == QuicClientMode::cps) {
        m_options.rounds = 1;
    }
}

QuicClient::~QuicClient() = default;

bool QuicClient::poll(dataplane::QuicClientService& client, uint64_t now_ns) {
    m_now_ns = now_ns;
    bool acted = false;
    if (m_options.timeout_ns != 0) {
        for (uint32_t slot = 0; slot < m_conns.size(); ++slot) {
            Conn& c = m_conns[slot];
            if (c.live && !c.finished && !c.timed_out && now_ns - c.started_ns > m_options.timeout_ns) {
                c.timed_out = true;
                if (sq::Connection* conn = client.connection_at(slot)) {
                    conn->close_application(kH3NoError, now_ns);
                    acted = true;
                }
            }
        }
    }
    while (!m_draining && !all_started() && m_open < m_options.connections && now_ns >= m_retry_at_ns) {
        const uint64_t before = m_stats.started;
        open_one(client, now_ns);
        if (m_stats.started == before) {
            break;
        }
        acted = true;
    }
    return acted;
}

void QuicClient::open_one(dataplane::QuicClientService& client, uint64_t now_ns) {
    // The session and its client before the connection: the connection releases its
    // writes into the session up to its end.
    auto h3 = std::make_unique<http3::Http3Client>(m_options.authority);
    h3->keep_bodies(m_options.keep_bodies);
    auto session = std::make_unique<http3::Http3Session>(*h3, session_options(quic_client_connection_options()));
    h3->bind(*session);
    const uint32_t slot = client.connect(m_options.server, now_ns);
    sq::Connection* conn = slot == dataplane::QuicClientService::kNoSlot ? nullptr : client.connection_at(slot);
    if (conn == nullptr) {
        ++m_stats.connect_errors;
        m_retry_at_ns = now_ns + kRetryAfterNs;
        return;
    }
    if (m_conns.size() <= slot) {
        m_conns.resize(slot + 1);
    }
    Conn& c = m_conns[slot];
    c = Conn{};
    c.client = std::move(h3);
    c.session = std::move(session);
    c.session->attach(*conn);
    c.live = true;
    c.started_ns = c.request_ns = now_ns;
    c.current = c.client->get(m_options.path);  // goes out once the session is ready
    ++m_open;
    ++m_stats.started;
    if (m_stats.first_connect_ns == 0) {
        m_stats.first_connect_ns = now_ns;
    }
}

void QuicClient::on_turn(uint32_t slot, sq::Connection& connection, uint64_t now_ns) {
    m_now_ns = now_ns;
    if (slot >= m_conns.size() || !m_conns[slot].live) {
        return;  // the turn inside connect(), before the session is attached
    }
    Conn& c = m_conns[slot];
    if (!c.handshaken && connection.state() == sq::ConnectionState::established) {
        c.handshaken = true;
        c.handshake_ns = now_ns;
        ++m_stats.connected;
    }
    c.client->poll(now_ns);
    if (!c.finished && c.current != kNone && c.client->responses()[c.current].closed) {
        answer_done(c, connection, now_ns);
    }
    if (c.session->failed() && c.failure.empty()) {
        c.failure = "HTTP/3 error " + hex(c.session->error());
    }
    c.close_error = connection.close_error();
    c.closed_by_peer = connection.closed_by_peer();
    c.closed_by_application = connection.closed_by_application();
    c.application_error = connection.application_error();
}

// The current request's stream is over: counted, and the next one queued or the
// connection closed.
void QuicClient::answer_done(Conn& c, sq::Connection& connection, uint64_t now_ns) {
    const http3::Http3Response& r = c.client->responses()[c.current];
    const bool ok = r.complete && r.status != 0;
    m_stats.bytes_received += r.body_bytes;
    if (!ok) {
        c.failure = r.rejected ? "the server refused the request (GOAWAY)"
                               : "the answer's stream ended with HTTP/3 error " + hex(r.error);
        c.current = kNone;
        connection.close_application(kH3NoError, now_ns);
        return;
    }
    ++m_stats.requests;
    ++c.requests;
    m_stats.latency.record(m_options.mode == QuicClientMode::cps ? now_ns - c.started_ns : now_ns - c.request_ns);
    if (m_options.result && !m_result_taken) {
        m_result_taken = true;
        FetchResult& f = *m_options.result;
        f.status = r.status;
        f.fields = r.fields;
        f.body = r.body;
        f.body_bytes = r.body_bytes;
        f.handshake_ns = c.handshake_ns - c.started_ns;
        f.total_ns = now_ns - c.started_ns;
    }
    if (c.requests < m_options.rounds && !m_draining) {
        c.request_ns = now_ns;
        c.current = c.client->get(m_options.path);
        c.client->poll(now_ns);
        return;
    }
    c.finished = true;
    c.current = kNone;
    c.session->close(now_ns);  // RFC 9114 §5.2: H3_NO_ERROR
}

std::string QuicClient::why_failed(const Conn& c) const {
    if (c.timed_out) {
        return std::string(c.handshaken ? "timeout: no complete answer" : "timeout: no handshake") + " within " +
               std::to_string(m_options.timeout_ns / kNanosPerMilli) + " ms";
    }
    if (!c.failure.empty()) {
        return c.failure;
    }
    std::string who = c.closed_by_peer ? "the server closed the connection" : "the connection closed";
    std::string what;
    if (c.closed_by_application) {
        what = " with application error " + hex(c.application_error);
    } else {
        const uint64_t code = uint64_t(c.close_error);
        what = std::string(" with ") + sq::to_string(c.close_error) + " (" + hex(code) + ")";
        if (code >= 0x100 && code <= 0x1ff) {
            what += ", TLS alert " + std::to_string(code & 0xff);  // RFC 9001 §4.8
        }
    }
    return (c.handshaken ? "" : "handshake failed: ") + who + what;
}

void QuicClient::on_freed(uint32_t slot) {
    if (slot >= m_conns.size() || !m_conns[slot].live) {
        return;
    }
    Conn& c = m_conns[slot];
    if (c.finished) {
        ++m_stats.completed;
    } else {
        ++m_stats.failed;
        if (m_options.result && !m_result_taken) {
            m_result_taken = true;
            m_options.result->error = why_failed(c);
        }
    }
    m_stats.last_done_ns = m_now_ns;
    c = Conn{};  // the connection is gone: its session may go
    --m_open;
    if (m_options.result) {
        m_options.result->done = m_result_taken;
    }
    if ((all_started() || m_draining) && m_open == 0) {
        m_stats.done = 1;
    }
}

void QuicClient::on_drain(dataplane::QuicClientService& client, uint64_t now_ns) {
    m_draining = true;
    for (uint32_t slot = 0; slot < m_conns.size(); ++slot) {
        if (m_conns[slot].live && !m_conns[slot].finished) {
            if (sq::Connection* conn = client.connection_at(slot)) {
                conn->close_application(kH3NoError, now_ns);
            }
        }
    }
    if (m_open == 0) {
        m_stats.done = 1;
    }
}

}  // namespace slip::apps::client
