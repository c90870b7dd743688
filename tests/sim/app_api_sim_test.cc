// The application interface (stack/app/application.h) over two stacks on the in-memory link
// with virtual time: applications on both sides through TcpBinding, as the engine runs them
// inline. Partial sends and writable events, windows driven by what the application
// consumes, abort with data queued, stale handles and misuse, timers, close, take.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "stack/app/tcp_binding.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip;
using namespace slip::stack;
using namespace slip::test;
using namespace slip::test::tcp_sim;
using app::BufferChain;
using app::Connections;
using app::ConnId;
using app::Status;

namespace slip::app {
inline std::ostream& operator<<(std::ostream& os, Status s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, CloseReason r) { return os << to_string(r); }
}  // namespace slip::app

namespace {

// An application that records what happens and does what the test sets it to do.
struct Probe final : app::Application {
    std::vector<ConnId> accepted;
    std::vector<ConnId> connected;
    std::vector<app::CloseReason> closed;
    Bytes received;
    int data_events = 0, writable = 0, peer_closed = 0, timers = 0;
    bool consume = true;        // consume received data at once
    bool close_on_data = false;  // close() on the first data
    bool shutdown_on_peer_close = true;
    // Sending: `to_send` bytes of pattern, as fast as the connection takes them.
    uint64_t to_send = 0;
    uint64_t sent = 0;
    std::vector<uint32_t> accepted_sizes;  // SendResult::accepted of each send
    ConnId sending;

    bool on_accepted(Connections& c, ConnId id, const app::Endpoint&) override {
        accepted.push_back(id);
        if (to_send > 0) {
            sending = id;
            pump(c);
        }
        return true;
    }
    void on_connected(Connections&, ConnId id) override { connected.push_back(id); }
    void on_data(Connections& c, ConnId id) override {
        ++data_events;
        const app::BufferView v = c.received(id);
        Bytes b(v.bytes());
        BOOST_REQUIRE(v.copy_out(0, b) == v.bytes());
        if (close_on_data) {
            received.insert(received.end(), b.begin(), b.end());
            BOOST_TEST(c.close(id) == Status::ok);
            return;
        }
        if (consume) {
            received.insert(received.end(), b.begin(), b.end());
            BOOST_TEST(c.consume(id, v.bytes()) == Status::ok);
        }
    }
    void on_writable(Connections& c, ConnId) override {
        ++writable;
        pump(c);
    }
    void on_peer_closed(Connections& c, ConnId id) override {
        ++peer_closed;
        if (shutdown_on_peer_close) {
            c.shutdown(id);
        }
    }
    void on_closed(Connections&, ConnId, app::CloseReason r) override { closed.push_back(r); }
    void on_timer(Connections&, ConnId) override { ++timers; }

    void pump(Connections& c) {
        while (sent < to_send) {
            BufferChain chunk = c.pattern(sent, uint32_t(std::min<uint64_t>(to_send - sent, 1 << 20)));
            const uint32_t offered = chunk.bytes();
            BOOST_REQUIRE(offered > 0);
            const app::SendResult r = c.send(sending, chunk);
            BOOST_REQUIRE(r.status == Status::ok);
            BOOST_REQUIRE(chunk.bytes() == offered - r.accepted);  // the rest stays with us
            accepted_sizes.push_back(r.accepted);
            sent += r.accepted;
            if (r.accepted < offered) {
                return;  // on_writable brings us back
            }
        }
        c.shutdown(sending);
    }
};

// Both sides run applications; A connects to B's port 7.
struct Apps {
    Pair& p;
    AppHost a;
    AppHost b;
    Probe client;
    Probe server;
    explicit Apps(Pair& pair, MbufPool* b_held_pool = nullptr,
                  uint32_t b_max_held_buffers = app::TcpBinding::kDefaultMaxHeldBuffers)
        : p(pair), a(pair.a.tcp()), b(pair.b.tcp(), b_held_pool, b_max_held_buffers) {
        b.serve(kPort, server);
    }
    ConnId connect(void* user = nullptr) {
        a.binding.set_now(p.link.now());
        app::Endpoint to;
        const Ipv6Addr addr = p.b_addr(false);
        std::copy(addr.bytes.begin(), addr.bytes.end(), to.address);
        to.port = kPort;
        const ConnId id = a.binding.connect(to, &client, user);
        BOOST_REQUIRE(id.valid());
        p.link.run_for(Duration::milliseconds(5));
        BOOST_REQUIRE(client.connected.size() == 1u);
        BOOST_REQUIRE(server.accepted.size() == 1u);
        return id;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(app_api_sim)

BOOST_AUTO_TEST_CASE(a_send_larger_than_the_buffer_is_taken_in_part_and_writable_follows) {
    Pair p;
    {
        Apps apps(p);
        apps.server.to_send = 3u << 20;  // 3 MiB against a 256 KiB send buffer
        apps.connect();
        for (int ms = 0; ms < 5000 && apps.client.closed.empty(); ++ms) {
            p.link.run_for(Duration::milliseconds(1));
        }
        BOOST_TEST(apps.server.sent == 3u << 20);
        BOOST_TEST(apps.client.received.size() == size_t(3u << 20));
        // Partial acceptance: the first send took the buffer's room, not all or nothing.
        BOOST_REQUIRE(!apps.server.accepted_sizes.empty());
        BOOST_TEST(apps.server.accepted_sizes.front() == p.b.tcp().config().snd_buffer);
        BOOST_TEST(apps.server.writable > 0);
        // In order and whole: the stream is the pattern's, 72 printable bytes and CRLF a line.
        bool in_order = true;
        for (size_t i = 0; i < apps.client.received.size() && in_order; ++i) {
            const size_t col = (i % 65490) % 74;
            const uint8_t ch = apps.client.received[i];
            in_order = col == 72 ? ch == '\r' : col == 73 ? ch == '\n' : (ch > ' ' && ch < 127);
        }
        BOOST_TEST(in_order);
        BOOST_TEST(apps.client.closed.size() == 1u);
        BOOST_TEST(apps.server.closed.size() == 1u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(data_not_consumed_closes_the_window_and_consume_reopens_it) {
    Pair p;
    {
        Apps apps(p);
        apps.server.consume = false;
        apps.client.to_send = 2u << 20;
        const ConnId id = apps.connect();
        apps.client.sending = id;
        apps.a.binding.set_now(p.link.now());
        apps.client.pump(apps.a.binding);
        p.link.run_for(Duration::milliseconds(500));
        const ConnId on_b = apps.server.accepted.front();
        const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
        const uint32_t held = apps.b.binding.received(on_b).bytes();
        BOOST_TEST(held + 1500 >= rcv_buffer);       // the window's worth, held for the application
        BOOST_TEST(held <= rcv_buffer + rcv_buffer / 8);  // and no more
        BOOST_TEST(p.a.tcp().connection({id.index, id.generation})->snd_wnd == 0u);  // closed, as A sees it
        BOOST_TEST(apps.b.binding.gauges().received_unconsumed == held);
        BOOST_TEST(apps.b.binding.gauges().received_buffers <= held / 1000 + 2);
        // The application catches up: everything arrives, in order.
        apps.server.consume = true;
        apps.b.binding.set_now(p.link.now());
        apps.server.on_data(apps.b.binding, on_b);
        for (int ms = 0; ms < 5000 && apps.client.closed.empty(); ++ms) {
            p.link.run_for(Duration::milliseconds(1));
        }
        BOOST_TEST(apps.server.received.size() == size_t(2u << 20));
        BOOST_TEST(apps.b.binding.gauges().received_unconsumed == 0u);
        BOOST_TEST(apps.server.closed.size() == 1u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(data_held_past_the_threshold_leaves_the_receive_buffers) {
    Pair p;
    {
        Apps apps(p, held_pool(), 32);  // B's application may pin 32 receive buffers per connection
        apps.server.consume = false;
        apps.client.to_send = 2u << 20;
        const ConnId id = apps.connect();
        apps.client.sending = id;
        apps.a.binding.set_now(p.link.now());
        apps.client.pump(apps.a.binding);
        p.link.run_for(Duration::milliseconds(500));
        const ConnId on_b = apps.server.accepted.front();
        const app::BindingGauges g = apps.b.binding.gauges();
        const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
        BOOST_TEST(g.received_unconsumed + 1500 >= rcv_buffer);  // the window's worth is held
        const unsigned in_held_pool = rte_mempool_in_use_count(held_pool());
        BOOST_TEST(in_held_pool > 0u);
        BOOST_TEST(g.received_buffers - in_held_pool <= 32u);  // of the receive pool, no more than 32
        BOOST_TEST(g.spilled_bytes > 0u);
        BOOST_TEST(p.a.tcp().connection({id.index, id.generation})->snd_wnd == 0u);  // closed, as A sees it
        // Consuming reads the copies like any held data: everything arrives, in order.
        apps.server.consume = true;
        apps.b.binding.set_now(p.link.now());
        apps.server.on_data(apps.b.binding, on_b);
        for (int ms = 0; ms < 5000 && apps.client.closed.empty(); ++ms) {
            p.link.run_for(Duration::milliseconds(1));
        }
        BOOST_TEST(apps.server.received.size() == size_t(2u << 20));
        bool in_order = true;
        for (size_t i = 0; i < apps.server.received.size() && in_order; ++i) {
            const size_t col = (i % 65490) % 74;
            const uint8_t ch = apps.server.received[i];
            in_order = col == 72 ? ch == '\r' : col == 73 ? ch == '\n' : (ch > ' ' && ch < 127);
        }
        BOOST_TEST(in_order);
        BOOST_TEST(rte_mempool_in_use_count(held_pool()) == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(abort_with_data_queued_returns_every_buffer) {
    Pair p;
    {
        Apps apps(p);
        apps.client.consume = false;  // A reads nothing: B's data stays queued
        const ConnId id = apps.connect();
        const unsigned before = mbufs_in_use();
        const ConnId on_b = apps.server.accepted.front();
        apps.b.binding.set_now(p.link.now());
        BufferChain data = apps.b.binding.copy_in(Bytes(200'000, 'z'));
        BOOST_REQUIRE(data.bytes() == 200'000u);
        const app::SendResult r = apps.b.binding.send(on_b, data);
        BOOST_TEST(r.accepted == 200'000u);
        p.link.run_for(Duration::milliseconds(20));
        BOOST_TEST(mbufs_in_use() > before + 50);  // queued and held
        apps.b.binding.set_now(p.link.now());
        BOOST_TEST(apps.b.binding.abort(on_b) == Status::ok);
        BOOST_TEST(apps.server.closed.empty());  // an aborting application is not called back
        p.link.run_for(Duration::milliseconds(20));
        BOOST_TEST(apps.client.closed.size() == 1u);
        BOOST_TEST((apps.client.closed.front() == app::CloseReason::reset));
        BOOST_TEST(apps.a.binding.gauges().connections == 0u);
        BOOST_TEST(apps.b.binding.gauges().connections == 0u);
        BOOST_TEST(apps.a.binding.received(id).empty());
        // Every buffer is back, but for the few each side keeps warm for its next segments.
        const unsigned spare = p.a.tcp().spare_buffers() + p.b.tcp().spare_buffers();
        BOOST_TEST(mbufs_in_use() <= before + spare);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(stale_handles_and_misuse_get_errors_not_crashes) {
    Pair p;
    {
        Apps apps(p);
        apps.server.consume = false;
        const ConnId id = apps.connect();
        Connections& a = apps.a.binding;
        apps.a.binding.set_now(p.link.now());
        BufferChain empty;
        BOOST_TEST(a.send(id, empty).status == Status::invalid);
        BufferChain hello = a.copy_in(Bytes{'h', 'i'});
        BOOST_TEST(a.send(id, hello).accepted == 2u);
        p.link.run_for(Duration::milliseconds(5));
        Connections& b = apps.b.binding;
        const ConnId on_b = apps.server.accepted.front();
        BOOST_TEST(b.received(on_b).bytes() == 2u);
        BOOST_TEST(b.consume(on_b, 3) == Status::invalid);  // more than was received
        BOOST_TEST(b.take(on_b, 3).empty());
        BufferChain two = b.take(on_b, 2);
        BOOST_TEST(two.bytes() == 2u);
        BOOST_TEST(b.received(on_b).empty());
        ConnId other_queue = id;
        other_queue.queue = 1;
        BOOST_TEST(a.consume(other_queue, 1) == Status::stale);
        BOOST_TEST(a.shutdown(id) == Status::ok);
        BufferChain late = a.copy_in(Bytes{'x'});
        BOOST_TEST(a.send(id, late).status == Status::closed);  // after shutdown
        BOOST_TEST(late.bytes() == 1u);                           // still ours
        for (int ms = 0; ms < 100 && apps.client.closed.empty(); ++ms) {
            p.link.run_for(Duration::milliseconds(1));
        }
        BOOST_REQUIRE(apps.client.closed.size() == 1u);
        // The connection is gone: every call with its handle is refused, nothing changes.
        BufferChain after = a.copy_in(Bytes{'y'});
        BOOST_TEST(a.send(id, after).status == Status::stale);
        BOOST_TEST(a.consume(id, 1) == Status::stale);
        BOOST_TEST(a.shutdown(id) == Status::stale);
        BOOST_TEST(a.close(id) == Status::stale);
        BOOST_TEST(a.abort(id) == Status::stale);
        BOOST_TEST(a.set_timer(id, 1000) == Status::stale);
        BOOST_TEST(a.set_user(id, &apps) == Status::stale);
        BOOST_TEST(a.user(id) == nullptr);
        BOOST_TEST(a.send_room(id) == 0u);
        BOOST_TEST(a.received(id).empty());
        // A new connection: the old handle still names nothing.
        apps.server.accepted.clear();
        apps.client.connected.clear();
        const ConnId again = apps.connect();
        BOOST_TEST(!(again == id));
        BOOST_TEST(a.close(id) == Status::stale);
        apps.a.binding.set_now(p.link.now());
        BOOST_TEST(a.close(again) == Status::ok);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(timers_fire_once_and_cancel) {
    Pair p;
    {
        Apps apps(p);
        int marker = 0;
        const ConnId id = apps.connect(&marker);
        Connections& a = apps.a.binding;
        BOOST_TEST(a.user(id) == &marker);  // the user data given to connect()
        apps.a.binding.set_now(p.link.now());
        BOOST_TEST(a.set_timer(id, 30'000'000) == Status::ok);
        p.link.run_for(Duration::milliseconds(25));
        BOOST_TEST(apps.client.timers == 0);
        p.link.run_for(Duration::milliseconds(10));
        BOOST_TEST(apps.client.timers == 1);
        p.link.run_for(Duration::milliseconds(100));
        BOOST_TEST(apps.client.timers == 1);  // once
        apps.a.binding.set_now(p.link.now());
        BOOST_TEST(a.set_timer(id, 10'000'000) == Status::ok);
        BOOST_TEST(a.cancel_timer(id) == Status::ok);
        p.link.run_for(Duration::milliseconds(50));
        BOOST_TEST(apps.client.timers == 1);
        apps.a.binding.set_now(p.link.now());
        BOOST_TEST(a.close(id) == Status::ok);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(close_frees_and_consumes_what_still_arrives) {
    Pair p;
    {
        Apps apps(p);
        apps.server.close_on_data = true;
        apps.client.shutdown_on_peer_close = false;  // A goes on sending after B's FIN
        apps.client.to_send = 1u << 20;
        const ConnId id = apps.connect();
        apps.client.sending = id;
        apps.a.binding.set_now(p.link.now());
        apps.client.pump(apps.a.binding);
        for (int ms = 0; ms < 5000 && apps.client.closed.empty(); ++ms) {
            p.link.run_for(Duration::milliseconds(1));
        }
        BOOST_TEST(apps.client.sent == 1u << 20);  // the window stayed open after B's close
        BOOST_TEST(apps.server.data_events == 1);  // nothing reached the application after it
        BOOST_TEST(apps.client.closed.size() == 1u);
        BOOST_TEST((apps.client.closed.front() == app::CloseReason::normal));
        BOOST_TEST(apps.b.binding.gauges().received_unconsumed == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(take_hands_over_the_received_buffers_without_copying) {
    Pair p;
    {
        Apps apps(p);
        apps.server.consume = false;
        const ConnId id = apps.connect();
        apps.a.binding.set_now(p.link.now());
        BufferChain data = apps.a.binding.copy_in(Bytes(1000, 'q'));
        BOOST_TEST(apps.a.binding.send(id, data).accepted == 1000u);
        p.link.run_for(Duration::milliseconds(5));
        Connections& b = apps.b.binding;
        const ConnId on_b = apps.server.accepted.front();
        const uint8_t* where = (*b.received(on_b).begin()).data();
        BufferChain taken = b.take(on_b, 1000);
        BOOST_REQUIRE(taken.bytes() == 1000u);
        BOOST_TEST((*taken.view().begin()).data() == where);  // the same buffer, not a copy
        BOOST_TEST(b.received(on_b).empty());
        BOOST_TEST(apps.b.binding.gauges().received_unconsumed == 0u);
        // Echo it back as is: A receives the same bytes.
        BOOST_TEST(b.send(on_b, taken).accepted == 1000u);
        p.link.run_for(Duration::milliseconds(5));
        BOOST_TEST(apps.client.received == Bytes(1000, 'q'));
        apps.a.binding.set_now(p.link.now());
        BOOST_TEST(apps.a.binding.close(id) == Status::ok);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_SUITE_END()
