// HTTP/3 on every connection of a server endpoint (apps/http3/endpoint_application.h) over an
// in-memory link with virtual time: several of the engine's own HTTP/3 clients at once, each
// answered /bytes/N, a shared static content and a 404 on its own connection; every session
// is freed once its connection is gone, and the stats add up the ones gone.
#include <boost/test/unit_test.hpp>

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "apps/http3/client.h"
#include "apps/http3/endpoint_application.h"
#include "apps/http3/pattern_body.h"
#include "crypto/address_token.h"
#include "stack/quic/endpoint.h"
#include "tests/sim/quic/quic_link.h"

using namespace slip::stack::quic;
using namespace slip::apps::http3;
namespace crypto = slip::crypto;
using slip::test::quic_sim::QuicLink;

namespace {

constexpr uint64_t kSecond = 1000 * kNanosPerMilli;
constexpr uint64_t kDelay = 5 * kNanosPerMilli;

class SeededRandom final : public RandomSource {
public:
    explicit SeededRandom(uint64_t seed) : m_rng(seed) {}
    void fill(std::span<uint8_t> out) override {
        for (uint8_t& b : out) {
            b = uint8_t(m_rng());
        }
    }

private:
    std::mt19937_64 m_rng;
};

PeerAddress address_of(size_t i) {
    PeerAddress a;
    a.addr = {10, 0, uint8_t(i >> 8), uint8_t(i)};
    a.port = uint16_t(40000 + i);
    return a;
}

ConnectionOptions h3_options(Role role) {
    ConnectionOptions o = QuicLink::default_options(role);
    o.params.initial_max_data = 1 << 20;
    o.params.initial_max_stream_data_bidi_local = 128 * 1024;
    o.params.initial_max_stream_data_bidi_remote = 128 * 1024;
    o.params.initial_max_stream_data_uni = 64 * 1024;
    o.params.initial_max_streams_bidi = 16;
    o.params.initial_max_streams_uni = 3;  // RFC 9114 §6.2: control and the two QPACK streams
    o.tx_owner = &Http3Session::tx_owner();
    return o;
}

constexpr std::string_view kHello = "hello over HTTP/3\n";

// A client: its connection, HTTP/3 session and request list.
struct Client {
    Http3Client app{"sim.example"};
    Http3Session session;
    std::unique_ptr<Connection> connection;
    Client() : session(app, [] {
        Http3SessionOptions o;
        o.role = Role::client;
        o.max_streams = 64;
        return o;
    }()) {
        app.bind(session);
    }
};

struct Net {
    PacketProtection protection;
    crypto::AeadEngine engine;
    crypto::AddressTokenCodec tokens;
    EndpointSecrets secrets;
    SeededRandom random{11};
    std::vector<StaticContent> statics{
        {"/hello.txt", std::span(reinterpret_cast<const uint8_t*>(kHello.data()), kHello.size()), "text/plain"}};
    std::unique_ptr<Http3EndpointApplication> app;  // outlives the endpoint's connections
    std::unique_ptr<Endpoint> server;
    std::vector<std::unique_ptr<Client>> clients;
    std::multimap<uint64_t, std::pair<size_t, std::vector<uint8_t>>> to_server, to_client;
    // Nobody counts references to received datagrams (no rx_owner): both sides' are kept.
    std::deque<std::vector<uint8_t>> kept;
    std::deque<std::pair<size_t, std::vector<uint8_t>>> others;  // to addresses of no Client
    uint64_t now = kSecond;

    explicit Net(crypto::TlsContext& server_tls = QuicLink::server_tls()) {
        BOOST_REQUIRE(tokens.randomize(engine));
        BOOST_REQUIRE(secrets.reset_key.randomize());
        BOOST_REQUIRE(secrets.table_key.randomize());
        secrets.tokens = &tokens;
        secrets.engine = &engine;
        EndpointOptions o;
        o.connection = h3_options(Role::server);
        o.max_connections = 8;
        BOOST_REQUIRE_EQUAL(o.validate(), "");
        server = std::make_unique<Endpoint>(o, protection, server_tls, secrets, random);
        app = std::make_unique<Http3EndpointApplication>(server->slot_count(), Http3EndpointOptions{}, statics);
        server->set_application(app.get());
    }
    ~Net() {
        server.reset();  // connections first: they release their writes into the sessions
    }
    Client& add_client() {
        auto c = std::make_unique<Client>();
        std::vector<uint8_t> r(8);
        random.fill(r);
        ConnectionId scid, dcid;
        ConnectionId::from(r, scid);
        random.fill(r);
        ConnectionId::from(r, dcid);
        c->connection = std::make_unique<Connection>(h3_options(Role::client), protection, QuicLink::client_tls(),
                                                     HandshakeIds{scid, dcid, dcid, dcid, false}, now);
        c->session.attach(*c->connection);
        clients.push_back(std::move(c));
        return *clients.back();
    }
    void step() {
        std::vector<uint8_t> buf(1500);
        for (size_t i = 0; i < clients.size(); ++i) {
            clients[i]->app.poll(now);
            while (size_t n = clients[i]->connection->send(buf, now)) {
                to_server.emplace(now + kDelay, std::pair{i, std::vector<uint8_t>(buf.begin(), buf.begin() + long(n))});
            }
        }
        PeerAddress to;
        while (size_t n = server->send(buf, to, now)) {
            const size_t i = size_t(to.addr[2]) << 8 | to.addr[3];
            to_client.emplace(now + kDelay, std::pair{i, std::vector<uint8_t>(buf.begin(), buf.begin() + long(n))});
        }
        uint64_t next = std::min(server->next_timeout(), now + kSecond);
        for (auto& c : clients) {
            next = std::min(next, c->connection->next_timeout());
        }
        for (auto* wire : {&to_server, &to_client}) {
            if (!wire->empty()) {
                next = std::min(next, wire->begin()->first);
            }
        }
        now = std::max(now + kNanosPerMicro, next);
        while (!to_server.empty() && to_server.begin()->first <= now) {
            auto [i, bytes] = std::move(to_server.begin()->second);
            to_server.erase(to_server.begin());
            server->receive(kept.emplace_back(std::move(bytes)), address_of(i), now);
        }
        while (!to_client.empty() && to_client.begin()->first <= now) {
            auto [i, bytes] = std::move(to_client.begin()->second);
            to_client.erase(to_client.begin());
            if (i >= clients.size()) {
                others.emplace_back(i, std::move(bytes));  // for a peer the test drives itself
                continue;
            }
            clients[i]->connection->receive(kept.emplace_back(std::move(bytes)), now);
        }
        server->on_timeout(now);
        for (auto& c : clients) {
            c->connection->on_timeout(now);
        }
    }
    bool run_until_done(uint64_t ns) {
        const uint64_t end = now + ns;
        const auto done = [&] {
            for (auto& c : clients) {
                if (!c->app.done()) {
                    return false;
                }
            }
            return true;
        };
        while (now < end && !done()) {
            step();
        }
        return done();
    }
    void run_for(uint64_t ns) {
        const uint64_t end = now + ns;
        while (now < end) {
            step();
        }
    }
};

void check_pattern(const Http3Response& r, size_t n) {
    BOOST_TEST(r.status == 200);
    BOOST_REQUIRE_EQUAL(r.body.size(), n);
    for (size_t i = 0; i < n; ++i) {
        if (r.body[i] != PatternBody::byte_at(i)) {
            BOOST_FAIL("pattern differs at " << i);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http3_endpoint_sim)

// Each connection gets its own session, all serve the same content, and every session goes
// once its connection is gone.
BOOST_AUTO_TEST_CASE(every_connection_is_served_and_freed) {
    Net net;
    constexpr size_t kClients = 4;
    for (size_t i = 0; i < kClients; ++i) {
        Client& c = net.add_client();
        c.app.get("/bytes/" + std::to_string(300'000 + i));
        c.app.get("/hello.txt");
        c.app.get("/missing");
        for (int k = 0; k < 20; ++k) {
            c.app.get("/bytes/" + std::to_string(100 + k));
        }
    }
    BOOST_REQUIRE(net.run_until_done(20 * kSecond));
    BOOST_TEST(net.app->live_sessions() == kClients);
    for (size_t i = 0; i < kClients; ++i) {
        BOOST_TEST_CONTEXT("client " << i) {
            const auto& r = net.clients[i]->app.responses();
            check_pattern(r[0], 300'000 + i);
            BOOST_TEST(r[1].status == 200);
            BOOST_TEST(std::string(r[1].body.begin(), r[1].body.end()) == kHello);
            BOOST_TEST(r[2].status == 404);
            for (size_t k = 0; k < 20; ++k) {
                check_pattern(r[3 + k], 100 + k);
            }
        }
    }
    Http3EndpointStats s = net.app->stats();
    BOOST_TEST(s.sessions == kClients);
    BOOST_TEST(s.server.requests == kClients * 23);
    BOOST_TEST(s.server.answers == kClients * 23);
    BOOST_TEST(s.server.not_found == kClients);
    for (auto& c : net.clients) {
        c->session.close(net.now);
    }
    net.run_for(5 * kSecond);
    BOOST_TEST(net.server->connections() == 0u);
    BOOST_TEST(net.app->live_sessions() == 0u);
    s = net.app->stats();  // the sessions gone still count
    BOOST_TEST(s.server.answers == kClients * 23);
    BOOST_TEST(s.sessions_failed == 0u);
}

namespace {

// TLS contexts offering HTTP/3 and hq-interop (the server, as the engine's) and only
// hq-interop (a client of the QUIC interop runner's kind).
crypto::TlsContext& tls_with(bool server, std::vector<std::string> alpn) {
    static std::map<bool, std::unique_ptr<crypto::TlsContext>> contexts;
    std::unique_ptr<crypto::TlsContext>& ctx = contexts[server];
    if (ctx == nullptr) {
        ctx = std::make_unique<crypto::TlsContext>();
        crypto::TlsOptions o;
        o.server = server;
        if (server) {
            o.server_side.alpn = alpn;
        } else {
            o.client_side.verify_peer = false;
            o.client_side.alpn = alpn;
        }
        BOOST_REQUIRE_EQUAL(ctx->init(o), "");
    }
    return *ctx;
}

}  // namespace

// One listener, two protocols by ALPN (RFC 7301): an HTTP/3 client gets HTTP/3, a client
// asking for hq-interop gets HTTP/0.9 over QUIC, the same resources.
BOOST_AUTO_TEST_CASE(hq_interop_clients_are_served_by_alpn) {
    Net net(tls_with(true, {"h3", "hq-interop"}));
    Client& h3 = net.add_client();
    h3.app.get("/bytes/3000");
    // The hq client: a bare connection, one request line per stream.
    std::vector<uint8_t> r(8);
    net.random.fill(r);
    ConnectionId scid, dcid;
    ConnectionId::from(r, scid);
    net.random.fill(r);
    ConnectionId::from(r, dcid);
    Connection hq(h3_options(Role::client), net.protection, tls_with(false, {"hq-interop"}),
                  HandshakeIds{scid, dcid, dcid, dcid, false}, net.now);
    const PeerAddress hq_addr = address_of(42);
    std::vector<uint8_t> buf(1500);
    std::deque<std::vector<uint8_t>> kept;
    std::string body;
    bool fin = false;
    uint64_t id = UINT64_MAX;
    static const std::string request = "GET /bytes/7000\r\n";
    for (int i = 0; i < 2000 && !(fin && h3.app.done()); ++i) {
        if (id == UINT64_MAX && hq.state() == ConnectionState::established &&
            hq.streams().open(StreamDirection::bidirectional, id)) {
            BOOST_REQUIRE((hq.streams().write(id, std::span(reinterpret_cast<const uint8_t*>(request.data()),
                                                             request.size()),
                                              nullptr) == StreamWrite::accepted));
            hq.streams().finish(id);
        }
        while (size_t n = hq.send(buf, net.now)) {
            net.server->receive(kept.emplace_back(buf.begin(), buf.begin() + long(n)), hq_addr, net.now);
        }
        StreamEvent e;
        while (hq.streams().next_event(e)) {
            RxPiece pieces[8];
            bool f = false;
            while (size_t n = hq.streams().read(e.id, pieces, f)) {
                uint64_t bytes = 0;
                for (size_t k = 0; k < n; ++k) {
                    body.append(pieces[k].bytes.begin(), pieces[k].bytes.end());
                    bytes += pieces[k].bytes.size();
                }
                hq.streams().consume(e.id, bytes);
            }
            fin = fin || f;
        }
        // The server's answers to the hq client (address 42, no Client of the net's).
        net.step();
        for (auto& [to, bytes] : net.others) {
            BOOST_TEST(to == 42u);
            hq.receive(kept.emplace_back(std::move(bytes)), net.now);
        }
        net.others.clear();
        if (hq.next_timeout() <= net.now) {
            hq.on_timeout(net.now);
        }
    }
    BOOST_TEST(hq.handshake().tls().alpn() == "hq-interop");
    BOOST_TEST(fin);
    BOOST_REQUIRE_EQUAL(body.size(), 7000u);
    for (size_t i = 0; i < body.size(); ++i) {
        if (uint8_t(body[i]) != PatternBody::byte_at(i)) {
            BOOST_FAIL("pattern differs at " << i);
        }
    }
    BOOST_REQUIRE(h3.app.done());
    check_pattern(h3.app.responses()[0], 3000);
    const Http3EndpointStats st = net.app->stats();
    BOOST_TEST(st.hq_connections == 1u);
    BOOST_TEST(st.hq.answered == 1u);
    BOOST_TEST(st.server.answers == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
