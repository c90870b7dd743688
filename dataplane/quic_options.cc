#include "dataplane/quic_options.h"

#include "dataplane/qlog_files.h"
#include "dataplane/quic_io.h"

#include <cstdio>

namespace slip::dataplane {

namespace {

// Checked here, before EAL starts, so that a typo costs one line and not a port bring-up.
bool readable(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return false;
    }
    std::fclose(f);
    return true;
}

}  // namespace

stack::quic::EndpointOptions QuicOptions::endpoint_options(uint16_t core) const {
    stack::quic::EndpointOptions o;
    o.core = uint8_t(core);
    o.max_connections = max_connections;
    o.retry_always = retry_always;
    stack::quic::ConnectionOptions& c = o.connection;
    c.role = stack::quic::Role::server;
    c.params.max_idle_timeout_ms = 30000;
    c.params.max_udp_payload_size = 1472;  // what an Ethernet MTU of 1500 carries
    c.max_datagram_size = kMaxQuicDatagram;
    c.params.initial_max_streams_bidi = streams.bidi;
    c.params.initial_max_streams_uni = streams.uni;
    c.params.initial_max_stream_data_bidi_local = streams.stream_window;
    c.params.initial_max_stream_data_bidi_remote = streams.stream_window;
    c.params.initial_max_stream_data_uni = streams.stream_window;
    c.params.initial_max_data = streams.connection_window;
    return o;
}

std::string QuicOptions::validate() const {
    if (!enabled()) {
        return {};
    }
    if (cert_file.empty() || key_file.empty()) {
        return "--quic-port " + std::to_string(port) +
               " needs --quic-cert and --quic-key (PEM certificate and private key); make a pair with e.g. "
               "'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem "
               "-out cert.pem -subj /CN=localhost'";
    }
    if (!readable(cert_file)) {
        return "--quic-cert '" + cert_file + "' cannot be read; give a readable PEM certificate file";
    }
    if (!readable(key_file)) {
        return "--quic-key '" + key_file + "' cannot be read; give a readable PEM private key file";
    }
    if (max_connections == 0 || max_connections > (1u << 20)) {
        return "QUIC connections per core must be between 1 and 1048576";
    }
    if (!qlog_dir.empty()) {
        if (std::string e = check_qlog_dir(qlog_dir); !e.empty()) {
            return e;
        }
    }
    if (streams.uni < 3) {
        return "--quic-max-streams-uni " + std::to_string(streams.uni) +
               ": HTTP/3 clients need 3 (control and two QPACK streams, RFC 9114 §6.2); give 3 or more";
    }
    if (streams.connection_window < streams.stream_window) {
        return "--quic-connection-window " + std::to_string(streams.connection_window) +
               " is below --quic-stream-window " + std::to_string(streams.stream_window) +
               ": one stream could never use its window; raise it";
    }
    // The limits the endpoint itself enforces (peer streams per connection, stream windows
    // within what a stream's packet buffers hold), checked where they are defined.
    if (std::string e = endpoint_options(0).validate(); !e.empty()) {
        return e + " (--quic-max-streams-bidi, --quic-max-streams-uni, --quic-stream-window)";
    }
    return {};
}

}  // namespace slip::dataplane
