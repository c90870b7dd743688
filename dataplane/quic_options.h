#pragma once
// Options of the QUIC service the polling cores run (dataplane/quic_service.h). Filled in
// apps/ from --quic-* (or the TOML file), validated once with the rest of EngineOptions.
#include <cstdint>
#include <string>

namespace slip::dataplane {

struct QuicOptions {
    // UDP port of the QUIC v1 server on every polling core; 0: no QUIC.
    uint16_t port = 0;
    // The server's certificate chain and private key (PEM). Both are required with a port:
    // each core has its own TLS context (crypto/tls_context.h is per core), and an ephemeral
    // certificate would differ per core, so a client pinning it would fail on the others.
    std::string cert_file;
    std::string key_file;
    // RFC 9000 §8.1.2: address validation with Retry for every new client, or (false) only
    // once handshakes pile up on a core.
    bool retry_always = false;
    // Unidirectional streams a client may open (RFC 9000 §18.2 initial_max_streams_uni),
    // with no data credit: the connection does not carry streams yet. HTTP/3 clients
    // (RFC 9114 §6.2: control and two QPACK streams) abort the handshake below 3, so an
    // HTTP/3 peer can complete a handshake only with 3 or more.
    uint32_t uni_streams = 0;
    // Connection slots per core.
    uint32_t max_connections = 1024;
    // SSLKEYLOGFILE-format secrets of every handshake (debugging with a packet capture);
    // empty: none.
    std::string keylog_file;

    bool enabled() const { return port != 0; }
    // Empty when valid; else one line naming the option, the problem and the fix.
    std::string validate() const;
};

}  // namespace slip::dataplane
