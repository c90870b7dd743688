#include <memory>

#include "apps/services/http_bytes.h"
#include "apps/services/services.h"
#include "apps/slipstream/cli.h"

namespace slip::apps {

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
    add(a.http_port, [](const AppContext& c) { return std::make_unique<HttpBytes>(c.slots); });
    return set;
}

}  // namespace slip::apps
