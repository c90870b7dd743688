// The data path does not allocate: after warm-up, a steady stream of echoes through two
// stacks makes no call to operator new (the stack's containers are sized at start).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "apps/http/server.h"
#include "apps/services/udp_echo.h"
#include "tests/sim/app_server.h"
#include "tests/sim/sim_link.h"
#include "tests/sim/tcp_pair.h"
#include "tests/support/test_env.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}

// Counting replacements for the global allocation functions of this test binary.
void* operator new(size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

using namespace slip::stack;
using namespace slip::test;

namespace {
// Counts datagrams without keeping them (UdpCollector would allocate).
class Counter final : public UdpService {
public:
    UdpAction on_datagram(Mbuf* payload, const UdpMeta&, Instant) override {
        ++count;
        buf::free(payload);
        return UdpAction::consumed;
    }
    uint64_t count = 0;
};

// An HTTP client that keeps one request in flight on a kept-alive connection and counts
// the answer's bytes without keeping them (Recorder would allocate).
class HttpLoop final : public tcp::TcpService {
public:
    HttpLoop(tcp::TcpLayer& tcp, uint32_t answer_len) : m_tcp(tcp), m_answer_len(answer_len) {}
    void on_connected(tcp::TcpHandle h, Instant now) override {
        handle = h;
        request(now);
    }
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override {
        buf::free(data);
        m_tcp.consume(h, len, now);
        m_pending -= len;
        if (m_pending == 0) {
            ++answers;
            if (!stopping) {
                request(now);
            }
        }
    }
    tcp::TcpHandle handle;
    uint64_t answers = 0;
    bool stopping = false;  // no new request after the answer in flight

private:
    void request(Instant now) {
        static constexpr char kGet[] = "GET /bytes/100 HTTP/1.1\r\nHost: b\r\n\r\n";
        Mbuf* m = rte_pktmbuf_alloc(pool());
        std::memcpy(rte_pktmbuf_append(m, sizeof kGet - 1), kGet, sizeof kGet - 1);
        m_pending = m_answer_len;
        BOOST_REQUIRE(m_tcp.send(handle, m, now));
    }
    tcp::TcpLayer& m_tcp;
    uint32_t m_answer_len;
    uint32_t m_pending = 0;
};
}  // namespace

BOOST_AUTO_TEST_SUITE(hot_path_alloc)

BOOST_AUTO_TEST_CASE(steady_state_echo_allocates_nothing) {
    NetStack a(sim_options(false), kSimMacA, pool());
    NetStack b(sim_options(true), kSimMacB, pool());
    slip::apps::UdpEcho echo;
    Counter counter;
    b.udp_bind(7, &echo);
    a.udp_bind(5000, &counter);
    SimLink link(a, b);
    UdpFlow flow;
    flow.remote4 = *Ipv4Addr::parse("10.0.0.2");
    flow.local_port = 5000;
    flow.remote_port = 7;
    for (bool ipv6 : {false, true}) {
        flow.ipv6 = ipv6;
        flow.remote6 = *Ipv6Addr::parse("fd00::2");
        Mbuf* first = rte_pktmbuf_alloc(pool());
        rte_pktmbuf_append(first, 64);
        a.udp_send(first, flow, link.now());
        link.step();  // warm-up: neighbor resolution
    }
    const uint64_t before = g_allocations.load();
    for (int i = 0; i < 10000; ++i) {
        flow.ipv6 = (i & 1) != 0;
        Mbuf* m = rte_pktmbuf_alloc(pool());
        rte_pktmbuf_append(m, static_cast<uint16_t>(64 + i % 1000));
        a.udp_send(m, flow, link.now());
        link.step();
    }
    const uint64_t during = g_allocations.load() - before;
    BOOST_TEST(counter.count == 10002u);
    BOOST_TEST(during == 0u, "operator new calls on the data path");
}

// Keep-alive HTTP through the TCP stacks and the HTTP/1.1 server (parser, answers, the Date
// field from the system clock, its timers): after warm-up, requests allocate nothing.
BOOST_AUTO_TEST_CASE(steady_state_http_allocates_nothing) {
    tcp_sim::Pair p;
    {
        AppHost host(p.b.tcp());
        slip::apps::http::HttpServer http(64);
        host.serve(80, http);
        const std::string head = "HTTP/1.1 200 OK\r\nServer: slipstream\r\nDate: " +
                                 std::string(slip::apps::http::kImfFixdateLength, 'x') +
                                 "\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n";
        HttpLoop client(p.a.tcp(), uint32_t(head.size() + 100));
        BOOST_REQUIRE(p.a.tcp().connect(p.b_addr(false), 80, &client, p.link.now()).valid());
        p.link.run_for(Duration::milliseconds(50));  // warm-up: neighbours, handshake, strings
        BOOST_REQUIRE(client.answers > 10u);
        const uint64_t answers_before = client.answers;
        const uint64_t before = g_allocations.load();
        p.link.run_for(Duration::milliseconds(500));
        const uint64_t during = g_allocations.load() - before;
        BOOST_TEST(client.answers - answers_before > 1000u);
        BOOST_TEST(during == 0u, "operator new calls while serving requests");
        BOOST_TEST(http.stats().errors == 0u);
        client.stopping = true;
        p.link.run_for(Duration::milliseconds(10));
        p.a.tcp().close(client.handle, p.link.now());
        p.link.run_for(Duration::milliseconds(50));
    }
    p.check_clean();
}

BOOST_AUTO_TEST_SUITE_END()
