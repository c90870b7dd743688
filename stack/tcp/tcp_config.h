#pragma once
// Options of the TCP layer of one core (part of StackOptions). Filled in apps/,
// validated once by validate().
#include <cstdint>
#include <string>

#include "stack/base/instant.h"
#include "stack/tcp/congestion.h"

namespace slip::stack::tcp {

struct TcpConfig {
    // Connection slots per core (the memory bound: nothing beyond it is ever allocated).
    uint32_t max_connections = 16384;
    // Receive and send buffer per connection, bytes. The receive window advertised is
    // what is left of rcv_buffer after data the application has not consumed yet.
    uint32_t rcv_buffer = 1u << 20;
    uint32_t snd_buffer = 1u << 20;
    // MSS we announce and accept at most; 0: derived from the 1500-byte MTU (1460 over
    // IPv4, 1440 over IPv6). A clamp below that is honoured both ways.
    uint16_t mss_clamp = 0;
    bool window_scaling = true;  // RFC 7323 §2
    bool timestamps = true;      // RFC 7323 §3-5 (RTTM and PAWS)
    bool sack = true;            // RFC 2018
    CcAlgorithm congestion = CcAlgorithm::cubic;
    uint32_t initcwnd = 10;  // segments (RFC 6928)
    // RFC 9293 §3.7.4 (Nagle): the default of every connection; TcpLayer::set_nodelay
    // turns it off or on per connection.
    bool nagle = true;
    // RFC 9293 §3.6.1: TIME-WAIT lasts 2 * MSL.
    Duration msl = Duration::seconds(30);
    // RFC 9293 §3.8.6.3 / RFC 1122 §4.2.3.2: at most every second full segment unacked,
    // never more than this long.
    Duration delayed_ack = Duration::milliseconds(40);
    // RFC 6298 §2: initial RTO 1 s; min and max bound the backed-off value.
    Duration rto_initial = Duration::seconds(1);
    Duration rto_min = Duration::milliseconds(200);
    Duration rto_max = Duration::seconds(120);
    uint32_t max_retransmits = 15;  // data segments: then the connection is aborted
    uint32_t syn_retries = 6;
    // Keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): off unless a connection asks.
    Duration keepalive_idle = Duration::seconds(7200);
    Duration keepalive_interval = Duration::seconds(75);
    uint32_t keepalive_probes = 9;
    // Half-open connections per listener before SYN cookies engage (RFC 4987 §3.6).
    uint32_t syn_backlog = 1024;
    bool syn_cookies = true;
    // TCP Fast Open (RFC 7413). Server: hand out cookies and accept data on a SYN that
    // carries a valid one. Client: connects that ask for it send their data on the SYN.
    bool fast_open = true;
    // RFC 7413 §5.1: Fast Open connections per listener still in SYN-RECEIVED beyond which
    // SYN data is refused (the handshake goes on as usual and the client resends it).
    uint32_t fast_open_backlog = 256;
    // Servers whose cookies the client side remembers (RFC 7413 §4.1.3); 0: none.
    uint32_t fast_open_cache = 1024;
    // Out-of-order segments held per connection for reassembly.
    uint32_t ooo_segments = 1024;  // a full 1 MiB window of 1448-byte segments fits
    // RSTs for segments of unknown connections and challenge ACKs (RFC 5961 §7), per second.
    uint32_t rst_rate = 1000;
    uint32_t challenge_ack_rate = 1000;

    std::string validate() const;
};

}  // namespace slip::stack::tcp
