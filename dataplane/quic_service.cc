#include "dataplane/quic_service.h"

#include <gnutls/crypto.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdlib>

namespace slip::dataplane {

namespace sq = stack::quic;

std::string QuicSharedKeys::randomize() {
    if (!reset_key.randomize() || !table_key.randomize() ||
        gnutls_rnd(GNUTLS_RND_KEY, token_key.data(), token_key.size()) != 0 ||
        gnutls_rnd(GNUTLS_RND_NONCE, &token_nonce_base, sizeof token_nonce_base) != 0) {
        return "quic: the random generator failed making the endpoint keys (GnuTLS gnutls_rnd)";
    }
    return {};
}

void QuicService::ConnectionWatch::start(size_t slots, std::shared_ptr<sq::EndpointApplication> application) {
    m_application = std::move(application);
    m_key_updates.assign(slots, {});
}

void QuicService::ConnectionWatch::on_accepted(uint32_t slot, sq::Connection& connection, uint64_t now_ns) {
    m_key_updates[slot] = {};
    if (m_application) {
        m_application->on_accepted(slot, connection, now_ns);
    }
}

void QuicService::ConnectionWatch::on_turn(uint32_t slot, sq::Connection& connection, uint64_t now_ns) {
    m_key_updates[slot] = connection.key_update().counters();
    if (m_application) {
        m_application->on_turn(slot, connection, now_ns);
    }
}

void QuicService::ConnectionWatch::on_freed(uint32_t slot) {
    m_ended.initiated += m_key_updates[slot].initiated;
    m_ended.followed += m_key_updates[slot].followed;
    m_key_updates[slot] = {};
    if (m_application) {
        m_application->on_freed(slot);
    }
}

QuicService::QuicService(const QuicOptions& options, stack::MbufPool* pool) : m_port(options.port), m_pool(pool) {}

QuicService::~QuicService() = default;

std::unique_ptr<QuicService> QuicService::create(const QuicOptions& options, const QuicSharedKeys& keys,
                                                 const QuicApplicationSpec& application, uint16_t core,
                                                 stack::MbufPool* pool, std::string& error) {
    std::unique_ptr<QuicService> s(new QuicService(options, pool));
    error = s->init(options, keys, application, core);
    if (!error.empty()) {
        return nullptr;
    }
    return s;
}

std::string QuicService::init(const QuicOptions& options, const QuicSharedKeys& keys,
                              const QuicApplicationSpec& application, uint16_t core) {
    crypto::TlsOptions tls;
    tls.server = true;
    tls.server_side.cert_file = options.cert_file;
    tls.server_side.key_file = options.key_file;
    tls.server_side.alpn = {"h3", "hq-interop"};  // HTTP/3, and HTTP/0.9 for interop runners
    tls.keylog_file = options.keylog_file;
    if (std::string e = m_tls.init(tls); !e.empty()) {
        return "quic: " + e;
    }
    if (!m_protection.ok()) {
        return "quic: no AES-GCM engine for this CPU's crypto path (intel-ipsec-mb)";
    }
    if (!m_tokens.init(m_protection.aead(), keys.token_key, keys.token_nonce_base + core)) {
        return "quic: the address token key could not be set up";
    }
    m_secrets.reset_key = keys.reset_key;
    m_secrets.table_key = keys.table_key;
    m_secrets.tokens = &m_tokens;
    m_secrets.engine = &m_protection.aead();
    sq::EndpointOptions o = options.endpoint_options(core);
    o.connection.rx_owner = &m_rx_owner;
    o.connection.tx_owner = application.tx_owner;
    if (std::string e = o.validate(); !e.empty()) {
        return e;
    }
    m_endpoint = std::make_unique<sq::Endpoint>(o, m_protection, m_tls, m_secrets, m_random);
    m_seen_confirmed.assign(m_endpoint->slot_count(), nullptr);
    m_watch.start(m_endpoint->slot_count(),
                  application.make ? application.make(core, m_endpoint->slot_count()) : nullptr);
    m_endpoint->set_application(&m_watch);
    if (!options.qlog_dir.empty()) {
        m_qlogs = std::make_unique<QlogFiles>(options.qlog_dir, m_endpoint->slot_count());
        m_endpoint->set_qlog(m_qlogs.get());
    }
    return {};
}

stack::UdpAction QuicService::on_datagram(stack::Mbuf* payload, const stack::UdpMeta& meta, stack::Instant now) {
    const HeldDatagram d = hold_datagram(payload, m_pool);
    if (d.buffer != nullptr) {
        m_endpoint->receive(d.bytes, peer_of(meta), now.ns, d.buffer);
        stack::buf::free(d.buffer);
    }
    m_gauges.rx_copied += d.copied ? 1 : 0;
    m_gauges.rx_no_buffer += d.buffer == nullptr ? 1 : 0;
    stack::buf::free(payload);
    m_send_due = true;
    return stack::UdpAction::consumed;
}

bool QuicService::poll(stack::NetStack& net, stack::Instant now) {
    bool worked = false;
    if (now.ns >= m_deadline) {
        m_endpoint->on_timeout(now.ns);
        m_send_due = true;
        worked = true;
    }
    if (!m_send_due) {
        return worked;
    }
    const DrainCounts c = drain_endpoint(*m_endpoint, net, m_pool, m_port, kMaxSendPerPoll, now);
    m_gauges.tx_datagrams += c.sent;
    m_gauges.tx_no_buffer += c.no_buffer ? 1 : 0;
    m_send_due = c.no_buffer || c.more;  // try again next poll
    worked = worked || c.sent > 0;
    m_deadline = m_endpoint->next_timeout();
    return worked;
}

QuicGauges QuicService::gauges() {
    QuicGauges g = m_gauges;
    g.connections = m_endpoint->connections();
    g.handshaking = m_endpoint->handshakes();
    for (size_t i = 0; i < m_endpoint->slot_count(); ++i) {
        const sq::Connection* c = m_endpoint->connection(i);
        if (c == nullptr) {
            continue;
        }
        g.established += c->state() == sq::ConnectionState::established ? 1 : 0;
        if (c->handshake_confirmed()) {
            ++g.confirmed;
            if (m_seen_confirmed[i] != c) {
                m_seen_confirmed[i] = c;
                ++m_gauges.confirmed_total;
            }
        }
    }
    g.confirmed_total = m_gauges.confirmed_total;
    // Connections gone count with what they had at their last turn; live ones as they are.
    g.key_updates_initiated = m_watch.ended_key_updates().initiated;
    g.key_updates_followed = m_watch.ended_key_updates().followed;
    for (size_t i = 0; i < m_endpoint->slot_count(); ++i) {
        if (const sq::Connection* c = m_endpoint->connection(i)) {
            g.key_updates_initiated += c->key_update().counters().initiated;
            g.key_updates_followed += c->key_update().counters().followed;
        }
    }
    return g;
}

}  // namespace slip::dataplane
