#pragma once
// The QUIC client's command line: `--quic-client MODE@HOST:PORT` and its options on `run`,
// the https URL of `slipstream get`, and the engine's active application made from them.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "apps/client/quic_client.h"
#include "dataplane/app_set.h"
#include "dataplane/quic_client_service.h"

namespace slip::apps {

// The server's certificate: verified against a CA file or the system's trust store, or
// (an explicit choice) not at all.
struct TlsClientArgs {
    std::string ca_file;
    bool insecure = false;
};

// Raw `--quic-client*` values of `run`.
struct QuicClientArgs {
    std::string target;  // MODE@HOST:PORT
    uint32_t connections = 1;
    uint64_t count = 1;
    uint64_t rounds = 100;
    std::string path = "/";
    double timeout_s = 10;
    TlsClientArgs tls;
};

void add_quic_client_options(CLI::App& run, QuicClientArgs& args);
void add_tls_client_options(CLI::App& app, TlsClientArgs& args, const std::string& group);

// https://HOST[:PORT][/PATH], HOST an IPv4 address or a bracketed IPv6 one (no names: the
// engine has no resolver). False with `error` (one line).
bool parse_https_url(const std::string& url, stack::quic::PeerAddress& server, std::string& authority,
                     std::string& path, std::string& error);

// Both halves of the client: the application's options and the endpoint's. Not enabled
// (server port 0) without --quic-client. False with `error` (one line).
bool quic_client_options(const QuicClientArgs& args, client::QuicClientOptions& out, std::string& error);
dataplane::QuicClientOptions quic_endpoint_options(const TlsClientArgs& tls, const std::string& server_name,
                                                   uint32_t connections);

// The server's address as TLS names it (the certificate's IP address entry).
std::string server_name_of(const stack::quic::PeerAddress& server);
// The endpoint's TLS context made once, to say what is wrong before the engine starts;
// empty when it can be made.
std::string check_tls(const dataplane::QuicClientOptions& endpoint);

// The engine's active UDP application: the QUIC client on queue 0.
std::function<std::unique_ptr<dataplane::ActiveDatagramApplication>(const dataplane::AppContext&)>
quic_client_factory(const client::QuicClientOptions& client, const dataplane::QuicClientOptions& endpoint);

}  // namespace slip::apps
