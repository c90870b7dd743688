// The engine's TCP client (apps/client/tcp_client.h), an application on A's TCP through the
// application interface as the engine runs it (inline, polled), against the engine's own
// services on B over the in-memory link with a 1 ms one-way delay: every mode completes its
// work, counts what it did, times round trips, and with Fast Open puts requests on the SYN.
#include <boost/test/unit_test.hpp>

#include "apps/client/tcp_client.h"
#include "apps/http/server.h"
#include "apps/services/services.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcp_sim;
using slip::apps::client::ClientMode;
using slip::apps::client::TcpClient;
using slip::apps::client::TcpClientOptions;
using slip::dataplane::ClientStats;
using slip::dataplane::ImpairmentOptions;

namespace {

ImpairmentOptions one_ms() {
    ImpairmentOptions o;
    o.delay = Duration::milliseconds(1);
    return o;
}

// B serves echo (7), discard (9), a 100 kB source (19) and HTTP (80), the applications
// of apps/services and apps/http through the application interface.
struct Servers {
    AppHost host;
    slip::apps::Echo echo{64};
    slip::apps::Discard discard;
    slip::apps::Source source{64, 100'000};
    slip::apps::http::HttpServer http{64};
    explicit Servers(TcpLayer& tcp) : host(tcp) {
        host.serve(7, echo);
        host.serve(9, discard);
        host.serve(19, source);
        host.serve(80, http);
    }
};

// Polls the client every millisecond, as the engine's queue 0 does every poll.
ClientStats run_client(Pair& p, TcpClientOptions o, Duration limit = Duration::seconds(60)) {
    o.remote = p.b_addr(false);
    AppHost host(p.a.tcp());
    BOOST_REQUIRE(o.validate(host.binding.slot_count()).empty());
    TcpClient client(o, host.binding.slot_count());
    const Instant end = p.link.now() + limit;
    while (client.stats().done == 0 && p.link.now() < end) {
        host.binding.set_now(p.link.now());
        client.poll(host.binding);
        p.link.run_for(Duration::milliseconds(1));
    }
    BOOST_TEST(client.stats().done == 1u);
    p.link.run_for(Duration::milliseconds(100));
    return client.stats();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_client_sim)

BOOST_AUTO_TEST_CASE(rr_times_every_round_trip) {
    Pair p(one_ms(), one_ms());
    Servers servers(p.b.tcp());
    TcpClientOptions o;
    o.port = 7;
    o.mode = ClientMode::rr;
    o.bytes = 64;
    o.rounds = 100;
    o.count = 3;
    o.connections = 2;
    const ClientStats s = run_client(p, o);
    BOOST_TEST(s.completed == 3u);
    BOOST_TEST(s.failed == 0u);
    BOOST_TEST(s.latency.count() == 300u);
    BOOST_TEST(s.bytes_sent == 300u * 64);
    BOOST_TEST(s.bytes_received == 300u * 64);
    // 2 ms round trips on the link (delayed ACKs never hold a response: data goes at once).
    BOOST_TEST(s.latency.quantile(0.5) >= 1'900'000u);
    BOOST_TEST(s.latency.quantile(0.99) <= 2'300'000u);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(http_with_fast_open_saves_a_round_trip) {
    Pair p(one_ms(), one_ms());
    Servers servers(p.b.tcp());
    TcpClientOptions o;
    o.port = 80;
    o.mode = ClientMode::http;
    o.bytes = 1000;
    o.count = 5;
    o.fast_open = true;
    const ClientStats s = run_client(p, o);
    BOOST_TEST(s.completed == 5u);
    BOOST_TEST(s.failed == 0u);
    BOOST_TEST(s.latency.count() == 5u);
    BOOST_TEST(p.b.counters()[Event::tcp_fast_open_accepted] == 4u);  // all but the first
    BOOST_TEST(servers.http.requests() == 5u);
    BOOST_TEST(s.bytes_received > 5u * 1000);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(send_and_echo_move_every_byte) {
    Pair p(one_ms(), one_ms());
    Servers servers(p.b.tcp());
    TcpClientOptions o;
    o.port = 9;
    o.mode = ClientMode::send;
    o.bytes = 3'000'000;
    const ClientStats sent = run_client(p, o);
    BOOST_TEST(sent.completed == 1u);
    BOOST_TEST(sent.bytes_sent == 3'000'000u);
    BOOST_TEST(servers.discard.bytes() == 3'000'000u);
    // Echo: the source on B sends 100 kB and closes; the client sends it all back.
    TcpClientOptions e;
    e.port = 19;
    e.mode = ClientMode::echo;
    const ClientStats echoed = run_client(p, e);
    BOOST_TEST(echoed.completed == 1u);
    BOOST_TEST(echoed.bytes_received == 100'000u);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(refused_connections_count_as_failed) {
    Pair p(one_ms(), one_ms());
    TcpClientOptions o;
    o.port = 4444;
    o.mode = ClientMode::http;
    o.count = 3;
    const ClientStats s = run_client(p, o);
    BOOST_TEST(s.completed == 0u);
    BOOST_TEST(s.failed == 3u);
    p.check_clean();
}

// The engine stopping (on_drain): nothing new opens and the open connections are reset at
// once (neither completed nor failed), so the engine need not wait for a load generator.
BOOST_AUTO_TEST_CASE(drain_stops_opening_and_resets_the_open_ones) {
    Pair p(one_ms(), one_ms());
    Servers servers(p.b.tcp());
    TcpClientOptions o;
    o.port = 9;
    o.mode = ClientMode::send;
    o.count = 0;  // until stopped
    o.connections = 3;
    o.remote = p.b_addr(false);
    AppHost host(p.a.tcp());
    TcpClient client(o, host.binding.slot_count());
    for (int i = 0; i < 50; ++i) {
        host.binding.set_now(p.link.now());
        client.poll(host.binding);
        p.link.run_for(Duration::milliseconds(1));
    }
    BOOST_TEST(client.stats().started == 3u);
    BOOST_TEST(host.binding.gauges().connections == 3u);
    BOOST_TEST(client.stats().bytes_sent > 0u);
    host.binding.set_now(p.link.now());
    client.on_drain(host.binding);
    client.poll(host.binding);
    BOOST_TEST(host.binding.gauges().connections == 0u);
    BOOST_TEST(client.stats().started == 3u);
    BOOST_TEST(client.stats().completed + client.stats().failed == 0u);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(options_are_validated) {
    TcpClientOptions o;
    BOOST_TEST(o.validate(64).empty());  // no client at all
    o.port = 7;
    o.connections = 65;
    BOOST_TEST(!o.validate(64).empty());
    o.connections = 1;
    o.mode = ClientMode::rr;
    o.bytes = 0;
    BOOST_TEST(!o.validate(64).empty());
    ClientMode m;
    BOOST_TEST(parse_client_mode("http", m));
    BOOST_TEST((m == ClientMode::http));
    BOOST_TEST(!parse_client_mode("ftp", m));
}

BOOST_AUTO_TEST_SUITE_END()
