#include "dataplane/quic_client_service.h"

#include <gnutls/crypto.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "stack/session/net_stack.h"

namespace slip::dataplane {

namespace sq = stack::quic;

namespace {

// RFC 6335 §6: the dynamic ports, 49152-65535.
uint16_t ephemeral_port(sq::RandomSource& random) {
    uint8_t b[2];
    random.fill(b);
    return uint16_t(49152 + ((b[0] << 8 | b[1]) % 16384));
}

}  // namespace

QuicClientService::QuicClientService(const QuicClientOptions& options,
                                     std::unique_ptr<QuicClientApplication> application, stack::MbufPool* pool)
    : m_port(options.local_port), m_pool(pool), m_connection(options.connection),
      m_application(std::move(application)) {}

QuicClientService::~QuicClientService() = default;

std::unique_ptr<QuicClientService> QuicClientService::create(const QuicClientOptions& options,
                                                             std::unique_ptr<QuicClientApplication> application,
                                                             stack::MbufPool* pool, uint16_t core,
                                                             std::string& error) {
    std::unique_ptr<QuicClientService> s(new QuicClientService(options, std::move(application), pool));
    error = s->init(options, core);
    if (!error.empty()) {
        return nullptr;
    }
    return s;
}

std::string QuicClientService::init(const QuicClientOptions& options, uint16_t core) {
    crypto::TlsOptions tls;
    tls.server = false;
    tls.client_side = options.tls;
    tls.keylog_file = options.keylog_file;
    if (std::string e = m_tls.init(tls); !e.empty()) {
        return "quic client: " + e;
    }
    if (!m_protection.ok()) {
        return "quic client: no AES-GCM engine for this CPU's crypto path (intel-ipsec-mb)";
    }
    // The endpoint's stateless keys: a client-only endpoint sends no Retry and checks no
    // token, but answers packets of connections it forgot with resets (RFC 9000 §10.3).
    std::array<uint8_t, 16> token_key{};
    uint32_t nonce_base = 0;
    if (!m_secrets.reset_key.randomize() || !m_secrets.table_key.randomize() ||
        gnutls_rnd(GNUTLS_RND_KEY, token_key.data(), token_key.size()) != 0 ||
        gnutls_rnd(GNUTLS_RND_NONCE, &nonce_base, sizeof nonce_base) != 0) {
        return "quic client: the random generator failed making the endpoint keys (GnuTLS gnutls_rnd)";
    }
    if (!m_tokens.init(m_protection.aead(), token_key, nonce_base)) {
        return "quic client: the address token key could not be set up";
    }
    m_secrets.tokens = &m_tokens;
    m_secrets.engine = &m_protection.aead();
    if (m_port == 0) {
        m_port = ephemeral_port(m_random);
    }
    sq::EndpointOptions o;
    o.core = uint8_t(core);
    o.connection = m_connection;
    o.connection.rx_owner = &m_rx_owner;
    o.max_connections = options.max_connections;
    o.accept_clients = false;
    if (std::string e = o.validate(); !e.empty()) {
        return "quic client: " + e;
    }
    m_connection = o.connection;
    m_endpoint = std::make_unique<sq::Endpoint>(o, m_protection, m_tls, m_secrets, m_random);
    m_endpoint->set_application(m_application.get());
    return {};
}

uint32_t QuicClientService::connect(const sq::PeerAddress& server, uint64_t now_ns) {
    const uint32_t slot = m_endpoint->connect(server, m_tls, m_connection, now_ns);
    m_send_due = true;
    return slot;
}

stack::UdpAction QuicClientService::on_datagram(stack::Mbuf* payload, const stack::UdpMeta& meta,
                                                stack::Instant now) {
    const HeldDatagram d = hold_datagram(payload, m_pool);
    if (d.buffer != nullptr) {
        m_endpoint->receive(d.bytes, peer_of(meta), now.ns, d.buffer);
        stack::buf::free(d.buffer);
    }
    stack::buf::free(payload);
    m_send_due = true;
    return stack::UdpAction::consumed;
}

bool QuicClientService::poll(stack::NetStack& net, stack::Instant now) {
    bool worked = false;
    if (m_application->poll(*this, now.ns)) {
        m_send_due = true;
    }
    if (now.ns >= m_deadline) {
        m_endpoint->on_timeout(now.ns);
        m_send_due = true;
        worked = true;
    }
    if (!m_send_due) {
        return worked;
    }
    const DrainCounts c = drain_endpoint(*m_endpoint, net, m_pool, m_port, kMaxSendPerPoll, now);
    m_tx_no_buffer += c.no_buffer ? 1 : 0;
    m_send_due = c.no_buffer || c.more;  // try again next poll
    worked = worked || c.sent > 0;
    m_deadline = m_endpoint->next_timeout();
    return worked;
}

}  // namespace slip::dataplane
