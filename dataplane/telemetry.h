#pragma once
// Engine counters rendered for people (a compact table) and for programs (JSON).
#include <string>

#include "dataplane/engine.h"

namespace slip::dataplane {

// Multi-line summary: port, per-queue traffic, impairment, stack events and every
// non-zero drop reason with its description.
std::string format_text(const EngineSnapshot& s);
// One line for periodic printing.
std::string format_line(const EngineSnapshot& s);
// {"port":{...},"queues":[...],"total":{"stack":{"events":{...},"drops":{...}},...}}
std::string format_json(const EngineSnapshot& s);

}  // namespace slip::dataplane
