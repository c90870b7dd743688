#include "tests/fuzz/netstack_rx_target.h"
#include "tests/fuzz/tcp_echo_service.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "stack/session/net_stack.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

namespace slip::test {
namespace {

// RFC 862 echo over UDP: the datagram goes back as it came.
struct UdpEcho final : stack::UdpService {
    stack::UdpAction on_datagram(stack::Mbuf*, const stack::UdpMeta&, stack::Instant) override {
        return stack::UdpAction::reflect;
    }
};

struct Target {
    stack::NetStack net;
    UdpEcho echo;
    FuzzTcpEcho tcp_echo;
    stack::Instant now{1'000'000'000};
    Target()
        : net(
              [] {
                  stack::StackOptions o;
                  o.ipv4 = stack::Ipv4Prefix::parse("10.0.0.2/24");
                  o.ipv6 = stack::Ipv6Prefix::parse("fd00::2/64");
                  o.gateway4 = stack::Ipv4Addr::parse("10.0.0.254");
                  // One frame opens one connection at most, and every input ends with
                  // abort_all, which visits every slot: a few slots keep that cheap.
                  o.tcp.max_connections = 64;
                  return o;
              }(),
              kEngineMac, pool()),
          tcp_echo(net.tcp()) {
        net.udp_bind(7, &echo);
        net.tcp().listen(7, &tcp_echo);  // SYNs reach LISTEN, options and cookies get parsed
    }
};

}  // namespace

int netstack_rx_one(const uint8_t* data, size_t size) {
    static Target* t = new Target;
    if (size > 2000) {
        return 0;
    }
    static const unsigned baseline = mbufs_in_use();
    stack::Mbuf* m = make_mbuf(std::vector<uint8_t>(data, data + size));
    t->net.rx({&m, 1}, t->now);
    stack::Mbuf* out[64];
    while (uint32_t n = t->net.poll_tx(out)) {
        stack::buf::free_bulk({out, n});
    }
    // Let timers run now and then, so queued packets for unresolved neighbors are given
    // up and freed (they are legitimately held until then).
    t->now = t->now + stack::Duration::milliseconds(50);
    t->net.on_timer(t->now);
    while (uint32_t n = t->net.poll_tx(out)) {
        stack::buf::free_bulk({out, n});
    }
    // Connections a frame opened hold buffers (header reserve, queued data): each input
    // starts from an empty table, so what is left over must be a leak.
    t->net.tcp().abort_all(t->now);
    t->net.tcp().release_spare_buffers();
    t->net.on_timer(t->now);  // frees what the aborts' RSTs dropped (freed in batches)
    while (uint32_t n = t->net.poll_tx(out)) {
        stack::buf::free_bulk({out, n});
    }
    const unsigned held = t->net.neighbors().pending_packets();
    if (mbufs_in_use() != baseline + held) {
        std::fprintf(stderr, "netstack_rx: %u buffers in use, expected %u + %u held\n", mbufs_in_use(), baseline, held);
        std::abort();
    }
    return 0;
}

}  // namespace slip::test
