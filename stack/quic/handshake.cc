#include "stack/quic/handshake.h"

namespace slip::stack::quic {

namespace {

using crypto::EncryptionLevel;

// CRYPTO data of each space travels at its TLS level (RFC 9001 §4.1.4); 0-RTT has none.
EncryptionLevel level_of(PacketNumberSpace s) {
    return s == PacketNumberSpace::initial     ? EncryptionLevel::initial
           : s == PacketNumberSpace::handshake ? EncryptionLevel::handshake
                                               : EncryptionLevel::application;
}

constexpr PacketNumberSpace kSpaces[] = {PacketNumberSpace::initial, PacketNumberSpace::handshake,
                                         PacketNumberSpace::application};

}  // namespace

TransportError Handshake::start_client(crypto::TlsContext& ctx, const TransportParameters& ours,
                                       const ConnectionId& original_dcid) {
    return start_common(ctx, ours, Role::client, original_dcid);
}

TransportError Handshake::start_server(crypto::TlsContext& ctx, const TransportParameters& ours,
                                       const ConnectionId& original_dcid) {
    return start_common(ctx, ours, Role::server, original_dcid);
}

TransportError Handshake::start_common(crypto::TlsContext& ctx, const TransportParameters& ours, Role role,
                                       const ConnectionId& original_dcid) {
    m_role = role;
    m_original_dcid = original_dcid;
    // RFC 9001 §5.2: Initial keys come from the client's first Destination Connection ID.
    crypto::PacketKeys client, server;
    if (!crypto::initial_keys(crypto::QuicVersion::v1, original_dcid.span(), client, server)) {
        return TransportError::internal_error;
    }
    SpaceKeys& k = m_keys[index_of(PacketNumberSpace::initial)];
    const bool we_are_client = role == Role::client;
    k.has_read = m_protection.make_keys(we_are_client ? server : client, k.read);
    k.has_write = m_protection.make_keys(we_are_client ? client : server, k.write);
    uint8_t tp[512];
    size_t tp_len = 0;
    if (!k.has_read || !k.has_write || !encode_transport_parameters(ours, role, tp, tp_len)) {
        return TransportError::internal_error;
    }
    const std::span<const uint8_t> params(tp, tp_len);
    const bool ok = we_are_client ? m_tls.init_client(ctx, params) && m_tls.start() : m_tls.init_server(ctx, params);
    if (!ok) {
        return m_tls.failed() ? TransportError(m_tls.error_code()) : TransportError::internal_error;
    }
    return after_tls();
}

bool Handshake::restart_initial(const ConnectionId& new_dcid) {
    crypto::PacketKeys client, server;
    if (!crypto::initial_keys(crypto::QuicVersion::v1, new_dcid.span(), client, server)) {
        return false;
    }
    SpaceKeys& k = m_keys[index_of(PacketNumberSpace::initial)];
    k.has_read = m_protection.make_keys(server, k.read);
    k.has_write = m_protection.make_keys(client, k.write);
    CryptoSendStream& out = m_out[index_of(PacketNumberSpace::initial)];
    out.lost(0, out.end());  // nothing of it was processed: all of it goes again
    return k.has_read && k.has_write;
}

TransportError Handshake::on_crypto(PacketNumberSpace space, uint64_t offset, std::span<const uint8_t> data) {
    bool tls_ok = true;
    const TransportError e = m_in[index_of(space)].receive(offset, data, [&](std::span<const uint8_t> bytes) {
        tls_ok = tls_ok && m_tls.provide(level_of(space), bytes);
    });
    if (e != TransportError::no_error) {
        return e;
    }
    if (!tls_ok) {
        // RFC 9001 §4.8: a TLS alert closes with CRYPTO_ERROR (0x0100 + the alert).
        return m_tls.error_code() != 0 ? TransportError(m_tls.error_code()) : TransportError::internal_error;
    }
    return after_tls();
}

TransportError Handshake::after_tls() {
    if (m_tls.failed()) {
        return TransportError(m_tls.error_code());
    }
    move_tls_output();
    if (!install_new_keys()) {
        return TransportError::internal_error;
    }
    if (!m_have_peer_params && !m_tls.peer_transport_params().empty()) {
        return check_peer_params();
    }
    return TransportError::no_error;
}

void Handshake::move_tls_output() {
    for (PacketNumberSpace s : kSpaces) {
        const std::span<const uint8_t> pending = m_tls.pending(level_of(s));
        if (!pending.empty()) {
            m_out[index_of(s)].append(pending);
            m_tls.consume(level_of(s), pending.size());
        }
    }
}

// RFC 9001 §5.1: packet keys from each traffic secret as TLS reports it. 0-RTT keys are not
// installed: early data is refused until resumption with 0-RTT is built (its packets are
// dropped and counted by the connection).
bool Handshake::install_new_keys() {
    const uint32_t fresh = m_tls.take_new_secrets();
    for (PacketNumberSpace s : {PacketNumberSpace::handshake, PacketNumberSpace::application}) {
        const EncryptionLevel level = level_of(s);
        if ((fresh & (1u << unsigned(level))) == 0) {
            continue;
        }
        const crypto::LevelSecrets& secrets = m_tls.secrets(level);
        SpaceKeys& k = m_keys[index_of(s)];
        k.algorithm = secrets.algorithm;
        crypto::PacketKeys pk;
        if (secrets.has_read && !k.has_read) {
            if (!crypto::derive_packet_keys(crypto::QuicVersion::v1, secrets.algorithm, secrets.read.span(), pk) ||
                !m_protection.make_keys(pk, k.read)) {
                return false;
            }
            k.read_secret = secrets.read;
            k.has_read = true;
        }
        if (secrets.has_write && !k.has_write) {
            if (!crypto::derive_packet_keys(crypto::QuicVersion::v1, secrets.algorithm, secrets.write.span(), pk) ||
                !m_protection.make_keys(pk, k.write)) {
                return false;
            }
            k.write_secret = secrets.write;
            k.has_write = true;
        }
    }
    return true;
}

void Handshake::expect_connection_ids(const ConnectionId& peer_scid, const ConnectionId& original_dcid,
                                      const ConnectionId* retry_scid) {
    m_expected_peer_scid = peer_scid;
    m_original_dcid = original_dcid;
    m_expect_retry = retry_scid != nullptr;
    if (retry_scid != nullptr) {
        m_retry_scid = *retry_scid;
    }
}

// RFC 9000 §7.3: the parameters authenticate the connection IDs of the handshake. A missing
// one is TRANSPORT_PARAMETER_ERROR, a different one PROTOCOL_VIOLATION.
TransportError Handshake::check_peer_params() {
    const Role sender = m_role == Role::client ? Role::server : Role::client;
    const TransportError e = decode_transport_parameters(m_tls.peer_transport_params(), sender, m_peer);
    if (e != TransportError::no_error) {
        return e;
    }
    if (!m_peer.has_initial_source_connection_id) {
        return TransportError::transport_parameter_error;
    }
    if (!(m_peer.initial_source_connection_id == m_expected_peer_scid)) {
        return TransportError::protocol_violation;
    }
    if (m_role == Role::client) {
        if (!m_peer.has_original_destination_connection_id ||
            m_peer.has_retry_source_connection_id != m_expect_retry) {
            return TransportError::transport_parameter_error;
        }
        if (!(m_peer.original_destination_connection_id == m_original_dcid) ||
            (m_expect_retry && !(m_peer.retry_source_connection_id == m_retry_scid))) {
            return TransportError::protocol_violation;
        }
    }
    m_have_peer_params = true;
    return TransportError::no_error;
}

void Handshake::discard_keys(PacketNumberSpace space) {
    SpaceKeys& k = m_keys[index_of(space)];
    k = SpaceKeys{};  // zeroes the key material too
    m_discarded[index_of(space)] = true;
}

}  // namespace slip::stack::quic
