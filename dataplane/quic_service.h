#pragma once
// The QUIC v1 server of one polling core: the sans-I/O endpoint (stack/quic/endpoint.h)
// on the core's UDP port, with its TLS context, packet protection and randomness.
//   on_datagram   every UDP datagram to the QUIC port goes into the endpoint
//   poll          after the received packets and the stack's timers: the endpoint's timers,
//                 then what it has to send, drained into packet buffers and handed to the
//                 stack's UDP output (route, neighbour, Ethernet), a bounded number a poll
// Shared-nothing like the rest of the core; only the keys of stateless work (reset tokens,
// address tokens, the CID table's hash key) are the same on every core (QuicSharedKeys).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/siphash.h"
#include "crypto/stateless_reset.h"
#include "crypto/tls_context.h"
#include "dataplane/quic_io.h"
#include "dataplane/qlog_files.h"
#include "dataplane/quic_options.h"
#include "stack/buf/mbuf.h"
#include "stack/quic/endpoint.h"
#include "stack/session/net_stack.h"
#include "stack/session/udp_service.h"

namespace slip::dataplane {

// Made once per engine: every core recognises every core's address tokens and resets.
struct QuicSharedKeys {
    crypto::StatelessResetKey reset_key;
    std::array<uint8_t, 16> token_key{};
    uint32_t token_nonce_base = 0;  // each core adds its index: no two cores share a nonce
    crypto::SipKey table_key;
    // From GnuTLS's key-grade generator; empty on success, else one line.
    std::string randomize();
};

// What a core's endpoint holds now (gauges), beside its counters.
struct QuicGauges {
    uint64_t connections = 0;
    uint64_t handshaking = 0;
    uint64_t established = 0;          // handshake complete (RFC 9001 §4.1.1), not closing
    uint64_t confirmed = 0;            // handshake confirmed (RFC 9001 §4.1.2)
    uint64_t confirmed_total = 0;      // connections seen confirmed since start (sampled)
    uint64_t tx_datagrams = 0;
    uint64_t tx_no_buffer = 0;         // a datagram waited: no packet buffer
    uint64_t rx_copied = 0;            // datagrams copied into a buffer of their own (chained or shared)
    uint64_t rx_no_buffer = 0;         // datagrams dropped: no buffer for that copy, or too long for one
    // RFC 9001 §6 key updates since start (connections gone included): ours and the peers'.
    uint64_t key_updates_initiated = 0;
    uint64_t key_updates_followed = 0;
};

class QuicService final : public stack::UdpService {
public:
    // Datagrams sent per poll at most: the rest wait for the next poll, so one busy core's
    // QUIC output cannot starve its receive path.
    static constexpr uint32_t kMaxSendPerPoll = 64;

    // Loads the core's TLS credentials; nullptr with `error` (one line) when that fails.
    static std::unique_ptr<QuicService> create(const QuicOptions& options, const QuicSharedKeys& keys,
                                               const QuicApplicationSpec& application, uint16_t core,
                                               stack::MbufPool* pool, std::string& error);
    ~QuicService() override;

    stack::UdpAction on_datagram(stack::Mbuf* payload, const stack::UdpMeta& meta, stack::Instant now) override;
    // True when it did work (ran timers or sent).
    bool poll(stack::NetStack& net, stack::Instant now);

    const stack::quic::EndpointCounters& counters() const { return m_endpoint->counters(); }
    // Scans the connection slots: for publishing, not for every poll.
    QuicGauges gauges();

private:
    // The endpoint's application: the core's own bookkeeping of each connection (what a
    // connection counted goes into the totals when it is freed), then the application's.
    class ConnectionWatch final : public stack::quic::EndpointApplication {
    public:
        void start(size_t slots, std::shared_ptr<stack::quic::EndpointApplication> application);
        void on_accepted(uint32_t slot, stack::quic::Connection& connection, uint64_t now_ns) override;
        void on_turn(uint32_t slot, stack::quic::Connection& connection, uint64_t now_ns) override;
        void on_freed(uint32_t slot) override;
        const stack::quic::KeyUpdateCounters& ended_key_updates() const { return m_ended; }

    private:
        std::shared_ptr<stack::quic::EndpointApplication> m_application;
        std::vector<stack::quic::KeyUpdateCounters> m_key_updates;  // per slot, at its last turn
        stack::quic::KeyUpdateCounters m_ended;
    };

    QuicService(const QuicOptions& options, stack::MbufPool* pool);
    std::string init(const QuicOptions& options, const QuicSharedKeys& keys, const QuicApplicationSpec& application,
                     uint16_t core);

    uint16_t m_port;
    stack::MbufPool* m_pool;
    crypto::TlsContext m_tls;
    stack::quic::PacketProtection m_protection;
    crypto::AddressTokenCodec m_tokens;
    stack::quic::EndpointSecrets m_secrets;
    BufferedRandom m_random;
    MbufRxOwner m_rx_owner;
    // Before the endpoint: destroyed after its connections.
    ConnectionWatch m_watch;
    std::unique_ptr<QlogFiles> m_qlogs;  // before the endpoint: its connections write into it
    std::unique_ptr<stack::quic::Endpoint> m_endpoint;
    // The endpoint's next deadline, read again only after it did something (its
    // next_timeout() walks every slot).
    uint64_t m_deadline = stack::quic::kNoDeadline;
    bool m_send_due = false;  // received something, or the last poll hit kMaxSendPerPoll
    // Per slot: the connection last seen confirmed there (for confirmed_total).
    std::vector<const stack::quic::Connection*> m_seen_confirmed;
    QuicGauges m_gauges;
};

}  // namespace slip::dataplane
