#pragma once
// Options of the TLS 1.3 handshake adapter (crypto/tls_context.h, crypto/tls_session.h).
// Filled by apps/ from the command line or the TOML file, validated once by TlsContext::init.
#include <cstdint>
#include <string>
#include <vector>

namespace slip::crypto {

// TLS 1.3 cipher suites QUIC can use with our AEADs (RFC 9001 §5.3; CCM is not offered:
// crypto/aead.h has no CCM). GnuTLS priority syntax.
inline constexpr const char* kDefaultTlsCiphers = "+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305";

struct TlsServerOptions {
    // PEM files. Both empty: an ephemeral self-signed ECDSA P-256 certificate is generated at
    // start for `ephemeral_names` (crypto/self_signed_cert.h).
    std::string cert_file;
    std::string key_file;
    std::vector<std::string> ephemeral_names = {"localhost", "127.0.0.1", "::1", "10.0.0.2", "fd00::2"};
    // Offered application protocols, most preferred first. RFC 9001 §8.1: ALPN is mandatory.
    std::vector<std::string> alpn = {"h3"};
    // RFC 9001 §4.6.1: a QUIC server that accepts 0-RTT advertises 0xffffffff in its
    // tickets; 0 turns 0-RTT off.
    uint32_t max_early_data = 0xffffffffu;
    // RFC 8446 §8: ClientHellos carrying 0-RTT are remembered for this long (GnuTLS's
    // anti-replay window) in a cache of at most `anti_replay_entries`; a full cache refuses
    // 0-RTT (the handshake goes on at 1-RTT) rather than forget a ClientHello.
    uint32_t anti_replay_window_ms = 10000;
    uint32_t anti_replay_entries = 65536;
};

struct TlsClientOptions {
    // The server's certificate is verified against this CA file (PEM) for `server_name`
    // unless `verify_peer` is false (an explicit choice: `--tls-insecure` in apps/).
    std::string ca_file;
    bool verify_peer = true;
    std::string server_name = "localhost";
    std::vector<std::string> alpn = {"h3"};
    bool enable_early_data = true;  // send 0-RTT when resuming a session that allows it
};

struct TlsOptions {
    bool server = true;
    TlsServerOptions server_side;
    TlsClientOptions client_side;
    std::string ciphers = kDefaultTlsCiphers;
    // SSLKEYLOGFILE format (NSS key log), appended to; empty: no key log.
    std::string keylog_file;
};

}  // namespace slip::crypto
