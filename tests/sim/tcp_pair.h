#pragma once
// What the TCP sim suites share: two stacks over the in-memory link (Pair), a service
// that records every event and byte (Recorder, optionally echoing), a sender that keeps
// a send buffer full (Sender), seeded payloads and lossy link settings.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <ostream>

#include "stack/base/rng.h"
#include "tests/sim/sim_link.h"
#include "tests/support/test_env.h"

namespace slip::test::tcp_sim {

using namespace slip::stack;
using namespace slip::stack::tcp;
using slip::dataplane::ImpairmentOptions;


inline constexpr uint16_t kPort = 7;

inline StackOptions tcp_options(bool side_b, const std::function<void(TcpConfig&)>& tweak = {}) {
    StackOptions o = sim_options(side_b);
    o.tcp.max_connections = 64;
    o.tcp.rcv_buffer = 256 * 1024;
    o.tcp.snd_buffer = 256 * 1024;
    if (tweak) {
        tweak(o.tcp);
    }
    return o;
}

// The application side of a test connection: records events, keeps every byte.
class Recorder final : public TcpService {
public:
    explicit Recorder(TcpLayer& tcp) : m_tcp(tcp) {}
    bool on_accept(TcpHandle h, const FlowKey&, Instant) override {
        handle = h;
        ++accepted;
        return accept;
    }
    void on_connected(TcpHandle h, Instant) override {
        handle = h;
        ++connected;
    }
    void on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) override {
        const Bytes b = bytes_of(data);
        received.insert(received.end(), b.begin(), b.end());
        buf::free(data);
        if (first_data_at == Instant::never()) {
            first_data_at = now;
            state_at_first_data = m_tcp.state(h);
        }
        if (echo) {
            BOOST_REQUIRE(m_tcp.send(h, make_mbuf(b), now));
        }
        if (consume) {
            m_tcp.consume(h, len, now);
        } else {
            unconsumed += len;
        }
    }
    void on_send_space(TcpHandle, Instant) override { ++send_space; }
    void on_peer_closed(TcpHandle h, Instant now) override {
        ++peer_closed;
        if (close_on_peer_close) {
            m_tcp.close(h, now);
        }
    }
    void on_closed(TcpHandle, CloseReason r, Instant) override {
        ++closed;
        reason = r;
    }

    TcpLayer& tcp() { return m_tcp; }

    TcpHandle handle;
    Bytes received;
    uint32_t unconsumed = 0;
    int accepted = 0, connected = 0, peer_closed = 0, closed = 0, send_space = 0;
    CloseReason reason = CloseReason::normal;
    bool accept = true;
    bool consume = true;
    bool close_on_peer_close = false;
    bool echo = false;  // send every byte received straight back
    Instant first_data_at = Instant::never();
    TcpState state_at_first_data = TcpState::closed;

private:
    TcpLayer& m_tcp;
};

inline Bytes pattern(size_t n, uint64_t seed) {
    Rng rng(seed);
    Bytes b(n);
    for (auto& x : b) {
        x = uint8_t(rng.next());
    }
    return b;
}

// Queues `data` on `h` as chains of at most 16 KiB, as fast as the send buffer allows.
struct Sender {
    TcpLayer& tcp;
    TcpHandle h;
    const Bytes& data;
    size_t offset = 0;
    bool close_at_end = false;
    void pump(Instant now) {
        while (offset < data.size()) {
            const size_t n = std::min<size_t>({data.size() - offset, 16 * 1024, tcp.send_space(h)});
            if (n == 0) {
                return;
            }
            Mbuf* head = nullptr;
            Mbuf* last = nullptr;
            for (size_t at = 0; at < n; at += 1400) {
                const size_t take = std::min<size_t>(1400, n - at);
                Mbuf* m = make_mbuf(Bytes(data.begin() + long(offset + at), data.begin() + long(offset + at + take)));
                if (head == nullptr) {
                    head = m;
                } else {
                    buf::chain(head, last, m, uint32_t(take), 1);
                }
                last = m;
            }
            BOOST_REQUIRE(tcp.send(h, head, now));
            offset += n;
        }
        if (close_at_end) {
            close_at_end = false;
            tcp.close(h, now);
        }
    }
};

struct Pair {
    unsigned baseline = mbufs_in_use();
    NetStack a;
    NetStack b;
    SimLink link;
    Pair(const ImpairmentOptions& ab = {}, const ImpairmentOptions& ba = {},
         const std::function<void(TcpConfig&)>& tweak_a = {}, const std::function<void(TcpConfig&)>& tweak_b = {})
        : a(tcp_options(false, tweak_a), kSimMacA, pool(), view_pool()),
          b(tcp_options(true, tweak_b), kSimMacB, pool(), view_pool()),
          link(a, b, ab, ba) {}
    Ipv6Addr b_addr(bool ipv6) const {
        return ipv6 ? *Ipv6Addr::parse("fd00::2") : Ipv6Addr::v4_mapped(*Ipv4Addr::parse("10.0.0.2"));
    }
    // Everything closed and freed: no slot, no buffer left behind.
    void check_clean() {
        link.run_for(Duration::seconds(125), Duration::milliseconds(1));  // past 2 MSL
        for (NetStack* side : {&a, &b}) {
            const TcpGauges g = side->tcp().gauges();
            BOOST_TEST(g.connections == 0u, (side == &a ? "A" : "B")
                                                << ": " << g.connections << " connections left (" << g.established
                                                << " established, " << g.syn_received << " syn-received, "
                                                << g.close_wait << " close-wait, " << g.time_wait << " time-wait)");
            // Never a segment built from bytes the send queue no longer holds.
            BOOST_TEST(side->counters()[DropReason::tcp_send_range_missing] == 0u);
        }
    }
};

inline ImpairmentOptions lossy(double loss, double reorder, uint64_t seed) {
    ImpairmentOptions o;
    o.loss = loss;
    o.reorder = reorder;
    o.delay = Duration::milliseconds(1);
    o.seed = seed;
    return o;
}

}  // namespace slip::test::tcp_sim

namespace slip::stack {
inline std::ostream& operator<<(std::ostream& os, Duration d) { return os << d.ns / 1000 << " us"; }
}  // namespace slip::stack

namespace slip::stack::tcp {
inline std::ostream& operator<<(std::ostream& os, CloseReason r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, TcpState s) { return os << to_string(s); }
}  // namespace slip::stack::tcp
