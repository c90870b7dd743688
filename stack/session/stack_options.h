#pragma once
// Options of the protocol stack of one core. Filled in apps/, validated once.
#include <cstdint>
#include <optional>
#include <string>

#include "stack/net/addr.h"
#include "stack/net/neighbor_table.h"
#include "stack/tcp/tcp_config.h"

namespace slip::stack {

struct StackOptions {
    // Our IPv4 address and the on-link prefix (e.g. 10.0.0.2/24). Unset: no IPv4.
    std::optional<Ipv4Prefix> ipv4;
    // Next hop for IPv4 destinations outside `ipv4`'s prefix. Unset: those are dropped.
    std::optional<Ipv4Addr> gateway4;
    // Our IPv6 address and on-link prefix (e.g. fd00::2/64). A link-local address
    // derived from the MAC is always added (RFC 4291 §2.1: required on every interface).
    std::optional<Ipv6Prefix> ipv6;
    std::optional<Ipv6Addr> gateway6;
    // TTL / hop limit of packets we originate (RFC 1700 default 64).
    uint8_t ttl = 64;
    uint8_t hop_limit = 64;
    NeighborOptions neighbor;
    // Frames the stack may hold for the port between two transmit calls.
    uint32_t tx_queue_capacity = 2048;
    // ICMP/ICMPv6 error messages per second and burst (RFC 4443 §2.4(f)); 0 disables them.
    uint32_t icmp_error_rate = 100;
    uint32_t icmp_error_burst = 20;
    // Plain IPv4 UDP to a bound port takes the one-pass path (udp4_fast_path.cc). Off only
    // to compare it with the step chain (tests, bench/stack_udp_echo.cc).
    bool udp_fast_path = true;
    // TCP (stack/tcp): connection slots, buffers, options, timers.
    tcp::TcpConfig tcp;
    // This stack's queue among the port's `queues` (flow_steering.h): with several, active
    // opens pick local ports whose segments the port steers to this queue.
    uint16_t queue = 0;
    uint16_t queues = 1;

    // Empty when valid; otherwise one sentence saying what is wrong.
    std::string validate() const;
};

}  // namespace slip::stack
