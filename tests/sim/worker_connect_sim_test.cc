// Active opens from a worker (Connections::connect on an AppWorker) over two stacks with
// virtual time: B's client runs on a worker reached through a WorkerBridge and its rings,
// A serves an echo. The handle connect() returns is the one every later callback uses;
// commands before on_connected work (send waits for credit, timers, set_user, close,
// abort); what B cannot open comes back as on_closed(refused); a connect with no room
// (open slots used up, command ring full) returns an invalid handle at once; nothing is
// lost or leaked.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "dataplane/app_worker.h"
#include "dataplane/worker_bridge.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"
#include "tests/support/leak_check.h"

using namespace slip;
using namespace slip::stack;
using namespace slip::test;
using namespace slip::test::tcp_sim;
using dataplane::AppWorker;
using dataplane::WorkerBridge;
using dataplane::WorkerChannel;
using dataplane::WorkerWakeup;

namespace {

constexpr uint16_t kClosedPort = 9;  // nobody listens there on A

// B: the binding, one worker with no listener (its client connects), and the rings.
struct WorkerClients {
    AppHost host;
    WorkerWakeup wakeup;
    WorkerChannel channel;
    WorkerChannel* channels[1] = {&channel};
    WorkerBridge bridge;
    AppWorker worker;
    WorkerClients(TcpLayer& tcp, uint32_t opens, uint32_t command_ring = 4096)
        : host(tcp),
          channel(4096, &wakeup, command_ring),
          bridge(host.binding, channels, opens),
          worker(0, channels, &wakeup, dataplane::AppSet{}, tcp.config().max_connections, pool(), view_pool(),
                 nullptr, nullptr, opens) {}
    // What a polling core does around its packets, and the worker's turn.
    void poll(Instant now) {
        host.binding.set_now(now);
        bridge.run_commands();
        bridge.flush_events();
        worker.poll_once();
        bridge.run_commands();
        bridge.flush_events();
    }
};

void run(Pair& p, WorkerClients& b, Duration d) {
    const Instant end = p.link.now() + d;
    while (p.link.now() < end) {
        p.link.run_for(Duration::microseconds(100));
        b.poll(p.link.now());
    }
}

app::Endpoint endpoint_a(uint16_t port) {
    app::Endpoint e;
    const Ipv6Addr a = Ipv6Addr::v4_mapped(*Ipv4Addr::parse("10.0.0.1"));
    std::copy(a.bytes.begin(), a.bytes.end(), e.address);
    e.port = port;
    return e;
}

// The worker's client: sends `payload` on every connection (from connect on, so the first
// send runs before on_connected), keeps what comes back, closes once it is all back.
class Client final : public app::Application {
public:
    struct Record {
        int connected = 0, closed = 0, timers = 0;
        app::CloseReason reason = app::CloseReason::normal;
        void* user_at_connected = nullptr;
        Bytes received;
        size_t sent = 0;
    };

    app::ConnId open(app::Connections& c, void* user) {
        const app::ConnId id = c.connect(server, this, user);
        if (id.valid()) {
            BOOST_TEST(records.count(key(id)) == 0u, "a handle given out twice");
            records[key(id)] = Record{};
            order.push_back(id);
            pump(c, id);
        }
        return id;
    }
    Record* find(app::ConnId id) {
        const auto it = records.find(key(id));
        return it != records.end() ? &it->second : nullptr;
    }

    void on_connected(app::Connections& c, app::ConnId id) override {
        Record* r = known(id);
        ++r->connected;
        r->user_at_connected = c.user(id);
        pump(c, id);
    }
    void on_writable(app::Connections& c, app::ConnId id) override {
        known(id);
        pump(c, id);
    }
    void on_data(app::Connections& c, app::ConnId id) override {
        Record* r = known(id);
        const app::BufferView v = c.received(id);
        Bytes chunk(v.bytes());
        v.copy_out(0, chunk);
        r->received.insert(r->received.end(), chunk.begin(), chunk.end());
        BOOST_REQUIRE(c.consume(id, v.bytes()) == app::Status::ok);
        if (!payload.empty() && r->received.size() == payload.size()) {
            BOOST_TEST((c.close(id) == app::Status::ok));
        }
    }
    void on_timer(app::Connections&, app::ConnId id) override { ++known(id)->timers; }
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason reason) override {
        Record* r = known(id);
        ++r->closed;
        r->reason = reason;
        if (reconnects > 0) {
            --reconnects;
            BOOST_TEST(open(c, nullptr).valid());
        }
    }

    app::Endpoint server = endpoint_a(kPort);
    Bytes payload;
    int reconnects = 0;
    std::map<std::tuple<uint32_t, uint32_t, uint16_t>, Record> records;
    std::vector<app::ConnId> order;  // as connect() gave them out
    int unknown = 0;                 // callbacks for handles connect() never gave out

private:
    static std::tuple<uint32_t, uint32_t, uint16_t> key(app::ConnId id) { return {id.index, id.generation, id.queue}; }
    Record* known(app::ConnId id) {
        if (Record* r = find(id)) {
            return r;
        }
        ++unknown;
        return &records[key(id)];
    }
    void pump(app::Connections& c, app::ConnId id) {
        Record* r = find(id);
        while (r != nullptr && r->sent < payload.size()) {
            const size_t n = std::min<size_t>(payload.size() - r->sent, 8192);
            app::BufferChain chunk =
                c.copy_in(std::span<const uint8_t>(payload.data() + r->sent, n));
            BOOST_REQUIRE(chunk.bytes() == n);
            const app::SendResult s = c.send(id, chunk);
            BOOST_REQUIRE(s.status == app::Status::ok);
            r->sent += s.accepted;
            if (s.accepted < n) {
                return;  // on_writable follows
            }
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(worker_connect_sim)

BOOST_FIXTURE_TEST_CASE(a_worker_connects_exchanges_data_both_ways_and_closes, LeakCheck) {
    // A round trip of 2 ms: the handshake outlasts the timer wheel's tick.
    ImpairmentOptions slow;
    slow.delay = Duration::milliseconds(1);
    Pair p(slow, slow);
    {
        Recorder server(p.a.tcp());
        server.echo = true;
        server.close_on_peer_close = true;
        BOOST_REQUIRE(p.a.tcp().listen(kPort, &server));
        // One open slot: the three connections (each opened from the last one's on_closed)
        // reuse it under new generations.
        WorkerClients b(p.b.tcp(), 1);
        Client client;
        client.payload = pattern(300 << 10, 7);  // more than the send buffer: credit runs out
        client.reconnects = 2;
        int user = 0;
        const app::ConnId first = client.open(b.worker, &user);
        BOOST_REQUIRE(first.valid());
        // Before on_connected (the core has not even opened it yet): the user data is there
        // from the start, the timer and the user data can be set, the send took nothing.
        BOOST_TEST(b.worker.user(first) == &user);
        BOOST_TEST(client.find(first)->sent == 0u);
        BOOST_TEST((b.worker.set_timer(first, 1'000'000) == app::Status::ok));  // fires in SYN-SENT
        BOOST_TEST((b.worker.set_user(first, &client) == app::Status::ok));
        BOOST_TEST(!b.worker.connect(endpoint_a(kPort), &client, nullptr).valid());  // the one slot is taken
        run(p, b, Duration::seconds(20));

        BOOST_REQUIRE(client.order.size() == 3u);
        for (size_t i = 0; i < client.order.size(); ++i) {
            const app::ConnId id = client.order[i];
            const Client::Record& r = *client.find(id);
            BOOST_TEST_MESSAGE("connection " << i << ": connected " << r.connected << " closed " << r.closed
                                             << " got " << r.received.size());
            BOOST_TEST(id.index == p.b.tcp().config().max_connections);  // open slot 0, past the TCP slots
            BOOST_TEST(id.generation == i + 1);
            BOOST_TEST(r.connected == 1);
            BOOST_TEST(r.closed == 1);
            BOOST_TEST((r.reason == app::CloseReason::normal));
            BOOST_TEST((r.received == client.payload));
            BOOST_TEST((b.worker.send_room(id) == 0u));  // stale once closed
        }
        BOOST_TEST(client.find(first)->user_at_connected == &client);
        BOOST_TEST(client.find(first)->timers == 1);
        BOOST_TEST(client.unknown == 0);
        BOOST_TEST(server.accepted == 3);
        BOOST_TEST(server.received.size() == 3 * client.payload.size());
        const dataplane::WorkerStats w = b.worker.stats();
        BOOST_TEST(w.connections == 0u);
        BOOST_TEST(w.held_bytes == 0u);
        BOOST_TEST(w.held_buffers == 0u);
        BOOST_TEST(w.opens == 3u);
        BOOST_TEST(w.opens_no_room == 1u);
        BOOST_TEST(b.bridge.stats().opens == 3u);
        BOOST_TEST(b.bridge.stats().open_failures == 0u);
        BOOST_TEST(b.bridge.stats().stale_commands == 0u);
        BOOST_TEST(b.host.binding.gauges().connections == 0u);
        p.check_clean();
    }
}

BOOST_FIXTURE_TEST_CASE(a_refused_connect_reaches_the_worker_as_on_closed_refused, LeakCheck) {
    Pair p;
    {
        WorkerClients b(p.b.tcp(), 4);
        Client client;
        client.server = endpoint_a(kClosedPort);
        const app::ConnId id = client.open(b.worker, nullptr);
        BOOST_REQUIRE(id.valid());
        run(p, b, Duration::seconds(1));
        const Client::Record& r = *client.find(id);
        BOOST_TEST(r.connected == 0);
        BOOST_TEST(r.closed == 1);
        BOOST_TEST((r.reason == app::CloseReason::refused));
        BOOST_TEST(client.unknown == 0);
        app::BufferChain data = b.worker.copy_in(Bytes{'x'});
        BOOST_TEST((b.worker.send(id, data).status == app::Status::stale));
        BOOST_TEST((b.worker.abort(id) == app::Status::stale));
        BOOST_TEST(b.worker.stats().connections == 0u);
        BOOST_TEST(b.bridge.stats().opens == 1u);
        // Meaningless requests are refused at once.
        BOOST_TEST(!b.worker.connect(endpoint_a(0), &client, nullptr).valid());
        BOOST_TEST(!b.worker.connect(endpoint_a(kPort), nullptr, nullptr).valid());
        p.check_clean();
    }
}

BOOST_FIXTURE_TEST_CASE(an_abort_or_close_before_on_connected, LeakCheck) {
    Pair p;
    {
        Recorder server(p.a.tcp());
        server.close_on_peer_close = true;
        BOOST_REQUIRE(p.a.tcp().listen(kPort, &server));
        WorkerClients b(p.b.tcp(), 4);
        Client client;
        // Aborted before the polling core saw the connect: it opens and aborts at once.
        const app::ConnId early = client.open(b.worker, nullptr);
        BOOST_REQUIRE(early.valid());
        BOOST_TEST((b.worker.abort(early) == app::Status::ok));
        BOOST_TEST((b.worker.abort(early) == app::Status::stale));
        BOOST_TEST((b.worker.set_timer(early, 5) == app::Status::stale));
        // Aborted in SYN-SENT: the core opened it (the SYN is out), no answer yet.
        const app::ConnId syn_sent = client.open(b.worker, nullptr);
        BOOST_REQUIRE(syn_sent.valid());
        BOOST_TEST(syn_sent.index == early.index);  // the open slot again, under a new generation
        BOOST_TEST(syn_sent.generation != early.generation);
        b.worker.poll_once();  // the connect command goes out
        b.host.binding.set_now(p.link.now());
        b.bridge.run_commands();
        BOOST_TEST(b.bridge.stats().opens == 2u);
        BOOST_TEST((b.worker.abort(syn_sent) == app::Status::ok));
        b.worker.poll_once();  // the abort reaches the core before the SYN-ACK does
        b.bridge.run_commands();
        // Closed before on_connected: SYN-SENT ends at once (RFC 9293 §3.10.4), and says so.
        const app::ConnId closed = client.open(b.worker, nullptr);
        BOOST_REQUIRE(closed.valid());
        BOOST_TEST((b.worker.close(closed) == app::Status::ok));
        run(p, b, Duration::seconds(2));
        // Closed while the core already has it established (the worker has not seen it yet):
        // no on_connected after the close, on_closed all the same.
        const app::ConnId late = client.open(b.worker, nullptr);
        BOOST_REQUIRE(late.valid());
        b.worker.poll_once();
        b.host.binding.set_now(p.link.now());
        b.bridge.run_commands();
        p.link.run_for(Duration::milliseconds(1));  // the handshake; the connected event waits
        BOOST_TEST((b.worker.close(late) == app::Status::ok));
        run(p, b, Duration::seconds(2));
        BOOST_TEST(client.find(late)->connected == 0);
        BOOST_TEST(client.find(late)->closed == 1);
        BOOST_TEST((client.find(late)->reason == app::CloseReason::normal));
        BOOST_TEST(server.accepted == 1);

        for (const app::ConnId id : {early, syn_sent}) {
            BOOST_TEST(client.find(id)->connected == 0);
            BOOST_TEST(client.find(id)->closed == 0);  // no callback after abort
        }
        BOOST_TEST(client.find(closed)->connected == 0);
        BOOST_TEST(client.find(closed)->closed == 1);
        BOOST_TEST((client.find(closed)->reason == app::CloseReason::aborted));
        BOOST_TEST(client.unknown == 0);
        BOOST_TEST(b.worker.stats().connections == 0u);
        BOOST_TEST(b.host.binding.gauges().connections == 0u);
        // Every open slot is free again.
        app::ConnId all[4];
        for (app::ConnId& id : all) {
            id = b.worker.connect(endpoint_a(kPort), &client, nullptr);
            BOOST_TEST(id.valid());
        }
        for (const app::ConnId id : all) {
            BOOST_TEST((b.worker.abort(id) == app::Status::ok));
        }
        run(p, b, Duration::milliseconds(10));
        p.check_clean();
    }
}

BOOST_FIXTURE_TEST_CASE(opens_past_the_tcp_slots_are_refused_to_the_worker, LeakCheck) {
    Pair p;
    {
        Recorder server(p.a.tcp());
        server.echo = true;
        server.close_on_peer_close = true;
        BOOST_REQUIRE(p.a.tcp().listen(kPort, &server));
        const uint32_t tcp_slots = p.b.tcp().config().max_connections;
        WorkerClients b(p.b.tcp(), tcp_slots + 32);
        Client client;
        client.payload = Bytes{'h', 'e', 'l', 'l', 'o'};
        uint32_t valid = 0;
        for (uint32_t i = 0; i < tcp_slots + 40; ++i) {
            valid += client.open(b.worker, nullptr).valid() ? 1 : 0;
        }
        BOOST_TEST(valid == tcp_slots + 32);  // the worker's open slots
        BOOST_TEST(b.worker.stats().opens_no_room == 8u);
        run(p, b, Duration::seconds(5));
        int connected = 0, refused = 0;
        for (const app::ConnId id : client.order) {
            const Client::Record& r = *client.find(id);
            BOOST_TEST(r.closed == 1);
            if (r.connected == 1) {
                ++connected;
                BOOST_TEST((r.reason == app::CloseReason::normal));
                BOOST_TEST((r.received == client.payload));
            } else {
                ++refused;
                BOOST_TEST((r.reason == app::CloseReason::refused));
            }
        }
        BOOST_TEST(connected == int(tcp_slots));
        BOOST_TEST(refused == 32);
        BOOST_TEST(b.bridge.stats().open_failures == 32u);
        BOOST_TEST(client.unknown == 0);
        BOOST_TEST(b.worker.stats().connections == 0u);
        BOOST_TEST(b.worker.stats().held_bytes == 0u);
        p.check_clean();
    }
}

BOOST_FIXTURE_TEST_CASE(many_connects_on_a_tiny_command_ring_fail_at_once_and_lose_nothing, LeakCheck) {
    Pair p;
    {
        Recorder server(p.a.tcp());
        server.echo = true;
        server.close_on_peer_close = true;
        BOOST_REQUIRE(p.a.tcp().listen(kPort, &server));
        WorkerClients b(p.b.tcp(), 1024, /*command_ring=*/16);
        Client client;
        client.payload = Bytes{'p', 'i', 'n', 'g'};
        uint32_t valid = 0, invalid = 0;
        for (int i = 0; i < 600; ++i) {
            if (client.open(b.worker, nullptr).valid()) {
                BOOST_TEST(invalid == 0u);  // once full, full until the core drains it
                ++valid;
            } else {
                ++invalid;
            }
        }
        BOOST_TEST_MESSAGE("connects queued " << valid << ", refused at once " << invalid);
        BOOST_TEST(valid > 16u);    // the ring and the worker's stage
        BOOST_TEST(invalid > 0u);
        BOOST_TEST(b.worker.stats().opens_no_room == invalid);
        run(p, b, Duration::seconds(5));
        int connected = 0;
        for (const app::ConnId id : client.order) {
            const Client::Record& r = *client.find(id);
            BOOST_TEST(r.closed == 1);  // every handle given out ends exactly once
            if (r.connected == 1) {
                ++connected;
                BOOST_TEST((r.received == client.payload));
            } else {
                BOOST_TEST((r.reason == app::CloseReason::refused));
            }
        }
        BOOST_TEST(connected > 0);
        BOOST_TEST(b.bridge.stats().opens + b.bridge.stats().open_failures == valid);
        BOOST_TEST(client.unknown == 0);
        BOOST_TEST(b.worker.stats().connections == 0u);
        BOOST_TEST(b.worker.stats().held_bytes == 0u);
        // The ring has room again.
        const app::ConnId again = client.open(b.worker, nullptr);
        BOOST_TEST(again.valid());
        run(p, b, Duration::seconds(1));
        BOOST_TEST(client.find(again)->closed == 1);
        p.check_clean();
    }
}

BOOST_AUTO_TEST_SUITE_END()
