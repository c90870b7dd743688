#pragma once
// The applications an engine serves, given to it by whoever composes it (apps/): the
// dataplane knows none of them by name. Each entry is a listening port and a factory; every
// polling core makes its own instance (shared-nothing) and serves it inline.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "stack/app/application.h"
#include "stack/app/byte_store.h"

namespace slip::dataplane {

// What a factory learns about the core its instance will run on.
struct AppContext {
    uint16_t queue = 0;
    // Connections::slot_count() of that core: the size of per-connection arrays.
    uint32_t slots = 0;
};

struct ListenerSpec {
    uint16_t port = 0;
    std::function<std::unique_ptr<app::Application>(const AppContext&)> make;
    // Runs once, on the thread that builds the engine, before any instance is made: bytes
    // the instances will send many times (static files) are registered here.
    std::function<void(app::ByteStore&)> prepare;
};

using AppSet = std::vector<ListenerSpec>;

}  // namespace slip::dataplane
