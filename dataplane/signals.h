#pragma once
// SIGINT/SIGTERM ask the engine to stop cleanly. A signal handler has no context
// pointer, so the request lives in one process-wide lock-free flag: the only global
// state of the dataplane.
#include <atomic>

namespace slip::dataplane {

void install_stop_signals();
// True once SIGINT or SIGTERM arrived.
bool stop_signal_received();

}  // namespace slip::dataplane
