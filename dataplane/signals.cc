#include "dataplane/signals.h"

#include <csignal>

namespace slip::dataplane {
namespace {

std::atomic<bool> g_stop_signal{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may only touch lock-free atomics");

void on_stop_signal(int) { g_stop_signal.store(true, std::memory_order_relaxed); }

}  // namespace

void install_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool stop_signal_received() { return g_stop_signal.load(std::memory_order_relaxed); }

}  // namespace slip::dataplane
