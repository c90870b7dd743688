#pragma once
// Options of the QUIC service the polling cores run (dataplane/quic_service.h). Filled in
// apps/ from --quic-* (or the TOML file), validated once with the rest of EngineOptions.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "stack/quic/endpoint.h"

namespace slip::dataplane {

// The application on every connection of the QUIC port (HTTP/3), given by whoever composes
// the engine (apps/): the dataplane knows it only as an EndpointApplication.
struct QuicApplicationSpec {
    // An instance per core, for its endpoint's connection slots; empty: connections carry
    // no application. The service keeps it until after its endpoint (connections release
    // their send buffers into it up to their destructors).
    std::function<std::shared_ptr<stack::quic::EndpointApplication>(uint16_t core, size_t slots)> make;
    // Every connection's ConnectionOptions::tx_owner: whose send buffers the application's
    // writes are.
    stack::quic::TxBufferOwner* tx_owner = nullptr;
};

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
    // The stream credit every connection gives its client (RFC 9000 §18.2), sized for
    // HTTP/3: a request per bidirectional stream, and the peer's control and two QPACK
    // streams (RFC 9114 §6.2) among the unidirectional ones; HTTP/3 clients abort the
    // handshake when fewer than 3 are allowed. Every stream the peer may open at once has
    // a slot in its connection's table, so these bound memory per connection.
    struct StreamLimits {
        uint32_t bidi = 100;                  // initial_max_streams_bidi
        uint32_t uni = 3;                     // initial_max_streams_uni
        // initial_max_stream_data_*: received data stays in its packet buffers, so at most
        // EndpointOptions::kMaxStreamWindow (what a stream's pieces hold).
        uint64_t stream_window = 128 * 1024;
        uint64_t connection_window = 2 * 1024 * 1024;  // initial_max_data
    };
    StreamLimits streams;
    // Connection slots per core.
    uint32_t max_connections = 1024;
    // SSLKEYLOGFILE-format secrets of every handshake (debugging with a packet capture);
    // empty: none.
    std::string keylog_file;
    // A qlog file per connection here (qlog 0.3 JSON-SEQ, <odcid>-server.sqlog); empty: none.
    std::string qlog_dir;

    bool enabled() const { return port != 0; }
    // The endpoint every core runs with these options (tx_owner and rx_owner are the
    // service's to fill in).
    stack::quic::EndpointOptions endpoint_options(uint16_t core) const;
    // Empty when valid; else one line naming the option, the problem and the fix.
    std::string validate() const;
};

}  // namespace slip::dataplane
