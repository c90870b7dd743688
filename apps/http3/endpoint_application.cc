#include "apps/http3/endpoint_application.h"

#include <algorithm>

namespace slip::apps::http3 {

namespace {

void add_hq(hq::HqServerStats& to, const hq::HqServerStats& s) {
    to.requests += s.requests;
    to.answered += s.answered;
    to.not_found += s.not_found;
    to.malformed += s.malformed;
}

void add_server(Http3ServerStats& to, const Http3ServerStats& s) {
    to.requests += s.requests;
    to.answers += s.answers;
    to.not_found += s.not_found;
    to.refused += s.refused;
    to.closed_with_error += s.closed_with_error;
}

}  // namespace

// The server is the session's handler and the session its server's: both live and die
// together, the session after the connection.
struct Http3EndpointApplication::PerConnection {
    Http3Server server;
    Http3Session session;
    // Made when the client's ALPN says hq-interop; the HTTP/3 pair then stays unused.
    std::unique_ptr<hq::HqServer> hq;
    bool protocol_known = false;
    PerConnection(const Http3ServerOptions& server_options, const Http3SessionOptions& session_options)
        : server(server_options), session(server, session_options) {
        server.bind(session);
    }
};

Http3EndpointApplication::Http3EndpointApplication(size_t slots, const Http3EndpointOptions& options,
                                                   std::span<const StaticContent> statics)
    : m_options(options), m_statics(statics), m_slots(slots) {}

Http3EndpointApplication::~Http3EndpointApplication() = default;

void Http3EndpointApplication::on_accepted(uint32_t slot, quic::Connection& connection, uint64_t) {
    if (slot >= m_slots.size()) {
        return;
    }
    // Every stream the connection's table can hold may carry a request at once (RFC 9114
    // §4.1: one per bidirectional stream), so both tables follow its size.
    const size_t streams = std::max<size_t>(connection.streams().stream_capacity(), 1);
    Http3ServerOptions server_options = m_options.server;
    server_options.max_streams = std::max(server_options.max_streams, streams);
    Http3SessionOptions session_options;
    session_options.role = quic::Role::server;
    session_options.max_streams = streams;
    session_options.max_writes = m_options.max_writes;
    if (m_slots[slot] != nullptr) {
        // A slot reused without on_freed: the endpoint frees a connection before its slot.
        add_ended(*m_slots[slot]);
        --m_live;
    }
    m_slots[slot] = std::make_unique<PerConnection>(server_options, session_options);
    m_slots[slot]->server.share_statics(m_statics);
    m_slots[slot]->session.attach(connection);
    ++m_live;
    ++m_ended.sessions;
}

void Http3EndpointApplication::on_turn(uint32_t slot, quic::Connection& connection, uint64_t now_ns) {
    if (slot >= m_slots.size() || m_slots[slot] == nullptr) {
        return;
    }
    PerConnection& c = *m_slots[slot];
    if (!c.protocol_known) {
        // TLS names the protocol with the ServerHello; nothing of the application runs on
        // the connection before (its streams need the handshake's keys).
        const std::string_view alpn = connection.handshake().tls().alpn();
        if (alpn.empty()) {
            return;
        }
        c.protocol_known = true;
        if (alpn == hq::kAlpn) {
            c.hq = std::make_unique<hq::HqServer>(std::max<size_t>(connection.streams().stream_capacity(), 1));
            c.hq->share_statics(m_statics);
            ++m_ended.hq_connections;
        }
    }
    if (c.hq != nullptr) {
        c.hq->poll(connection);
    } else {
        c.session.poll(now_ns);
    }
}

void Http3EndpointApplication::on_freed(uint32_t slot) {
    if (slot < m_slots.size() && m_slots[slot] != nullptr) {
        add_ended(*m_slots[slot]);
        m_slots[slot].reset();
        --m_live;
    }
}

// One connection's work into `to` (the ended total, or a snapshot of all).
void Http3EndpointApplication::add_ended(const PerConnection& c) { add_connection(m_ended, c); }

void Http3EndpointApplication::add_connection(Http3EndpointStats& to, const PerConnection& c) {
    to.sessions_failed += c.session.failed() ? 1 : 0;
    if (c.hq != nullptr) {
        add_hq(to.hq, c.hq->stats());
    }
    add_server(to.server, c.server.stats());
}

Http3EndpointStats Http3EndpointApplication::stats() const {
    Http3EndpointStats total = m_ended;
    for (const auto& c : m_slots) {
        if (c != nullptr) {
            add_connection(total, *c);
        }
    }
    return total;
}

}  // namespace slip::apps::http3
