#pragma once
// All options of one engine process, one nested struct per layer (filled in apps/,
// validated once by validate(), then passed on as const&).
#include <cstdint>
#include <string>

#include "dataplane/eal.h"
#include "dataplane/impairment.h"
#include "dataplane/port.h"
#include "dataplane/quic_options.h"
#include "stack/session/stack_options.h"

namespace slip::dataplane {

// The applications, TCP and UDP, come apart from these, as an AppSet (dataplane/app_set.h).
struct EngineOptions {
    EalOptions eal;
    PortOptions port;
    stack::StackOptions stack;
    // Impairment of frames arriving from the port (rx) and leaving to it (tx).
    ImpairmentOptions impair_rx;
    ImpairmentOptions impair_tx;
    // Frames per rte_eth_rx_burst call: twice DPDK's customary 32. A loaded core pays a
    // burst's fixed costs (the poll, the ACKs a TCP burst ends with) half as often; an idle
    // one takes what is there either way. Measured over memif: UDP echo +7-19%, TCP bulk
    // about +10% (the receiver).
    uint32_t burst = 64;
    // How long a TX queue may take nothing before its waiting frames are dropped (a stuck
    // link must not pin buffers forever). Long enough to ride out a peer that stops reading
    // for a few tens of milliseconds (a descheduled VM), short of TCP's minimum RTO.
    uint64_t tx_stall_timeout_ns = 200'000'000;
    // Application placement: 0 runs the applications inline on the polling cores; N > 0
    // runs them on N worker lcores, reached over rings of `worker_ring` events/commands.
    uint16_t workers = 0;
    uint32_t worker_ring = 4096;
    // On a stop request the applications drain (Application::on_drain) for at most this
    // long, or until their connections are gone; 0 stops at once.
    uint64_t drain_timeout_ns = 2'000'000'000;
    // The QUIC server on every polling core (off unless a port is given).
    QuicOptions quic;

    // Empty when valid; else one line naming the option, the problem and the fix.
    std::string validate() const;
};

}  // namespace slip::dataplane
