// The server endpoint (stack/quic/endpoint.h) with many of the engine's own client
// connections over an in-memory link with virtual time: a hundred handshakes on one core,
// Version Negotiation for an unknown version, small Initials dropped (RFC 9000 §14.1),
// stateless resets for unknown connections (§10.3), and connection slots freed when
// connections end.
#include <boost/test/unit_test.hpp>

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "crypto/aead.h"
#include "crypto/address_token.h"
#include "stack/quic/endpoint.h"
#include "tests/sim/quic/quic_link.h"

using namespace slip::stack::quic;
namespace crypto = slip::crypto;

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
    a.len = 4;
    a.port = uint16_t(40000 + i);
    return a;
}

using slip::test::quic_sim::QuicLink;

struct Net {
    crypto::TlsContext& server_tls = QuicLink::server_tls();
    crypto::TlsContext& client_tls = QuicLink::client_tls();
    PacketProtection protection;
    crypto::AeadEngine engine;
    crypto::AddressTokenCodec tokens;
    EndpointSecrets secrets;
    SeededRandom random{7};
    std::unique_ptr<Endpoint> server;
    std::vector<std::unique_ptr<Connection>> clients;
    struct InFlight {
        bool to_server;
        size_t client;
        std::vector<uint8_t> bytes;
    };
    std::multimap<uint64_t, InFlight> wire;
    uint64_t now = kSecond;
    std::vector<std::vector<uint8_t>> replies;  // datagrams the server sent to unknown addresses
    std::map<size_t, PeerAddress> moved;        // clients whose datagrams come from elsewhere
    std::deque<std::vector<uint8_t>> received;  // every datagram the clients got

    explicit Net(EndpointOptions o = options()) {
        BOOST_REQUIRE(tokens.randomize(engine));
        BOOST_REQUIRE(secrets.reset_key.randomize());
        BOOST_REQUIRE(secrets.table_key.randomize());
        secrets.tokens = &tokens;
        secrets.engine = &engine;
        BOOST_REQUIRE_EQUAL(o.validate(), "");
        server = std::make_unique<Endpoint>(o, protection, server_tls, secrets, random);
    }
    static EndpointOptions options() {
        EndpointOptions o;
        o.connection = slip::test::quic_sim::QuicLink::default_options(Role::server);
        o.max_connections = 200;
        return o;
    }
    size_t add_client() {
        const size_t i = clients.size();
        std::vector<uint8_t> r(8);
        random.fill(r);
        ConnectionId scid, dcid;
        ConnectionId::from(r, scid);
        random.fill(r);
        ConnectionId::from(r, dcid);
        clients.push_back(std::make_unique<Connection>(slip::test::quic_sim::QuicLink::default_options(Role::client),
                                                       protection, client_tls,
                                                       HandshakeIds{scid, dcid, dcid, dcid, false}, now));
        return i;
    }
    void flush() {
        std::vector<uint8_t> buf(1500);
        for (size_t i = 0; i < clients.size(); ++i) {
            while (size_t n = clients[i]->send(buf, now)) {
                wire.emplace(now + kDelay, InFlight{true, i, {buf.begin(), buf.begin() + long(n)}});
            }
        }
        PeerAddress to;
        while (size_t n = server->send(buf, to, now)) {
            size_t i = size_t(to.addr[2]) << 8 | to.addr[3];
            for (const auto& [client, address] : moved) {
                i = address == to ? client : i;  // a client that sends from elsewhere hears there
            }
            wire.emplace(now + kDelay, InFlight{false, i, {buf.begin(), buf.begin() + long(n)}});
        }
    }
    void run_for(uint64_t ns) {
        const uint64_t end = now + ns;
        flush();
        while (now < end) {
            uint64_t next = std::min(end, server->next_timeout());
            for (auto& c : clients) {
                next = std::min(next, c->next_timeout());
            }
            if (!wire.empty()) {
                next = std::min(next, wire.begin()->first);
            }
            now = std::max(now + kNanosPerMicro, next);
            while (!wire.empty() && wire.begin()->first <= now) {
                InFlight f = std::move(wire.begin()->second);
                wire.erase(wire.begin());
                if (f.to_server) {
                    const auto m = moved.find(f.client);
                    server->receive(f.bytes, m != moved.end() ? m->second : address_of(f.client), now);
                } else if (f.client < clients.size()) {
                    // Kept for the test's length: stream data stays where it arrived.
                    clients[f.client]->receive(received.emplace_back(std::move(f.bytes)), now);
                } else {
                    replies.push_back(std::move(f.bytes));
                }
            }
            server->on_timeout(now);
            for (auto& c : clients) {
                if (c->next_timeout() <= now) {
                    c->on_timeout(now);
                }
            }
            flush();
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint_sim)

BOOST_AUTO_TEST_CASE(a_hundred_handshakes_on_one_core) {
    Net net;
    for (int i = 0; i < 100; ++i) {
        net.add_client();
    }
    net.run_for(kSecond);
    for (size_t i = 0; i < net.clients.size(); ++i) {
        BOOST_TEST_CONTEXT("client " << i) {
            BOOST_TEST(net.clients[i]->handshake_confirmed());
        }
    }
    BOOST_TEST(net.server->connections() == 100u);
    BOOST_TEST(net.server->counters().accepted == 100u);
    BOOST_TEST(net.server->handshakes() == 0u);
    // Every server CID carries this core's index (the CID layout).
    const CidLayout layout(CidLayoutOptions{});
    for (size_t s = 0; s < net.server->slot_count(); ++s) {
        if (const Connection* c = net.server->connection(s)) {
            uint8_t core = 9;
            BOOST_TEST(layout.core_of(c->local_cid().span(), core));
            BOOST_TEST(core == 0);
        }
    }
    // Closing them all frees every slot (after the draining period).
    for (auto& c : net.clients) {
        c->close(TransportError::no_error, 0, net.now);
    }
    net.run_for(5 * kSecond);
    BOOST_TEST(net.server->connections() == 0u);
}

// RFC 9000 §6: a version we do not speak gets Version Negotiation listing ours, with the
// connection IDs swapped; a small datagram gets nothing (it could be spoofed to amplify).
BOOST_AUTO_TEST_CASE(unknown_versions_get_version_negotiation) {
    Net net;
    std::vector<uint8_t> d = {0xc0, 0xfa, 0xce, 0xb0, 0x0c, 4, 1, 2, 3, 4, 2, 9, 9};
    d.resize(1200, 0);
    net.server->receive(d, address_of(999), net.now);
    std::vector<uint8_t> small(d.begin(), d.begin() + 100);
    net.server->receive(small, address_of(999), net.now);
    std::vector<uint8_t> out(1500);
    PeerAddress to;
    const size_t n = net.server->send(out, to, net.now);
    BOOST_REQUIRE(n > 0u);
    BOOST_TEST((to == address_of(999)));
    PacketHeader h;
    BOOST_REQUIRE((parse_packet_header(std::span(out.data(), n), 8, h) == HeaderStatus::ok));
    BOOST_TEST((h.type == PacketType::version_negotiation));
    BOOST_TEST((std::vector<uint8_t>(h.dcid.begin(), h.dcid.end()) == std::vector<uint8_t>{9, 9}));
    BOOST_TEST((std::vector<uint8_t>(h.scid.begin(), h.scid.end()) == std::vector<uint8_t>{1, 2, 3, 4}));
    BOOST_TEST(h.versions.size() == 8u);
    BOOST_TEST(net.server->send(out, to, net.now) == 0u);  // nothing for the small one
    BOOST_TEST(net.server->counters().version_negotiations == 1u);
    BOOST_TEST(net.server->counters().dropped_unknown == 1u);
}

// RFC 9000 §14.1: a client Initial in a datagram under 1200 bytes makes no connection.
BOOST_AUTO_TEST_CASE(small_initials_are_dropped) {
    Net net;
    // A client that pads its Initial to 1100 bytes only (a broken one, or a spoofer).
    ConnectionOptions o = slip::test::quic_sim::QuicLink::default_options(Role::client);
    o.max_datagram_size = 1100;
    const ConnectionId cid = slip::test::quic_sim::QuicLink::cid_of(0x33);
    Connection client(o, net.protection, net.client_tls, HandshakeIds{cid, cid, cid, cid, false}, net.now);
    std::vector<uint8_t> buf(1500);
    const size_t n = client.send(buf, net.now);
    BOOST_REQUIRE(n == 1100u);
    net.server->receive(std::span(buf.data(), n), address_of(0), net.now);
    BOOST_TEST(net.server->connections() == 0u);
    BOOST_TEST(net.server->counters().dropped_small_initial == 1u);
}

// RFC 9000 §10.3: a short header packet for no connection gets a stateless reset carrying
// the token the CID would have had, shorter than the packet; tiny ones get nothing.
BOOST_AUTO_TEST_CASE(unknown_connections_get_stateless_resets) {
    Net net;
    std::vector<uint8_t> d(100, 0x55);
    d[0] = 0x41;
    net.server->receive(d, address_of(998), net.now);
    std::vector<uint8_t> tiny(21, 0x41);
    net.server->receive(tiny, address_of(998), net.now);
    std::vector<uint8_t> out(1500);
    PeerAddress to;
    const size_t n = net.server->send(out, to, net.now);
    BOOST_REQUIRE(n > 0u);
    BOOST_TEST(n < d.size());
    BOOST_TEST((out[0] & 0xc0) == 0x40);
    const crypto::StatelessResetToken t = net.secrets.reset_key.token(std::span(d.data() + 1, 8));
    BOOST_TEST((std::vector<uint8_t>(out.begin() + long(n) - 16, out.begin() + long(n)) ==
                std::vector<uint8_t>(t.begin(), t.end())));
    BOOST_TEST(net.server->send(out, to, net.now) == 0u);
    BOOST_TEST(net.server->counters().stateless_resets == 1u);
    BOOST_TEST(net.server->counters().stateless_resets_limited == 1u);
}

// RFC 9000 §8.1.2: with Retry on, every client first gets a Retry with a token, comes back
// with it (its address validated, no 3x limit), and the handshake authenticates the Retry's
// connection IDs (§7.3: the client checks retry_source_connection_id).
BOOST_AUTO_TEST_CASE(retry_validates_every_client) {
    EndpointOptions o = Net::options();
    o.retry_always = true;
    Net net(o);
    for (int i = 0; i < 10; ++i) {
        net.add_client();
    }
    net.run_for(kSecond);
    for (size_t i = 0; i < net.clients.size(); ++i) {
        BOOST_TEST_CONTEXT("client " << i) {
            BOOST_TEST(net.clients[i]->handshake_confirmed());
            BOOST_TEST(net.clients[i]->counters().dropped_retry == 0u);
        }
    }
    BOOST_TEST(net.server->counters().retries == 10u);
    BOOST_TEST(net.server->counters().tokens_valid == 10u);
    BOOST_TEST(net.server->counters().accepted == 10u);
    for (size_t s = 0; s < net.server->slot_count(); ++s) {
        if (const Connection* c = net.server->connection(s)) {
            BOOST_TEST(c->address_validated());
            // RFC 9001 §4.9.1: a token validated the address before any Handshake packet,
            // and the Initial keys still went with the first one (no Initial probes later).
            BOOST_TEST(c->handshake().keys_discarded(PacketNumberSpace::initial));
            BOOST_TEST(c->handshake().keys_discarded(PacketNumberSpace::handshake));
        }
    }
}

// A Retry whose integrity tag does not verify is ignored by the client (RFC 9001 §5.8);
// so is a second one (RFC 9000 §17.2.5.2).
BOOST_AUTO_TEST_CASE(forged_retries_are_ignored) {
    EndpointOptions o = Net::options();
    o.retry_always = true;
    Net net(o);
    net.add_client();
    std::vector<uint8_t> buf(1500);
    const size_t n = net.clients[0]->send(buf, net.now);
    net.server->receive(std::span(buf.data(), n), address_of(0), net.now);
    PeerAddress to;
    std::vector<uint8_t> retry(1500);
    const size_t r = net.server->send(retry, to, net.now);
    BOOST_REQUIRE(r > 0u);
    retry.resize(r);
    std::vector<uint8_t> forged = retry;
    forged.back() ^= 1;  // the tag
    net.clients[0]->receive(forged, net.now);
    BOOST_TEST(net.clients[0]->counters().dropped_retry == 1u);
    net.clients[0]->receive(retry, net.now);
    BOOST_TEST(net.clients[0]->counters().dropped_retry == 1u);  // accepted
    net.clients[0]->receive(retry, net.now);
    BOOST_TEST(net.clients[0]->counters().dropped_retry == 2u);  // only one Retry is
}

BOOST_AUTO_TEST_CASE(a_full_table_refuses_and_recovers) {
    EndpointOptions o = Net::options();
    o.max_connections = 3;
    Net net(o);
    for (int i = 0; i < 5; ++i) {
        net.add_client();
    }
    net.run_for(kSecond);
    BOOST_TEST(net.server->connections() == 3u);
    BOOST_TEST(net.server->counters().refused_full >= 2u);
}

// RFC 9000 §9: a connection's datagrams from a new address (migration, or a NAT that
// rebound) are dropped and counted until path validation exists; the connection goes on
// on its validated path, and the server's parameters say disable_active_migration.
BOOST_AUTO_TEST_CASE(a_new_address_is_refused) {
    Net net;
    net.add_client();
    net.run_for(kSecond);
    BOOST_REQUIRE(net.clients[0]->handshake_confirmed());
    BOOST_TEST(net.clients[0]->handshake().peer_params().disable_active_migration);
    net.moved[0] = address_of(77);
    net.clients[0]->challenge_path({9, 9, 9, 9, 9, 9, 9, 9});
    net.run_for(100 * kNanosPerMilli);
    BOOST_TEST(net.server->counters().dropped_other_address >= 1u);
    BOOST_TEST(net.clients[0]->path_validated() == 0u);
    BOOST_TEST(net.server->connections() == 1u);
    net.moved.clear();
    net.run_for(2 * kSecond);  // the client's retransmission arrives from the known address
    BOOST_TEST(net.clients[0]->path_validated() == 0u);  // PATH_CHALLENGE is not retransmitted
    net.clients[0]->challenge_path({8, 8, 8, 8, 8, 8, 8, 8});
    net.run_for(100 * kNanosPerMilli);
    BOOST_TEST(net.clients[0]->path_validated() == 1u);
}

namespace {

// Answers every request stream with "ok" once its FIN arrives.
struct OkApplication final : EndpointApplication {
    size_t accepted = 0;
    size_t turns = 0;
    size_t freed = 0;
    size_t answered = 0;
    void on_accepted(uint32_t, Connection&, uint64_t) override { ++accepted; }
    void on_turn(uint32_t, Connection& c, uint64_t) override {
        ++turns;
        StreamEvent e;
        while (c.streams().next_event(e)) {
            if ((e.bits & kStreamReadable) == 0) {
                continue;
            }
            RxPiece pieces[4];
            bool fin = false;
            const size_t n = c.streams().read(e.id, pieces, fin);
            uint64_t bytes = 0;
            for (size_t i = 0; i < n; ++i) {
                bytes += pieces[i].bytes.size();
            }
            c.streams().consume(e.id, bytes);
            if (fin) {
                static const uint8_t ok[] = {'o', 'k'};
                answered += c.streams().write(e.id, ok, nullptr) == StreamWrite::accepted ? 1 : 0;
                c.streams().finish(e.id);
            }
        }
    }
    void on_freed(uint32_t) override { ++freed; }
};

ConnectionOptions with_streams(Role role) {
    ConnectionOptions o = QuicLink::default_options(role);
    o.params.initial_max_data = 100'000;
    o.params.initial_max_stream_data_bidi_local = 10'000;
    o.params.initial_max_stream_data_bidi_remote = 10'000;
    o.params.initial_max_streams_bidi = 4;
    return o;
}

}  // namespace

// The endpoint gives an application a turn on each connection something happened to, and
// ends it only after the connection is gone.
BOOST_AUTO_TEST_CASE(an_application_runs_on_every_connection) {
    EndpointOptions o = Net::options();
    o.connection = with_streams(Role::server);
    Net net(o);
    OkApplication app;
    net.server->set_application(&app);
    for (int i = 0; i < 20; ++i) {
        std::vector<uint8_t> r(8);
        net.random.fill(r);
        ConnectionId scid, dcid;
        ConnectionId::from(r, scid);
        net.random.fill(r);
        ConnectionId::from(r, dcid);
        net.clients.push_back(std::make_unique<Connection>(with_streams(Role::client), net.protection, net.client_tls,
                                                           HandshakeIds{scid, dcid, dcid, dcid, false}, net.now));
    }
    net.run_for(kSecond);
    static const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
    for (auto& c : net.clients) {
        uint64_t id = 0;
        BOOST_REQUIRE(c->streams().open(StreamDirection::bidirectional, id));
        BOOST_REQUIRE((c->streams().write(id, hello, nullptr) == StreamWrite::accepted));
        c->streams().finish(id);
    }
    net.run_for(kSecond);
    BOOST_TEST(app.accepted == 20u);
    BOOST_TEST(app.answered == 20u);
    for (auto& c : net.clients) {
        RxPiece pieces[4];
        bool fin = false;
        BOOST_REQUIRE(c->streams().read(0, pieces, fin) == 1u);
        BOOST_TEST(fin);
        BOOST_TEST(std::string(pieces[0].bytes.begin(), pieces[0].bytes.end()) == "ok");
        c->close_application(0x100, net.now);
    }
    net.run_for(5 * kSecond);
    BOOST_TEST(net.server->connections() == 0u);
    BOOST_TEST(app.freed == 20u);
    // Turns only when something happened: a handful per connection, not one per poll.
    BOOST_TEST(app.turns < 20u * 12);
}

// Client connections on an endpoint of our own (RFC 9000 §7.2): opened with connect(),
// routed by our CID like server connections, through a Retry the server insists on; the
// server's application answers, the client reads it.
BOOST_AUTO_TEST_CASE(an_endpoint_opens_client_connections) {
    EndpointOptions so = Net::options();
    so.connection = with_streams(Role::server);
    so.retry_always = true;
    Net net(so);
    OkApplication app;
    net.server->set_application(&app);
    EndpointOptions co = Net::options();
    co.core = 1;
    co.accept_clients = false;
    Endpoint client(co, net.protection, net.server_tls, net.secrets, net.random);
    const PeerAddress client_addr = address_of(500);
    PeerAddress server_addr = address_of(900);
    std::vector<uint32_t> slots;
    for (int i = 0; i < 5; ++i) {
        slots.push_back(client.connect(server_addr, net.client_tls, with_streams(Role::client), net.now));
        BOOST_REQUIRE(slots.back() != Endpoint::kNoSlot);
    }
    std::deque<std::vector<uint8_t>> kept;
    std::vector<uint8_t> buf(1500);
    const auto exchange = [&](int rounds) {
        for (int r = 0; r < rounds; ++r) {
            net.now += kDelay;
            PeerAddress to;
            std::vector<std::vector<uint8_t>> to_server, to_client;
            while (size_t n = client.send(buf, to, net.now)) {
                BOOST_TEST((to == server_addr));
                to_server.emplace_back(buf.begin(), buf.begin() + long(n));
            }
            while (size_t n = net.server->send(buf, to, net.now)) {
                BOOST_TEST((to == client_addr));
                to_client.emplace_back(buf.begin(), buf.begin() + long(n));
            }
            for (auto& d : to_server) {
                net.server->receive(d, client_addr, net.now);
            }
            for (auto& d : to_client) {
                client.receive(kept.emplace_back(std::move(d)), server_addr, net.now);
            }
            client.on_timeout(net.now);
            net.server->on_timeout(net.now);
        }
    };
    exchange(10);
    static const uint8_t hello[] = {'h', 'i'};
    for (uint32_t slot : slots) {
        Connection* c = client.connection_at(slot);
        BOOST_REQUIRE(c != nullptr);
        BOOST_REQUIRE(c->handshake_confirmed());
        uint64_t id = 0;
        BOOST_REQUIRE(c->streams().open(StreamDirection::bidirectional, id));
        BOOST_REQUIRE((c->streams().write(id, hello, nullptr) == StreamWrite::accepted));
        c->streams().finish(id);
    }
    exchange(10);
    BOOST_TEST(net.server->counters().retries == 5u);
    BOOST_TEST(client.counters().connected == 5u);
    BOOST_TEST(client.counters().accepted == 0u);
    // A client-only endpoint refuses a client's Initial.
    net.add_client();
    std::vector<uint8_t> initial(1500);
    const size_t n = net.clients.back()->send(initial, net.now);
    BOOST_REQUIRE(n >= 1200u);
    initial.resize(n);
    client.receive(initial, address_of(7), net.now);
    BOOST_TEST(client.counters().accepted == 0u);
    BOOST_TEST(client.counters().dropped_unknown == 1u);
    BOOST_TEST(app.answered == 5u);
    for (uint32_t slot : slots) {
        RxPiece pieces[2];
        bool fin = false;
        BOOST_REQUIRE(client.connection_at(slot)->streams().read(0, pieces, fin) == 1u);
        BOOST_TEST(fin);
    }
}

// RFC 9000 §8.1.3: the server gives each client a token in NEW_TOKEN; the client's next
// connection from the same address (another port) carries it and skips the Retry.
BOOST_AUTO_TEST_CASE(new_token_lets_the_next_connection_skip_retry) {
    EndpointOptions o = Net::options();
    o.retry_always = true;
    Net net(o);
    net.add_client();
    net.run_for(kSecond);
    BOOST_REQUIRE(net.clients[0]->handshake_confirmed());
    BOOST_TEST(net.server->counters().retries == 1u);
    BOOST_TEST(net.server->counters().new_tokens == 1u);
    const std::span<const uint8_t> token = net.clients[0]->received_token();
    BOOST_REQUIRE(!token.empty());
    ConnectionOptions co = QuicLink::default_options(Role::client);
    std::copy(token.begin(), token.end(), co.token.begin());
    co.token_len = token.size();
    std::vector<uint8_t> r(8);
    net.random.fill(r);
    ConnectionId scid, dcid;
    ConnectionId::from(r, scid);
    net.random.fill(r);
    ConnectionId::from(r, dcid);
    // The same client host: address_of(0)'s address, another port (tokens bind the address).
    net.clients.push_back(
        std::make_unique<Connection>(co, net.protection, net.client_tls, HandshakeIds{scid, dcid, dcid, dcid, false}, net.now));
    net.moved[1] = address_of(0);
    net.moved[1].port = 50001;
    net.run_for(kSecond);
    BOOST_TEST(net.server->counters().tokens_valid == 2u);  // the Retry's, then NEW_TOKEN's
    BOOST_TEST(net.server->counters().retries == 1u);      // no second Retry
    BOOST_TEST(net.clients[1]->handshake_confirmed());
}

namespace {

struct CountingQlogs final : QlogFactory {
    struct Sink final : QlogSink {
        size_t records = 0;
        void record(std::string_view) override { ++records; }
    };
    std::map<uint32_t, Sink> open_sinks;
    size_t opened = 0, closed = 0, records_at_close = 0;
    QlogSink* open(uint32_t slot, Role, std::span<const uint8_t>) override {
        ++opened;
        return &open_sinks[slot];
    }
    void close(uint32_t slot) override {
        ++closed;
        records_at_close += open_sinks[slot].records;
        open_sinks.erase(slot);
    }
};

}  // namespace

// A qlog per server connection, opened when it is made and closed after it is freed.
BOOST_AUTO_TEST_CASE(each_connection_gets_its_qlog) {
    Net net;
    CountingQlogs qlogs;
    net.server->set_qlog(&qlogs);
    for (int i = 0; i < 3; ++i) {
        net.add_client();
    }
    net.run_for(kSecond);
    BOOST_TEST(qlogs.opened == 3u);
    for (auto& c : net.clients) {
        c->close_application(0, net.now);
    }
    net.run_for(5 * kSecond);
    BOOST_TEST(net.server->connections() == 0u);
    BOOST_TEST(qlogs.closed == 3u);
    BOOST_TEST(qlogs.records_at_close > 3u * 10);
}

BOOST_AUTO_TEST_SUITE_END()
