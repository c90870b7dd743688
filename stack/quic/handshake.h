#pragma once
// The TLS side of a QUIC connection (RFC 9001 §4): one TlsSession, a CRYPTO stream each way
// per packet number space, the packet protection keys of each space as TLS derives them,
// handshake completion and confirmation, and the transport parameters both ways, with the
// peer's checked as RFC 9000 §7.3 asks (the connection IDs of the handshake authenticated).
#include <array>
#include <cstdint>
#include <span>

#include "crypto/tls_context.h"
#include "crypto/tls_session.h"
#include "stack/quic/connection_id.h"
#include "stack/quic/crypto_stream.h"
#include "stack/quic/packet_number_space.h"
#include "stack/quic/packet_protection.h"
#include "stack/quic/transport_params.h"

namespace slip::stack::quic {

// Keys of one space; 1-RTT also keeps its secrets for key updates (RFC 9001 §6).
struct SpaceKeys {
    PacketKeySet read;
    PacketKeySet write;
    bool has_read = false;
    bool has_write = false;
    crypto::AeadAlgorithm algorithm = crypto::AeadAlgorithm::aes128_gcm;
    crypto::Secret read_secret;
    crypto::Secret write_secret;
};

class Handshake {
public:
    explicit Handshake(PacketProtection& protection) : m_protection(protection) {}

    // Client: Initial keys from our random DCID, then the ClientHello. `ours` encoded as a
    // client sends them.
    TransportError start_client(crypto::TlsContext& ctx, const TransportParameters& ours,
                                const ConnectionId& original_dcid);
    // Server: Initial keys from the client's first DCID; the ClientHello arrives in CRYPTO.
    TransportError start_server(crypto::TlsContext& ctx, const TransportParameters& ours,
                                const ConnectionId& original_dcid);

    // Client after a Retry (RFC 9001 §5.2, RFC 9000 §17.2.5.2): Initial keys from the Retry's
    // SCID, and the ClientHello to send again from its start.
    bool restart_initial(const ConnectionId& new_dcid);

    // CRYPTO frame data of `space` (RFC 9001 §4.1.3). The error to close with, if any.
    TransportError on_crypto(PacketNumberSpace space, uint64_t offset, std::span<const uint8_t> data);

    CryptoSendStream& crypto_out(PacketNumberSpace space) { return m_out[index_of(space)]; }
    const CryptoSendStream& crypto_out(PacketNumberSpace space) const { return m_out[index_of(space)]; }
    const SpaceKeys& keys(PacketNumberSpace space) const { return m_keys[index_of(space)]; }
    // RFC 9001 §4.9: the space's keys are gone (Initial after the first Handshake packet,
    // Handshake once confirmed).
    void discard_keys(PacketNumberSpace space);
    bool keys_discarded(PacketNumberSpace space) const { return m_discarded[index_of(space)]; }

    bool complete() const { return m_tls.handshake_complete(); }
    // RFC 9001 §4.1.2: the server at completion, the client on HANDSHAKE_DONE.
    bool confirmed() const { return m_confirmed; }
    void confirm() { m_confirmed = true; }

    // The peer's transport parameters, once TLS delivered them and they were checked.
    bool has_peer_params() const { return m_have_peer_params; }
    const TransportParameters& peer_params() const { return m_peer; }
    // RFC 9000 §7.3: what the peer's parameters must say about the handshake's connection
    // IDs. `peer_scid`: the Source Connection ID of its first packet; a client also checks
    // the server's original_destination_connection_id (and retry_source_connection_id after
    // a Retry).
    void expect_connection_ids(const ConnectionId& peer_scid, const ConnectionId& original_dcid,
                               const ConnectionId* retry_scid);

    const crypto::TlsSession& tls() const { return m_tls; }
    // The TLS alert or other reason the handshake failed (valid with a CRYPTO_ERROR).
    const std::string& failure() const { return m_tls.error_message(); }

private:
    TransportError start_common(crypto::TlsContext& ctx, const TransportParameters& ours, Role role,
                                const ConnectionId& original_dcid);
    TransportError after_tls();
    void move_tls_output();
    bool install_new_keys();
    TransportError check_peer_params();

    PacketProtection& m_protection;
    crypto::TlsSession m_tls;
    Role m_role = Role::client;
    std::array<CryptoReceiveStream, kPacketNumberSpaceCount> m_in;
    std::array<CryptoSendStream, kPacketNumberSpaceCount> m_out;
    std::array<SpaceKeys, kPacketNumberSpaceCount> m_keys;
    std::array<bool, kPacketNumberSpaceCount> m_discarded{};
    bool m_confirmed = false;
    bool m_have_peer_params = false;
    TransportParameters m_peer;
    ConnectionId m_expected_peer_scid;
    ConnectionId m_original_dcid;
    ConnectionId m_retry_scid;
    bool m_expect_retry = false;
};

}  // namespace slip::stack::quic
