#include "apps/slipstream/quic_client_cli.h"

#include <cstdio>
#include <cstdlib>

#include "crypto/tls_context.h"
#include "stack/net/addr.h"

namespace slip::apps {

namespace {

// HOST (IPv4, or IPv6 in brackets) into the endpoint's address form.
bool parse_host(const std::string& host, stack::quic::PeerAddress& out) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        const auto v6 = stack::Ipv6Addr::parse(host.substr(1, host.size() - 2));
        if (!v6) {
            return false;
        }
        out.addr = v6->bytes;
        out.len = 16;
        return true;
    }
    const auto v4 = stack::Ipv4Addr::parse(host);
    if (!v4) {
        return false;
    }
    out.addr = {uint8_t(v4->value >> 24), uint8_t(v4->value >> 16), uint8_t(v4->value >> 8), uint8_t(v4->value)};
    out.len = 4;
    return true;
}

bool parse_port(const std::string& text, uint16_t& port) {
    char* end = nullptr;
    const unsigned long p = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || p == 0 || p > 65535) {
        return false;
    }
    port = uint16_t(p);
    return true;
}

}  // namespace

void add_tls_client_options(CLI::App& app, TlsClientArgs& args, const std::string& group) {
    app.add_option("--tls-ca-file", args.ca_file,
                   "Verify the server's certificate against this CA file, PEM (default: the system's trust store)")
        ->group(group);
    app.add_flag("--tls-insecure", args.insecure, "Do not verify the server's certificate (test servers)")
        ->group(group);
}

void add_quic_client_options(CLI::App& run, QuicClientArgs& a) {
    const std::string g = "QUIC client";
    run.add_option("--quic-client", a.target,
                   "Also connect out over QUIC with HTTP/3: MODE@HOST:PORT, MODE get (--quic-client-rounds GETs per "
                   "connection) or cps (handshake, one GET, close), e.g. get@10.0.0.1:4433; the engine stops when "
                   "the client is done")
        ->group(g);
    run.add_option("--quic-client-connections", a.connections, "Connections open at a time")
        ->capture_default_str()->group(g);
    run.add_option("--quic-client-count", a.count, "Connections to complete in all (0: until stopped)")
        ->capture_default_str()->group(g);
    run.add_option("--quic-client-rounds", a.rounds, "get: requests per connection, one after another")
        ->capture_default_str()->group(g);
    run.add_option("--quic-client-path", a.path, "Path every request GETs")->capture_default_str()->group(g);
    run.add_option("--quic-client-timeout", a.timeout_s, "Seconds a connection may take in all before it fails")
        ->capture_default_str()->check(CLI::PositiveNumber)->group(g);
    add_tls_client_options(run, a.tls, g);
}

bool parse_https_url(const std::string& url, stack::quic::PeerAddress& server, std::string& authority,
                     std::string& path, std::string& error) {
    const std::string usage = "'" + url + "' is not an https URL with an address like https://10.0.0.1:4433/file or " +
                              "https://[fd00::1]:4433/ (names are not resolved)";
    const std::string scheme = "https://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        error = usage;
        return false;
    }
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    authority = rest.substr(0, slash);
    path = slash == std::string::npos ? "/" : rest.substr(slash);
    std::string host = authority;
    server.port = 443;
    const auto bracket = authority.rfind(']');
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        host = authority.substr(0, colon);
        if (!parse_port(authority.substr(colon + 1), server.port)) {
            error = usage;
            return false;
        }
    }
    if (!parse_host(host, server)) {
        error = usage;
        return false;
    }
    return true;
}

bool quic_client_options(const QuicClientArgs& a, client::QuicClientOptions& c, std::string& error) {
    c = {};
    if (a.target.empty()) {
        return true;
    }
    const std::string usage =
        "--quic-client '" + a.target + "' is not MODE@HOST:PORT like get@10.0.0.1:4433 or cps@[fd00::1]:4433";
    const auto at = a.target.find('@');
    const auto colon = a.target.rfind(':');
    if (at == std::string::npos || colon == std::string::npos || colon < at) {
        error = usage;
        return false;
    }
    if (!client::parse_quic_client_mode(a.target.substr(0, at), c.mode)) {
        error = "--quic-client mode '" + a.target.substr(0, at) + "' is not one of get, cps";
        return false;
    }
    c.authority = a.target.substr(at + 1);
    if (!parse_host(a.target.substr(at + 1, colon - at - 1), c.server) ||
        !parse_port(a.target.substr(colon + 1), c.server.port)) {
        error = usage;
        return false;
    }
    c.path = a.path;
    c.connections = a.connections;
    c.count = a.count;
    c.rounds = a.rounds;
    c.timeout_ns = uint64_t(a.timeout_s * 1e9);
    error = c.validate();
    return error.empty();
}

dataplane::QuicClientOptions quic_endpoint_options(const TlsClientArgs& tls, const std::string& server_name,
                                                   uint32_t connections) {
    dataplane::QuicClientOptions o;
    o.tls.ca_file = tls.ca_file;
    o.tls.verify_peer = !tls.insecure;
    o.tls.server_name = server_name;
    o.tls.alpn = {"h3"};
    o.tls.enable_early_data = false;  // no session resumption yet
    o.connection = client::quic_client_connection_options();
    // Connections still closing (RFC 9000 §10.2: three PTOs) keep their slots a while.
    o.max_connections = connections * 2 + 16;
    return o;
}

std::string server_name_of(const stack::quic::PeerAddress& server) {
    if (server.len == 16) {
        stack::Ipv6Addr a;
        a.bytes = server.addr;
        return a.to_string();
    }
    return stack::Ipv4Addr::from_octets(server.addr[0], server.addr[1], server.addr[2], server.addr[3]).to_string();
}

std::string check_tls(const dataplane::QuicClientOptions& endpoint) {
    crypto::TlsOptions o;
    o.server = false;
    o.client_side = endpoint.tls;
    crypto::TlsContext tls;
    return tls.init(o);
}

std::function<std::unique_ptr<dataplane::ActiveDatagramApplication>(const dataplane::AppContext&)>
quic_client_factory(const client::QuicClientOptions& client, const dataplane::QuicClientOptions& endpoint) {
    return [client, endpoint](const dataplane::AppContext& c) -> std::unique_ptr<dataplane::ActiveDatagramApplication> {
        std::string error;
        auto s = dataplane::QuicClientService::create(endpoint, std::make_unique<client::QuicClient>(client), c.pool,
                                                      c.queue, error);
        if (s == nullptr) {
            std::fprintf(stderr, "slipstream: %s\n", error.c_str());
        }
        return s;
    };
}

}  // namespace slip::apps
