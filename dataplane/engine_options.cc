#include "dataplane/engine_options.h"

#include "dataplane/queue_loop.h"

namespace slip::dataplane {

std::string EngineOptions::validate() const {
    std::string e = eal.validate();
    if (e.empty()) {
        e = port.validate();
    }
    if (e.empty()) {
        e = stack.validate();
    }
    if (e.empty()) {
        e = impair_rx.validate();
    }
    if (e.empty()) {
        e = impair_tx.validate();
    }
    if (e.empty() && (burst == 0 || burst > QueueLoop::kMaxBurst)) {
        e = "burst must be between 1 and " + std::to_string(QueueLoop::kMaxBurst);
    }
    if (e.empty() && workers > 64) {
        e = "--workers " + std::to_string(workers) + ": at most 64 application workers";
    }
    if (e.empty() && workers > 0 && (worker_ring < 64 || worker_ring > (1u << 20))) {
        e = "worker ring size must be between 64 and 1048576";
    }
    if (e.empty()) {
        e = quic.validate();
    }
    if (e.empty() && tx_stall_timeout_ns == 0) {
        e = "tx_stall_timeout_ns must be above zero";
    }
    return e;
}

}  // namespace slip::dataplane
