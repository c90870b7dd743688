#pragma once
// The engine as a QUIC client on one core (queue 0): a client-only endpoint
// (stack/quic/endpoint.h, accept_clients false) on its own UDP port, with a client TLS
// context, and an application (QuicClientApplication, from apps/) that opens connections
// through it and works on them whenever they are looked at.
//   on_datagram   every UDP datagram to the client's port goes into the endpoint
//   poll          the application opens what it wants now, then the endpoint's timers and
//                 what it has to send, drained into packet buffers and handed to the
//                 stack's UDP output, a bounded number a poll (like the server's QuicService)
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "crypto/address_token.h"
#include "crypto/tls_context.h"
#include "dataplane/app_set.h"
#include "dataplane/client_stats.h"
#include "dataplane/quic_io.h"
#include "stack/buf/mbuf.h"
#include "stack/quic/endpoint.h"

namespace slip::dataplane {

class QuicClientService;

// What runs on the client's connections (HTTP/3 requests): told of each connection's turns
// and its end through EndpointApplication (never on_accepted: the endpoint accepts none).
class QuicClientApplication : public stack::quic::EndpointApplication {
public:
    // Owned and deleted by the service through this base.
    virtual ~QuicClientApplication() = default;
    void on_accepted(uint32_t, stack::quic::Connection&, uint64_t) override {}
    // Every poll, before the endpoint's timers and datagrams: opens the connections it
    // wants now (QuicClientService::connect); cheap when there is nothing to do. True when
    // it opened or acted on a connection (its datagrams are then built this poll).
    virtual bool poll(QuicClientService& client, uint64_t now_ns) = 0;
    virtual const ClientStats& stats() const = 0;
    // The engine stops: no new connections.
    virtual void on_drain(QuicClientService& client, uint64_t now_ns) = 0;
};

struct QuicClientOptions {
    uint16_t local_port = 0;  // 0: one of the ephemeral range (RFC 6335 §6), chosen at random
    crypto::TlsClientOptions tls;
    // Every connection's options (role client); tx_owner is the application's.
    stack::quic::ConnectionOptions connection;
    uint32_t max_connections = 64;
    std::string keylog_file;
};

class QuicClientService final : public ActiveDatagramApplication {
public:
    static constexpr uint32_t kMaxSendPerPoll = 64;

    // nullptr with `error` (one line) when the TLS context or the keys cannot be made.
    static std::unique_ptr<QuicClientService> create(const QuicClientOptions& options,
                                                     std::unique_ptr<QuicClientApplication> application,
                                                     stack::MbufPool* pool, uint16_t core, std::string& error);
    ~QuicClientService() override;

    // A connection to `server`: its slot, or kNoSlot when every slot is taken.
    uint32_t connect(const stack::quic::PeerAddress& server, uint64_t now_ns);
    static constexpr uint32_t kNoSlot = stack::quic::Endpoint::kNoSlot;
    stack::quic::Connection* connection_at(uint32_t slot) { return m_endpoint->connection_at(slot); }
    const stack::quic::EndpointCounters& counters() const { return m_endpoint->counters(); }

    uint16_t port() const override { return m_port; }
    stack::UdpAction on_datagram(stack::Mbuf* payload, const stack::UdpMeta& meta, stack::Instant now) override;
    bool poll(stack::NetStack& net, stack::Instant now) override;
    const ClientStats& stats() const override { return m_application->stats(); }
    void on_drain(stack::Instant now) override { m_application->on_drain(*this, now.ns); }

private:
    QuicClientService(const QuicClientOptions& options, std::unique_ptr<QuicClientApplication> application,
                      stack::MbufPool* pool);
    std::string init(const QuicClientOptions& options, uint16_t core);

    uint16_t m_port;
    stack::MbufPool* m_pool;
    stack::quic::ConnectionOptions m_connection;
    crypto::TlsContext m_tls;
    stack::quic::PacketProtection m_protection;
    crypto::AddressTokenCodec m_tokens;
    stack::quic::EndpointSecrets m_secrets;
    BufferedRandom m_random;
    MbufRxOwner m_rx_owner;
    // Before the endpoint: the connections release their send buffers into the
    // application's sessions up to their destructors.
    std::unique_ptr<QuicClientApplication> m_application;
    std::unique_ptr<stack::quic::Endpoint> m_endpoint;
    // The endpoint's next deadline, read again only after it did something (its
    // next_timeout() walks every slot).
    uint64_t m_deadline = stack::quic::kNoDeadline;
    bool m_send_due = false;  // received, opened or acted on something, or a full poll
    uint64_t m_tx_no_buffer = 0;
};

}  // namespace slip::dataplane
