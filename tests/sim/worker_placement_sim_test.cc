// The worker placement over two stacks with virtual time: B's applications run on an
// AppWorker reached through a WorkerBridge and its rings, polled in turn on one thread (so
// the run is deterministic). The same Echo as inline; every byte comes back in order, the
// worker ends holding nothing; with a tiny event ring and a worker that falls behind, the
// polling side stalls (counted) and loses no event; a stale handle on the worker is refused.
#include <boost/test/unit_test.hpp>

#include <memory>

#include "apps/services/services.h"
#include "dataplane/app_worker.h"
#include "dataplane/worker_bridge.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip;
using namespace slip::stack;
using namespace slip::test;
using namespace slip::test::tcp_sim;
using dataplane::AppWorker;
using dataplane::WorkerBridge;
using dataplane::WorkerChannel;
using dataplane::WorkerWakeup;

namespace {

// B: the binding, one worker serving Echo on kPort, and the rings between them.
struct WorkerSide {
    AppHost host;
    WorkerWakeup wakeup;
    WorkerChannel channel;
    WorkerChannel* channels[1] = {&channel};
    WorkerBridge bridge;
    AppWorker worker;
    bool worker_paused = false;
    WorkerSide(TcpLayer& tcp, uint32_t ring)
        : host(tcp),
          channel(ring, &wakeup),
          bridge(host.binding, channels),
          worker(0, channels, &wakeup, apps(), tcp.config().max_connections, pool(), view_pool(), nullptr) {
        BOOST_REQUIRE(bridge.listen(kPort, 0));
    }
    static dataplane::AppSet apps() {
        dataplane::AppSet set;
        set.push_back({kPort, [](const dataplane::AppContext& c) { return std::make_unique<apps::Echo>(c.slots); }});
        return set;
    }
    // What a polling core does around its packets, and the worker's turn.
    void poll(Instant now) {
        host.binding.set_now(now);
        bridge.run_commands();
        bridge.flush_events();
        if (!worker_paused) {
            worker.poll_once();
        }
        bridge.run_commands();
        bridge.flush_events();
    }
};

void run(Pair& p, WorkerSide& b, Duration d, const std::function<void()>& each = {}) {
    const Instant end = p.link.now() + d;
    while (p.link.now() < end) {
        if (each) {
            each();
        }
        p.link.run_for(Duration::microseconds(100));
        b.poll(p.link.now());
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(worker_placement_sim)

BOOST_AUTO_TEST_CASE(echo_on_a_worker_returns_every_byte_in_order) {
    Pair p;
    {
        WorkerSide b(p.b.tcp(), 4096);
        Recorder rec(p.a.tcp());
        rec.close_on_peer_close = true;
        const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &rec, p.link.now());
        BOOST_REQUIRE(h.valid());
        const Bytes data = pattern(4 << 20, 21);
        Sender sender{p.a.tcp(), h, data};
        sender.close_at_end = true;
        run(p, b, Duration::seconds(20), [&] {
            if (rec.closed == 0) {
                sender.pump(p.link.now());
            }
        });
        BOOST_TEST(rec.received.size() == data.size());
        BOOST_TEST((rec.received == data));
        BOOST_TEST(rec.closed == 1);
        const dataplane::WorkerStats w = b.worker.stats();
        BOOST_TEST(w.connections == 0u);
        BOOST_TEST(w.held_bytes == 0u);
        BOOST_TEST(w.held_buffers == 0u);
        BOOST_TEST(w.events_in > 10u);
        BOOST_TEST(b.bridge.stats().events_out == w.events_in);
        BOOST_TEST(b.bridge.stats().stale_commands == 0u);
        p.check_clean();
    }
}

BOOST_AUTO_TEST_CASE(a_full_event_ring_stalls_the_polling_side_and_loses_nothing) {
    Pair p;
    {
        WorkerSide b(p.b.tcp(), 16);  // a tiny ring: 16 events
        struct Client {
            std::unique_ptr<Recorder> rec;
            TcpHandle h;
            Bytes data;
            std::unique_ptr<Sender> sender;
        };
        std::vector<Client> clients(16);
        for (size_t i = 0; i < clients.size(); ++i) {
            Client& c = clients[i];
            c.rec = std::make_unique<Recorder>(p.a.tcp());
            c.rec->close_on_peer_close = true;
            c.h = p.a.tcp().connect(p.b_addr(false), kPort, c.rec.get(), p.link.now());
            BOOST_REQUIRE(c.h.valid());
            c.data = pattern(256 << 10, 100 + i);
            c.sender = std::make_unique<Sender>(Sender{p.a.tcp(), c.h, c.data});
            c.sender->close_at_end = true;
        }
        const auto pump_all = [&] {
            for (Client& c : clients) {
                if (c.rec->closed == 0) {
                    c.sender->pump(p.link.now());
                }
            }
        };
        run(p, b, Duration::milliseconds(20));  // handshakes (a close in SYN-SENT would abort)
        for (Client& c : clients) {
            BOOST_REQUIRE(c.rec->connected == 1);
        }
        // The worker falls behind for a while: the ring fills, the polling side waits.
        b.worker_paused = true;
        run(p, b, Duration::milliseconds(300), pump_all);
        BOOST_TEST(b.bridge.stats().ring_full_stalls > 0u);
        b.worker_paused = false;
        run(p, b, Duration::seconds(30), pump_all);
        for (Client& c : clients) {
            BOOST_TEST_MESSAGE("connected " << c.rec->connected << " closed " << c.rec->closed << " reason "
                                            << int(c.rec->reason) << " got " << c.rec->received.size()
                                            << " sent " << c.sender->offset);
            BOOST_TEST(c.rec->received.size() == c.data.size());
            BOOST_TEST((c.rec->received == c.data));
            BOOST_TEST(c.rec->closed == 1);
        }
        BOOST_TEST(b.worker.stats().connections == 0u);
        BOOST_TEST(b.worker.stats().held_bytes == 0u);
        p.check_clean();
    }
}

BOOST_AUTO_TEST_CASE(the_worker_refuses_stale_handles) {
    Pair p;
    {
        WorkerSide b(p.b.tcp(), 256);
        app::ConnId nobody{3, 7, 0};
        app::BufferChain data = b.worker.copy_in(Bytes{'x'});
        BOOST_TEST((b.worker.send(nobody, data).status == app::Status::stale));
        BOOST_TEST(data.bytes() == 1u);
        BOOST_TEST((b.worker.consume(nobody, 1) == app::Status::stale));
        BOOST_TEST((b.worker.close(nobody) == app::Status::stale));
        BOOST_TEST((b.worker.abort(nobody) == app::Status::stale));
        BOOST_TEST((b.worker.set_timer(nobody, 5) == app::Status::stale));
        BOOST_TEST(b.worker.received(nobody).empty());
        app::ConnId other_queue{0, 0, 9};
        BOOST_TEST((b.worker.shutdown(other_queue) == app::Status::stale));
        BOOST_TEST(!b.worker.connect({}, nullptr, nullptr).valid());  // no application, no port
        p.check_clean();
    }
}

BOOST_AUTO_TEST_SUITE_END()
