#include <cstdio>
#include <memory>

#include "apps/http/server.h"
#include "apps/services/services.h"
#include "apps/slipstream/cli.h"

namespace slip::apps {

namespace {

// The HTTP server's options. The command line has none of its own yet: the defaults serve
// no static files (root empty) and the limits of HttpServerOptions.
http::HttpServerOptions http_options(const RunArgs&) {
    http::HttpServerOptions o;
    return o;
}

// Static files are read once here and shared read-only by every core's server.
std::shared_ptr<const http::StaticFiles> load_static_files(const http::HttpServerOptions& o) {
    if (o.root.empty()) {
        return nullptr;
    }
    auto files = std::make_shared<const http::StaticFiles>(http::StaticFiles::load(o.root, o.static_limits));
    for (const std::string& w : files->warnings()) {
        std::fprintf(stderr, "slipstream: http: %s\n", w.c_str());
    }
    return files;
}

}  // namespace

dataplane::AppSet service_apps(const RunArgs& a) {
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
    if (a.http_port != 0) {
        const http::HttpServerOptions options = http_options(a);
        const std::shared_ptr<const http::StaticFiles> files = load_static_files(options);
        add(a.http_port, [options, files](const AppContext& c) {
            return std::make_unique<http::HttpServer>(c.slots, options, files);
        });
    }
    return set;
}

}  // namespace slip::apps
