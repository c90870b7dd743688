#pragma once
// The counters of the engine's load generator: an active application (AppSet::active) that
// opens connections itself and fills these; they are published with its core's counters
// and printed as the client's (telemetry). The dataplane knows the counters, not the
// application that fills them.
#include <algorithm>
#include <cstdint>

#include "stack/base/latency_histogram.h"

namespace slip::dataplane {

// Trivially copyable, so it travels with the per-queue counters.
struct ClientStats {
    uint64_t started = 0;    // connect() calls that got a handle
    uint64_t connected = 0;  // reached ESTABLISHED
    uint64_t completed = 0;  // finished their work and closed normally
    uint64_t failed = 0;     // refused, reset, timed out, or closed early
    uint64_t connect_errors = 0;  // connect() found no slot, route or local port (retried)
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    uint64_t requests = 0;   // http, http-keepalive: answers received whole
    uint64_t first_connect_ns = 0;  // engine clock
    uint64_t last_done_ns = 0;
    uint64_t done = 0;  // 1: every connection it was to make is over
    uint64_t enabled = 0;
    stack::LatencyHistogram latency;  // rr: each round trip; http: connect to last byte

    ClientStats& operator+=(const ClientStats& o) {
        started += o.started;
        connected += o.connected;
        completed += o.completed;
        failed += o.failed;
        connect_errors += o.connect_errors;
        bytes_sent += o.bytes_sent;
        bytes_received += o.bytes_received;
        requests += o.requests;
        if (o.enabled != 0) {
            first_connect_ns = first_connect_ns == 0 ? o.first_connect_ns : std::min(first_connect_ns, o.first_connect_ns);
            last_done_ns = std::max(last_done_ns, o.last_done_ns);
            done = o.done;
            enabled = 1;
        }
        latency += o.latency;
        return *this;
    }
};

}  // namespace slip::dataplane
