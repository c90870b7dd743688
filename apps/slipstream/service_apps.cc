#include <cstdio>
#include <memory>

#include "apps/http/server.h"
#include "apps/http3/endpoint_application.h"
#include "apps/services/services.h"
#include "apps/services/udp_echo.h"
#include "apps/slipstream/cli.h"
#include "apps/ws/ws_server.h"

namespace slip::apps {

namespace {

// The HTTP server's options from the command line; the rest are HttpServerOptions' defaults.
http::HttpServerOptions http_options(const RunArgs& a) {
    http::HttpServerOptions o;
    o.root = a.http_root;
    o.max_body = a.http_max_body;
    o.idle_timeout_ns = uint64_t(a.http_idle_timeout_s * 1e9);
    o.head_timeout_ns = uint64_t(a.http_head_timeout_s * 1e9);
    return o;
}

// Static files are read once here and shared read-only by every core's server.
std::shared_ptr<http::StaticFiles> load_static_files(const http::HttpServerOptions& o) {
    if (o.root.empty()) {
        return nullptr;
    }
    auto files = std::make_shared<http::StaticFiles>(http::StaticFiles::load(o.root, o.static_limits));
    for (const std::string& w : files->warnings()) {
        std::fprintf(stderr, "slipstream: http: %s\n", w.c_str());
    }
    return files;
}

// The same files for HTTP/3, by reference into `files` (which the table keeps alive): each
// at its URL path, and an index.html also at its directory's path ("/" and "/docs/"), as
// the HTTP/1.1 server answers them.
struct Http3Statics {
    std::shared_ptr<const http::StaticFiles> files;
    std::vector<http3::StaticContent> table;
};

std::shared_ptr<Http3Statics> http3_statics(std::shared_ptr<const http::StaticFiles> files) {
    auto s = std::make_shared<Http3Statics>();
    s->files = std::move(files);
    if (s->files == nullptr) {
        return s;
    }
    constexpr std::string_view kIndex = "index.html";
    for (const http::StaticFile& f : s->files->files()) {
        s->table.push_back({f.path, f.data, std::string(f.content_type)});
        if (f.path.ends_with("/" + std::string(kIndex))) {
            s->table.push_back({f.path.substr(0, f.path.size() - kIndex.size()), f.data, std::string(f.content_type)});
        }
    }
    return s;
}

// HTTP/3 on every QUIC connection, serving /bytes/N and the static files.
dataplane::QuicApplicationSpec http3_application(std::shared_ptr<const http::StaticFiles> files) {
    dataplane::QuicApplicationSpec spec;
    spec.tx_owner = &http3::Http3EndpointApplication::tx_owner();
    spec.make = [statics = http3_statics(std::move(files))](uint16_t, size_t slots) {
        // The application keeps the table (and so the files) alive as long as it lives.
        struct Owning {
            std::shared_ptr<Http3Statics> statics;
            http3::Http3EndpointApplication application;
        };
        std::shared_ptr<Owning> owning(new Owning{statics, http3::Http3EndpointApplication(slots, {}, statics->table)});
        return std::shared_ptr<stack::quic::EndpointApplication>(owning, &owning->application);
    };
    return spec;
}

}  // namespace

dataplane::AppSet service_apps(const RunArgs& a, const client::TcpClientOptions& tcp_client) {
    using dataplane::AppContext;
    dataplane::AppSet set;
    const auto add = [&](uint16_t port, auto make) {
        if (port != 0) {
            set.push_back({port, make});
        }
    };
    add(a.tcp_echo_port, [](const AppContext& c) { return std::make_unique<Echo>(c.slots); });
    add(a.tcp_discard_port, [](const AppContext&) { return std::make_unique<Discard>(); });
    add(a.tcp_source_port, [](const AppContext& c) { return std::make_unique<Source>(c.slots); });
    const http::HttpServerOptions options = http_options(a);
    // Read once for both servers.
    const std::shared_ptr<http::StaticFiles> files =
        a.http_port != 0 || a.quic_port != 0 ? load_static_files(options) : nullptr;
    if (a.quic_port != 0) {
        set.quic = http3_application(files);
    }
    if (a.http_port != 0) {
        ws::WsOptions ws_options;
        ws_options.max_message_size = a.ws_max_message;
        add(a.http_port, [options, files = std::shared_ptr<const http::StaticFiles>(files), ws_options](const AppContext& c) {
            auto server = std::make_unique<http::HttpServer>(c.slots, options, files);
            // RFC 6455 endpoints on the same port, handed over by the server's Upgrade.
            server->route_upgrade("/ws/echo", std::make_unique<ws::WsEcho>(c.slots, ws_options));
            server->route_upgrade("/ws/broadcast", std::make_unique<ws::WsBroadcast>(c.slots, ws_options));
            return server;
        });
        if (files != nullptr) {
            // Once, before any server exists: every core's servers then send the files by
            // reference from the engine's memory instead of copying them per answer.
            set.back().prepare = [files](app::ByteStore& store) {
                const uint32_t refused = files->share(store);
                if (refused > 0) {
                    std::fprintf(stderr,
                                 "slipstream: http: %u of %zu static files are copied per answer: no engine memory "
                                 "left to share them; raise --memory\n",
                                 refused, files->files().size());
                } else {
                    std::printf("slipstream: http: %zu static files (%llu bytes) sent by reference from engine memory\n",
                                files->files().size(), static_cast<unsigned long long>(files->total_bytes()));
                }
            };
        }
    }
    if (a.udp_echo_port != 0) {
        set.datagrams.push_back({a.udp_echo_port, [](const AppContext&) { return std::make_unique<UdpEcho>(); }});
    }
    if (tcp_client.enabled()) {
        // Queue 0 opens the client's connections, inline.
        set.active.make = [tcp_client](const AppContext& c) {
            return std::make_unique<client::TcpClient>(tcp_client, c.slots);
        };
    }
    return set;
}

}  // namespace slip::apps
