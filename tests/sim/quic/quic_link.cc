#include "tests/sim/quic/quic_link.h"

#include <boost/test/unit_test.hpp>

namespace slip::test::quic_sim {

ConnectionOptions QuicLink::default_options(Role role) {
    ConnectionOptions o;
    o.role = role;
    o.params.max_idle_timeout_ms = 30000;
    o.params.max_udp_payload_size = 1472;
    o.max_datagram_size = 1252;
    o.reset_token.fill(0x5e);
    return o;
}

ConnectionId QuicLink::cid_of(uint8_t v) {
    const std::vector<uint8_t> b(8, v);
    ConnectionId c;
    ConnectionId::from(b, c);
    return c;
}

crypto::TlsContext& QuicLink::server_tls() {
    static crypto::TlsContext ctx;
    static const std::string error = [] {
        crypto::TlsOptions o;
        o.server = true;
        return ctx.init(o);
    }();
    BOOST_REQUIRE_EQUAL(error, "");
    return ctx;
}

crypto::TlsContext& QuicLink::client_tls() {
    static crypto::TlsContext ctx;
    static const std::string error = [] {
        crypto::TlsOptions o;
        o.server = false;
        o.client_side.verify_peer = false;
        return ctx.init(o);
    }();
    BOOST_REQUIRE_EQUAL(error, "");
    return ctx;
}

QuicLink::QuicLink(Direction c2s, Direction s2c, uint64_t seed, ConnectionOptions client_options,
                   ConnectionOptions server_options)
    : m_rng(seed) {
    m_dirs[0] = std::move(c2s);
    m_dirs[1] = std::move(s2c);
    client_options.rx_owner = client_options.rx_owner != nullptr ? client_options.rx_owner : &m_buffers;
    server_options.rx_owner = server_options.rx_owner != nullptr ? server_options.rx_owner : &m_buffers;
    const ConnectionId odcid = cid_of(0x0d);
    const ConnectionId client_cid = cid_of(0xc1);
    const ConnectionId server_cid = cid_of(0x51);
    m_client = std::make_unique<Connection>(client_options, m_protection, client_tls(),
                                            HandshakeIds{client_cid, odcid, odcid, odcid, false}, m_now);
    // The server's connection is made as an endpoint would on the first Initial: from its
    // DCID (the original) and SCID (the client's).
    m_server = std::make_unique<Connection>(server_options, m_protection, server_tls(),
                                            HandshakeIds{server_cid, client_cid, odcid, odcid, false}, m_now);
    flush(true);
}

void QuicLink::enqueue(bool to_server, std::vector<uint8_t> bytes, uint64_t delay) {
    m_wire.emplace(m_now + delay, InFlight{m_now + delay, to_server, std::move(bytes)});
}

// Everything one side has to send now goes on the wire (or is lost).
void QuicLink::flush(bool client_side) {
    Connection& c = client_side ? *m_client : *m_server;
    Direction& d = m_dirs[client_side ? 0 : 1];
    size_t& count = client_side ? m_sent_to_server : m_sent_to_client;
    size_t burst = 0;
    for (int i = 0; i < 64; ++i) {
        std::vector<uint8_t> buf(1500);
        const size_t n = c.send(buf, m_now);
        if (n == 0) {
            break;
        }
        buf.resize(n);
        check();
        size_t& most = m_max_burst[client_side ? 0 : 1];
        most = std::max(most, ++burst);
        const size_t index = count++;
        const bool lost = (d.drop && d.drop(index)) || std::uniform_real_distribution<>(0, 1)(m_rng) < d.loss;
        if (lost) {
            continue;
        }
        const bool late = std::uniform_real_distribution<>(0, 1)(m_rng) < d.reorder;
        enqueue(client_side == false ? false : true, std::move(buf), d.delay_ns * (late ? 2 : 1));
    }
}

void QuicLink::check() {
    if (!m_server->address_validated() && m_server->bytes_sent() > 3 * m_server->bytes_received()) {
        m_amplification_ok = false;
    }
}

void QuicLink::run_for(uint64_t ns) {
    const uint64_t end = m_now + ns;
    if (on_step) {
        on_step();  // what the caller made due (a close, a new stream) goes out now
    }
    flush(true);
    flush(false);
    bool stepped_at_now = false;
    while (true) {
        uint64_t next = end;
        if (!m_wire.empty()) {
            next = std::min(next, m_wire.begin()->first);
        }
        next = std::min({next, m_client->next_timeout(), m_server->next_timeout()});
        // A deadline already handled at this instant (an ACK that cannot go out yet) waits
        // for the clock to move: a microsecond at a time.
        if (next <= m_now && stepped_at_now) {
            ++m_stuck_steps;
            next = m_now + kNanosPerMicro;
        }
        if (next > end) {
            break;
        }
        stepped_at_now = next <= m_now;
        m_now = std::max(m_now, next);
        while (!m_wire.empty() && m_wire.begin()->first <= m_now) {
            InFlight f = std::move(m_wire.begin()->second);
            m_wire.erase(m_wire.begin());
            SimBuffers::Buffer* b = m_buffers.make(std::move(f.bytes));
            (f.to_server ? *m_server : *m_client).receive(b->bytes, m_now, b);
            m_buffers.release(b);  // the link's reference: what a stream kept holds its own
        }
        if (m_client->next_timeout() <= m_now) {
            m_client->on_timeout(m_now);
        }
        if (m_server->next_timeout() <= m_now) {
            m_server->on_timeout(m_now);
        }
        if (on_step) {
            on_step();
        }
        flush(true);
        flush(false);
        if (next == end) {
            break;
        }
    }
    m_now = std::max(m_now, end);
}

bool QuicLink::run_until_established(uint64_t limit_ns) {
    const uint64_t end = m_now + limit_ns;
    while (m_now < end) {
        run_for(kNanosPerMilli);
        if (m_client->handshake_confirmed() && m_server->handshake_confirmed()) {
            return true;
        }
        if (m_client->state() >= ConnectionState::closing || m_server->state() >= ConnectionState::closing) {
            return false;
        }
    }
    return false;
}

}  // namespace slip::test::quic_sim
