#include "crypto/tls_session.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace slip::crypto {
namespace {

constexpr int kQuicTransportParametersExt = 0x39;  // RFC 9001 §8.2
// The largest handshake message accepted (certificate chains included); a peer announcing
// more is refused at once rather than buffered for.
constexpr size_t kMaxHandshakeMessage = 64 * 1024;

TlsSession* self_of(gnutls_session_t s) {
    return static_cast<TlsSession*>(gnutls_session_get_ptr(s));
}

bool aead_of(gnutls_cipher_algorithm_t cipher, AeadAlgorithm& out) {
    switch (cipher) {
    case GNUTLS_CIPHER_AES_128_GCM:
        out = AeadAlgorithm::aes128_gcm;
        return true;
    case GNUTLS_CIPHER_AES_256_GCM:
        out = AeadAlgorithm::aes256_gcm;
        return true;
    case GNUTLS_CIPHER_CHACHA20_POLY1305:
        out = AeadAlgorithm::chacha20_poly1305;
        return true;
    default:
        return false;
    }
}

bool is_ip_literal(const std::string& name) {
    std::array<uint8_t, 16> buf{};
    return inet_pton(AF_INET, name.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, name.c_str(), buf.data()) == 1;
}

}  // namespace

const char* to_string(EncryptionLevel level) {
    switch (level) {
    case EncryptionLevel::initial:
        return "initial";
    case EncryptionLevel::early:
        return "0-rtt";
    case EncryptionLevel::handshake:
        return "handshake";
    case EncryptionLevel::application:
        return "1-rtt";
    }
    return "?";
}

TlsSession::~TlsSession() {
    if (m_session != nullptr) {
        gnutls_deinit(m_session);
    }
    for (auto& s : m_secrets) {  // secrets do not outlive the connection in memory
        gnutls_memset(&s, 0, sizeof s);
    }
}

bool TlsSession::setup_common(TlsContext& ctx, std::span<const uint8_t> transport_params, unsigned flags) {
    m_ctx = &ctx;
    m_local_tp.assign(transport_params.begin(), transport_params.end());
    if (int rv = gnutls_init(&m_session, flags); rv < 0) {
        m_session = nullptr;
        return fail(kAlertInternalError, std::string("gnutls_init: ") + gnutls_strerror(rv));
    }
    gnutls_session_set_ptr(m_session, this);
    int rv = gnutls_priority_set(m_session, ctx.priority());
    if (rv >= 0) {
        rv = gnutls_credentials_set(m_session, GNUTLS_CRD_CERTIFICATE, ctx.credentials());
    }
    if (rv >= 0) {
        rv = gnutls_session_ext_register(m_session, "QUIC Transport Parameters", kQuicTransportParametersExt,
                                         GNUTLS_EXT_TLS, &TlsSession::tp_recv_cb, &TlsSession::tp_send_cb, nullptr,
                                         nullptr, nullptr,
                                         GNUTLS_EXT_FLAG_TLS | GNUTLS_EXT_FLAG_CLIENT_HELLO | GNUTLS_EXT_FLAG_EE);
    }
    const auto alpn = ctx.alpn();
    if (rv >= 0) {
        rv = gnutls_alpn_set_protocols(m_session, alpn.data(), unsigned(alpn.size()),
                                       GNUTLS_ALPN_MANDATORY | (m_server ? GNUTLS_ALPN_SERVER_PRECEDENCE : 0));
    }
    if (rv < 0) {
        return fail(kAlertInternalError, std::string("TLS session setup: ") + gnutls_strerror(rv));
    }
    gnutls_handshake_set_secret_function(m_session, &TlsSession::secret_cb);
    gnutls_handshake_set_read_function(m_session, &TlsSession::handshake_out_cb);
    gnutls_alert_set_read_function(m_session, &TlsSession::alert_cb);
    gnutls_handshake_set_hook_function(m_session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_POST, &TlsSession::hook_cb);
    if (ctx.keylog_enabled()) {
        gnutls_session_set_keylog_function(m_session, &TlsSession::keylog_cb);
    }
    return true;
}

bool TlsSession::init_server(TlsContext& ctx, std::span<const uint8_t> transport_params) {
    m_server = true;
    const auto& o = ctx.options().server_side;
    const bool zero_rtt = o.max_early_data > 0 && ctx.anti_replay() != nullptr;
    // RFC 9001 §8.3: no EndOfEarlyData in QUIC; tickets are sent when the stack asks.
    unsigned flags = GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET | GNUTLS_NO_END_OF_EARLY_DATA;
    if (zero_rtt) {
        flags |= GNUTLS_ENABLE_EARLY_DATA;
    }
    if (!setup_common(ctx, transport_params, flags)) {
        return false;
    }
    int rv = gnutls_session_ticket_enable_server(m_session, ctx.ticket_key());
    if (rv >= 0 && zero_rtt) {
        gnutls_anti_replay_enable(m_session, ctx.anti_replay());
        rv = gnutls_record_set_max_early_data_size(m_session, o.max_early_data);
    }
    if (rv < 0) {
        return fail(kAlertInternalError, std::string("TLS server setup: ") + gnutls_strerror(rv));
    }
    return true;
}

bool TlsSession::init_client(TlsContext& ctx, std::span<const uint8_t> transport_params,
                             std::span<const uint8_t> resumption) {
    m_server = false;
    const auto& o = ctx.options().client_side;
    unsigned flags = GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA;
    if (o.enable_early_data) {
        flags |= GNUTLS_ENABLE_EARLY_DATA;
    }
    if (!setup_common(ctx, transport_params, flags)) {
        return false;
    }
    int rv = 0;
    // RFC 6066 §3: SNI carries host names only, never address literals.
    if (!o.server_name.empty() && !is_ip_literal(o.server_name)) {
        rv = gnutls_server_name_set(m_session, GNUTLS_NAME_DNS, o.server_name.data(), o.server_name.size());
    }
    if (o.verify_peer) {
        gnutls_session_set_verify_cert(m_session, o.server_name.empty() ? nullptr : o.server_name.c_str(), 0);
    }
    if (rv >= 0 && !resumption.empty()) {
        rv = gnutls_session_set_data(m_session, resumption.data(), resumption.size());
    }
    if (rv < 0) {
        return fail(kAlertInternalError, std::string("TLS client setup: ") + gnutls_strerror(rv));
    }
    return true;
}

bool TlsSession::start() {
    if (m_session == nullptr || m_server) {
        return fail(kAlertInternalError, "start() is for an initialised client session");
    }
    return drive_handshake();
}

bool TlsSession::provide(EncryptionLevel level, std::span<const uint8_t> data) {
    if (failed()) {
        return false;
    }
    if (m_session == nullptr) {
        return fail(kAlertInternalError, "provide() before init");
    }
    if (!frame(level, data)) {
        return false;
    }
    if (!data.empty()) {
        int rv = gnutls_handshake_write(m_session, gnutls_record_encryption_level_t(level), data.data(), data.size());
        if (rv < 0 && gnutls_error_is_fatal(rv)) {
            gnutls_alert_send_appropriate(m_session, rv);  // reaches alert_cb
            return fail(kAlertInternalError, std::string("TLS: ") + gnutls_strerror(rv));
        }
    }
    return m_complete ? true : drive_handshake();
}

// Walks the handshake message headers (RFC 8446 §4: type, 24-bit length) across CRYPTO
// chunks, so an announced length above kMaxHandshakeMessage closes the connection before
// anything is buffered for it.
bool TlsSession::frame(EncryptionLevel level, std::span<const uint8_t> data) {
    auto& f = m_framing[index(level)];
    size_t pos = 0;
    while (pos < data.size()) {
        if (f.remaining > 0) {
            const size_t take = std::min<size_t>(f.remaining, data.size() - pos);
            f.remaining -= uint32_t(take);
            pos += take;
            continue;
        }
        f.header[f.have++] = data[pos++];
        if (f.have == f.header.size()) {
            f.have = 0;
            f.remaining = uint32_t(f.header[1]) << 16 | uint32_t(f.header[2]) << 8 | f.header[3];
            if (f.remaining > kMaxHandshakeMessage) {
                // RFC 9000 §7.5: more CRYPTO data than the endpoint buffers.
                m_error_code = kCryptoBufferExceeded;
                m_error_message = "TLS: a handshake message announces " + std::to_string(f.remaining) +
                                  " bytes, more than the " + std::to_string(kMaxHandshakeMessage) + " accepted";
                return false;
            }
        }
    }
    return true;
}

bool TlsSession::drive_handshake() {
    const int rv = gnutls_handshake(m_session);
    if (rv < 0) {
        if (!gnutls_error_is_fatal(rv)) {
            return true;  // waiting for the peer's next flight
        }
        if (!failed()) {
            gnutls_alert_send_appropriate(m_session, rv);  // records the alert through alert_cb
        }
        int alert_level = 0;
        const int alert = gnutls_error_to_alert(rv, &alert_level);
        return fail(uint8_t(alert < 0 ? kAlertInternalError : alert), std::string("TLS handshake: ") +
                                                                          gnutls_strerror(rv));
    }
    // RFC 9001 §8.2: a peer that sent no transport parameters closes the connection.
    if (!m_peer_tp_seen) {
        return fail(kAlertMissingExtension, "TLS handshake: the peer sent no QUIC transport parameters");
    }
    gnutls_datum_t proto{};
    if (gnutls_alpn_get_selected_protocol(m_session, &proto) < 0) {
        return fail(kAlertNoApplicationProtocol, "TLS handshake: no application protocol was negotiated");
    }
    m_alpn.assign(reinterpret_cast<const char*>(proto.data), proto.size);
    m_complete = true;
    return true;
}

bool TlsSession::fail(uint8_t alert, std::string message) {
    if (m_error_code == 0) {  // the first cause wins: an alert from alert_cb is more precise
        m_error_code = kCryptoErrorBase + alert;
        m_error_message = std::move(message);
    }
    return false;
}

void TlsSession::consume(EncryptionLevel level, size_t n) {
    auto& out = m_out[index(level)];
    out.erase(out.begin(), out.begin() + ptrdiff_t(std::min(n, out.size())));
}

uint32_t TlsSession::take_new_secrets() {
    const uint32_t bits = m_new_secrets;
    m_new_secrets = 0;
    return bits;
}

bool TlsSession::resumed() const {
    return m_session != nullptr && gnutls_session_is_resumed(m_session) != 0;
}

bool TlsSession::early_data_accepted() const {
    return m_session != nullptr && (gnutls_session_get_flags(m_session) & GNUTLS_SFLAGS_EARLY_DATA) != 0;
}

bool TlsSession::send_session_ticket() {
    if (!m_server || !m_complete) {
        return false;
    }
    return gnutls_session_ticket_send(m_session, 1, 0) >= 0;
}

void TlsSession::on_secret(EncryptionLevel level, const void* read, const void* write, size_t size) {
    auto& s = m_secrets[index(level)];
    const auto cipher = level == EncryptionLevel::early ? gnutls_early_cipher_get(m_session)
                                                        : gnutls_cipher_get(m_session);
    if (!aead_of(cipher, s.algorithm) || size > kMaxHashLen) {
        fail(kAlertInternalError, "TLS negotiated a cipher suite QUIC packet protection does not support");
        return;
    }
    if (read != nullptr) {
        std::memcpy(s.read.bytes.data(), read, size);
        s.read.len = size;
        s.has_read = true;
    }
    if (write != nullptr) {
        std::memcpy(s.write.bytes.data(), write, size);
        s.write.len = size;
        s.has_write = true;
    }
    m_new_secrets |= 1u << index(level);
}

int TlsSession::secret_cb(gnutls_session_t s, gnutls_record_encryption_level_t level, const void* read,
                          const void* write, size_t size) {
    auto* self = self_of(s);
    self->on_secret(EncryptionLevel(level), read, write, size);
    return self->failed() ? -1 : 0;
}

int TlsSession::handshake_out_cb(gnutls_session_t s, gnutls_record_encryption_level_t level,
                                 gnutls_handshake_description_t htype, const void* data, size_t size) {
    if (htype == GNUTLS_HANDSHAKE_CHANGE_CIPHER_SPEC) {
        return 0;  // RFC 9001 §8.4: never sent in QUIC
    }
    auto& out = self_of(s)->m_out[size_t(level)];
    const auto* p = static_cast<const uint8_t*>(data);
    out.insert(out.end(), p, p + size);
    return 0;
}

int TlsSession::alert_cb(gnutls_session_t s, gnutls_record_encryption_level_t, gnutls_alert_level_t,
                         gnutls_alert_description_t desc) {
    auto* self = self_of(s);
    self->fail(uint8_t(desc), std::string("TLS alert: ") + gnutls_alert_get_strname(desc));
    return 0;
}

int TlsSession::hook_cb(gnutls_session_t s, unsigned htype, unsigned, unsigned incoming, const gnutls_datum_t*) {
    auto* self = self_of(s);
    if (self->m_server && htype == GNUTLS_HANDSHAKE_CLIENT_HELLO && incoming != 0) {
        gnutls_datum_t proto{};
        if (gnutls_alpn_get_selected_protocol(s, &proto) < 0) {  // RFC 9001 §8.1
            self->fail(kAlertNoApplicationProtocol, "TLS: the client offered no application protocol we speak");
            return GNUTLS_E_NO_APPLICATION_PROTOCOL;
        }
        if (!self->m_peer_tp_seen) {  // RFC 9001 §8.2
            self->fail(kAlertMissingExtension, "TLS: the ClientHello carries no QUIC transport parameters");
            return GNUTLS_E_MISSING_EXTENSION;
        }
    }
    if (!self->m_server && htype == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET && incoming != 0) {
        gnutls_datum_t data{};
        if (gnutls_session_get_data2(s, &data) >= 0) {
            self->m_resumption.assign(data.data, data.data + data.size);
            gnutls_free(data.data);
        }
    }
    return 0;
}

int TlsSession::tp_recv_cb(gnutls_session_t s, const unsigned char* data, size_t size) {
    auto* self = self_of(s);
    self->m_peer_tp.assign(data, data + size);
    self->m_peer_tp_seen = true;
    return 0;
}

int TlsSession::tp_send_cb(gnutls_session_t s, gnutls_buffer_t out) {
    auto* self = self_of(s);
    if (gnutls_buffer_append_data(out, self->m_local_tp.data(), self->m_local_tp.size()) < 0) {
        return -1;
    }
    return int(self->m_local_tp.size());
}

int TlsSession::keylog_cb(gnutls_session_t s, const char* label, const gnutls_datum_t* secret) {
    gnutls_datum_t client_random{}, server_random{};
    gnutls_session_get_random(s, &client_random, &server_random);
    self_of(s)->m_ctx->write_keylog(label, {client_random.data, client_random.size}, {secret->data, secret->size});
    return 0;
}

}  // namespace slip::crypto
