// The engine's QUIC client endpoint between a real stack (frames in, frames out) and a
// server endpoint of our own on the peer's address: a connection opened by the application
// completes its handshake through Ethernet/IPv4/UDP frames from the client's ephemeral port,
// the application gets its turns and, once the connection closed and went, its end; a
// client Initial sent to the client's port makes no connection (a client-only endpoint);
// and no buffer is kept.
#include "dataplane/quic_client_service.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "stack/session/net_stack.h"
#include "tests/support/frames.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::dataplane;
using namespace slip::stack;
using namespace slip::test;
namespace sq = slip::stack::quic;
namespace crypto = slip::crypto;

namespace {

constexpr uint16_t kServerPort = 4433;
constexpr size_t kHeaders = 14 + 20 + 8;  // Ethernet, IPv4 without options, UDP

// Opens `want` connections to the peer, then closes each once its handshake is confirmed.
class HandshakeOnly final : public QuicClientApplication {
public:
    explicit HandshakeOnly(uint32_t want) : m_want(want) { m_stats.enabled = 1; }
    bool poll(QuicClientService& client, uint64_t now_ns) override {
        bool acted = false;
        while (m_stats.started < m_want) {
            sq::PeerAddress server;
            server.addr = {10, 0, 0, 1};
            server.port = kServerPort;
            if (client.connect(server, now_ns) == QuicClientService::kNoSlot) {
                ++m_stats.connect_errors;
                break;
            }
            ++m_stats.started;
            acted = true;
        }
        return acted;
    }
    const ClientStats& stats() const override { return m_stats; }
    void on_drain(QuicClientService&, uint64_t) override {}
    void on_turn(uint32_t, sq::Connection& connection, uint64_t now_ns) override {
        ++turns;
        if (connection.handshake_confirmed() && connection.state() == sq::ConnectionState::established) {
            ++m_stats.connected;
            connection.close_application(0x100, now_ns);  // H3_NO_ERROR
        }
    }
    void on_freed(uint32_t) override { ++m_stats.completed; }

    uint64_t turns = 0;

private:
    uint32_t m_want;
    ClientStats m_stats;
};

StackOptions stack_options() {
    StackOptions o;
    o.ipv4 = Ipv4Prefix::parse("10.0.0.2/24");
    return o;
}

// A server endpoint standing for the peer at 10.0.0.1 (its datagrams put into frames by the
// test), with an ephemeral certificate.
struct Server {
    crypto::TlsContext tls;
    sq::PacketProtection protection;
    crypto::AddressTokenCodec tokens;
    sq::EndpointSecrets secrets;
    BufferedRandom random;
    std::unique_ptr<sq::Endpoint> endpoint;
    Server() {
        crypto::TlsOptions t;
        BOOST_REQUIRE_EQUAL(tls.init(t), "");
        BOOST_REQUIRE(secrets.reset_key.randomize());
        BOOST_REQUIRE(secrets.table_key.randomize());
        BOOST_REQUIRE(tokens.init(protection.aead(), std::array<uint8_t, 16>{1, 2, 3}, 7));
        secrets.tokens = &tokens;
        secrets.engine = &protection.aead();
        sq::EndpointOptions o;
        o.connection.role = sq::Role::server;
        o.connection.params.max_idle_timeout_ms = 30000;
        o.connection.max_datagram_size = 1232;
        o.max_connections = 8;
        endpoint = std::make_unique<sq::Endpoint>(o, protection, tls, secrets, random);
    }
};

struct Core {
    NetStack net{stack_options(), kEngineMac, pool()};
    std::unique_ptr<QuicClientService> client;
    HandshakeOnly* app = nullptr;
    Instant now{1'000'000'000};

    explicit Core(uint32_t connections) {
        QuicClientOptions o;
        o.tls.verify_peer = false;
        o.connection.role = sq::Role::client;
        o.connection.params.max_idle_timeout_ms = 30000;
        o.connection.max_datagram_size = 1232;
        o.max_connections = 8;
        auto a = std::make_unique<HandshakeOnly>(connections);
        app = a.get();
        std::string error;
        client = QuicClientService::create(o, std::move(a), pool(), 0, error);
        BOOST_REQUIRE_MESSAGE(client != nullptr, error);
        BOOST_REQUIRE(net.udp_bind(client->port(), client.get()));
        // The peer resolves us first, so datagrams to it go out at once.
        Mbuf* arp = make_mbuf(make_ethernet(MacAddr::broadcast(), kPeerMac, 0x0806,
                                            make_arp(1, kPeerMac, kPeerIp, MacAddr{}, kEngineIp)));
        net.rx({&arp, 1}, now);
        drain();
    }
    // A poll of the client; the UDP payloads it sent (to the server's port, from its own).
    std::vector<Bytes> poll() {
        client->poll(net, now);
        std::vector<Bytes> payloads;
        for (const Bytes& f : drain()) {
            BOOST_REQUIRE(f.size() > kHeaders);
            BOOST_TEST((f[kHeaders - 8] << 8 | f[kHeaders - 7]) == client->port());
            BOOST_TEST((f[kHeaders - 6] << 8 | f[kHeaders - 5]) == kServerPort);
            payloads.emplace_back(f.begin() + kHeaders, f.end());
        }
        return payloads;
    }
    void deliver(const Bytes& datagram, uint16_t from_port = kServerPort) {
        Mbuf* m = make_mbuf(make_udp4_frame(from_port, client->port(), datagram));
        net.rx({&m, 1}, now);
    }
    std::vector<Bytes> drain() {
        std::vector<Bytes> out;
        Mbuf* tx[64];
        while (const uint32_t n = net.poll_tx(tx)) {
            for (uint32_t i = 0; i < n; ++i) {
                out.push_back(bytes_of(tx[i]));
            }
            buf::free_bulk({tx, n});
        }
        return out;
    }
};

// Client and server exchange datagrams until `done` or `rounds` milliseconds passed.
template <class Done>
void run(Core& core, Server& server, int rounds, Done done) {
    sq::PeerAddress client_addr;
    client_addr.addr = {10, 0, 0, 2};
    client_addr.port = core.client->port();
    Bytes buf(1500);
    for (int round = 0; round < rounds && !done(); ++round) {
        for (Bytes& d : core.poll()) {
            server.endpoint->receive(d, client_addr, core.now.ns);
        }
        if (core.now.ns >= server.endpoint->next_timeout()) {
            server.endpoint->on_timeout(core.now.ns);
        }
        sq::PeerAddress to;
        while (size_t n = server.endpoint->send(buf, to, core.now.ns)) {
            BOOST_TEST((to == client_addr));
            core.deliver(Bytes(buf.begin(), buf.begin() + long(n)));
        }
        core.now = core.now + Duration::milliseconds(1);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quic_client_service)

BOOST_FIXTURE_TEST_CASE(handshakes_through_the_stack_and_the_end_reaches_the_application, LeakCheck) {
    Server server;
    Core core(2);
    BOOST_TEST(core.client->port() >= 49152);  // RFC 6335 §6: an ephemeral port
    run(core, server, 2000, [&] { return core.app->stats().completed == 2; });
    BOOST_TEST(core.app->stats().started == 2u);
    BOOST_TEST(core.app->stats().connected == 2u);
    BOOST_TEST(core.app->stats().completed == 2u);  // closed and freed
    BOOST_TEST(core.app->turns > 4u);
    BOOST_TEST(core.client->counters().connected == 2u);
    BOOST_TEST(server.endpoint->counters().accepted == 2u);
}

// A client-only endpoint: an Initial to the client's port is no new connection.
BOOST_FIXTURE_TEST_CASE(a_client_initial_makes_no_connection, LeakCheck) {
    Server server;
    Core core(0);
    Bytes d = {0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    const size_t body = 1200 - d.size() - 2;
    d.push_back(uint8_t(0x40 | body >> 8));
    d.push_back(uint8_t(body));
    d.resize(1200, 0x55);
    core.deliver(d, 50000);
    BOOST_TEST(core.poll().empty());
    BOOST_TEST(core.client->counters().accepted == 0u);
    BOOST_TEST(core.client->counters().datagrams == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
