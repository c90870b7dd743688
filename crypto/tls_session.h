#pragma once
// One TLS 1.3 handshake for one QUIC connection, over GnuTLS's QUIC API (RFC 9001 §4):
// CRYPTO-frame bytes go in and come out per encryption level, traffic secrets come out per
// level as TLS derives them, transport parameters travel in extension 0x39 (RFC 9001 §8.2),
// ALPN is mandatory (§8.1), session tickets allow resumption and 0-RTT (§4.6), and a TLS
// alert becomes the QUIC CRYPTO_ERROR 0x0100 + alert (§4.8).
//
// Sans-I/O like the stack above it: the caller moves bytes; nothing here touches a socket.
// Handshake work, not the per-packet path: GnuTLS allocates inside.
//
//   client: init_client(ctx, tp, ticket) -> start() -> pending(initial) = ClientHello ...
//   server: init_server(ctx, tp) -> provide(initial, ClientHello) -> pending(initial/handshake)
//   both:   take_new_secrets() after each call lists the levels whose keys just arrived.
#include <gnutls/gnutls.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/aead.h"
#include "crypto/quic_keys.h"
#include "crypto/tls_context.h"

namespace slip::crypto {

// RFC 9001 §4.1.4; the numbering follows GnuTLS's gnutls_record_encryption_level_t.
enum class EncryptionLevel : uint8_t { initial = 0, early = 1, handshake = 2, application = 3 };
inline constexpr size_t kEncryptionLevels = 4;
const char* to_string(EncryptionLevel level);

// QUIC transport error codes this adapter produces (RFC 9000 §20.1).
inline constexpr uint64_t kCryptoErrorBase = 0x0100;  // + TLS alert (RFC 9001 §4.8)
inline constexpr uint64_t kCryptoBufferExceeded = 0x0d;
inline constexpr uint8_t kAlertMissingExtension = 109;
inline constexpr uint8_t kAlertNoApplicationProtocol = 120;
inline constexpr uint8_t kAlertInternalError = 80;

struct LevelSecrets {
    Secret read;    // what the peer protects with at this level
    Secret write;   // what we protect with
    bool has_read = false;
    bool has_write = false;
    AeadAlgorithm algorithm = AeadAlgorithm::aes128_gcm;  // the cipher suite's AEAD
};

class TlsSession {
public:
    TlsSession() = default;
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // `transport_params` is our encoded QUIC transport parameters (RFC 9000 §18), sent in
    // the ClientHello or EncryptedExtensions. `resumption` (client) is what resumption_data()
    // gave on an earlier connection; empty for a full handshake. False on a GnuTLS failure
    // (error_message() says which).
    bool init_server(TlsContext& ctx, std::span<const uint8_t> transport_params);
    bool init_client(TlsContext& ctx, std::span<const uint8_t> transport_params,
                     std::span<const uint8_t> resumption = {});

    // Client: writes the ClientHello (and installs 0-RTT keys when resuming with early data).
    bool start();

    // Bytes of CRYPTO frames received at `level`, in order. False when the handshake failed:
    // error_code() is then the QUIC error to close the connection with.
    bool provide(EncryptionLevel level, std::span<const uint8_t> data);

    // CRYPTO bytes TLS wants sent at `level`, in order; consume() what was sent.
    std::span<const uint8_t> pending(EncryptionLevel level) const { return m_out[index(level)]; }
    void consume(EncryptionLevel level, size_t n);

    // Bit (1 << level) set for every level whose read or write secret arrived since the last
    // call; the caller derives packet keys (crypto/quic_keys.h) from secrets(level).
    uint32_t take_new_secrets();
    const LevelSecrets& secrets(EncryptionLevel level) const { return m_secrets[index(level)]; }

    bool handshake_complete() const { return m_complete; }
    bool failed() const { return m_error_code != 0; }
    uint64_t error_code() const { return m_error_code; }
    const std::string& error_message() const { return m_error_message; }

    std::string_view alpn() const { return m_alpn; }
    std::span<const uint8_t> peer_transport_params() const { return m_peer_tp; }
    bool resumed() const;
    // Server: the client's 0-RTT was accepted. Client: the server accepted our 0-RTT.
    bool early_data_accepted() const;

    // Server, after handshake_complete(): queue a NewSessionTicket at the application level.
    bool send_session_ticket();
    // Client: the newest ticket, as bytes for init_client(..., resumption) (empty until one).
    std::span<const uint8_t> resumption_data() const { return m_resumption; }

private:
    static size_t index(EncryptionLevel level) { return size_t(level); }
    bool setup_common(TlsContext& ctx, std::span<const uint8_t> transport_params, unsigned flags);
    bool drive_handshake();
    bool frame(EncryptionLevel level, std::span<const uint8_t> data);
    bool fail(uint8_t alert, std::string message);
    void on_secret(EncryptionLevel level, const void* read, const void* write, size_t size);

    static int secret_cb(gnutls_session_t, gnutls_record_encryption_level_t, const void*, const void*, size_t);
    static int handshake_out_cb(gnutls_session_t, gnutls_record_encryption_level_t,
                                gnutls_handshake_description_t, const void*, size_t);
    static int alert_cb(gnutls_session_t, gnutls_record_encryption_level_t, gnutls_alert_level_t,
                        gnutls_alert_description_t);
    static int hook_cb(gnutls_session_t, unsigned htype, unsigned when, unsigned incoming, const gnutls_datum_t*);
    static int tp_recv_cb(gnutls_session_t, const unsigned char*, size_t);
    static int tp_send_cb(gnutls_session_t, gnutls_buffer_t);
    static int keylog_cb(gnutls_session_t, const char* label, const gnutls_datum_t* secret);

    gnutls_session_t m_session = nullptr;
    TlsContext* m_ctx = nullptr;
    bool m_server = false;
    bool m_complete = false;
    bool m_peer_tp_seen = false;
    uint32_t m_new_secrets = 0;
    uint64_t m_error_code = 0;
    std::string m_error_message;
    std::string m_alpn;
    std::vector<uint8_t> m_local_tp;
    std::vector<uint8_t> m_peer_tp;
    std::vector<uint8_t> m_resumption;
    std::array<std::vector<uint8_t>, kEncryptionLevels> m_out;
    std::array<LevelSecrets, kEncryptionLevels> m_secrets;
    struct Framing {
        std::array<uint8_t, 4> header{};
        uint8_t have = 0;
        uint32_t remaining = 0;
    };
    std::array<Framing, kEncryptionLevels> m_framing;
};

}  // namespace slip::crypto
