// TCP between two stacks over the in-memory link on a virtual clock: handshakes, data
// both ways, every close sequence, TIME-WAIT, simultaneous open, RSTs, option
// negotiation, recovery from loss, zero windows, SYN cookies. Every test ends with the
// connection slots and the buffer pool back where they started.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <ostream>

#include "tests/sim/tcp_pair.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcp_sim;
using slip::dataplane::ImpairmentOptions;

namespace {

// Client on A sends `up` bytes to an echo/recorder on B; B's recorder gets them all.
void transfer(Pair& p, size_t bytes, bool ipv6, Duration limit) {
    Recorder server(p.b.tcp());
    Recorder client(p.a.tcp());
    server.close_on_peer_close = true;
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    const TcpHandle h = p.a.tcp().connect(p.b_addr(ipv6), kPort, &client, p.link.now());
    BOOST_REQUIRE(h.valid());
    p.link.run_for(Duration::milliseconds(50));
    BOOST_REQUIRE_EQUAL(client.connected, 1);
    const Bytes data = pattern(bytes, bytes);
    Sender s{p.a.tcp(), h, data};
    s.close_at_end = true;
    const Instant started = p.link.now();
    const Instant deadline = started + limit;
    while (p.link.now() < deadline && (server.received.size() < data.size() || client.closed == 0 || server.closed == 0)) {
        s.pump(p.link.now());
        p.link.run_for(Duration::milliseconds(1));
    }
    BOOST_TEST_MESSAGE("transfer of " << bytes << " bytes took " << (p.link.now() - started).ns / 1000000
                                       << " ms virtual");
    BOOST_TEST(server.received.size() == data.size());
    if (server.received.size() != data.size()) {
        for (size_t i = 0; i < kDropReasonCount; ++i) {
            if (p.b.counters().drops[i] + p.a.counters().drops[i] > 0) {
                BOOST_TEST_MESSAGE("drop " << drop_reason_name(DropReason(i)) << " a=" << p.a.counters().drops[i]
                                           << " b=" << p.b.counters().drops[i]);
            }
        }
        for (size_t i = 0; i < kEventCount; ++i) {
            BOOST_TEST_MESSAGE("event " << event_name(Event(i)) << " a=" << p.a.counters().events[i]
                                        << " b=" << p.b.counters().events[i]);
        }
    }
    BOOST_TEST((server.received == data), "bytes arrive intact and in order");
    BOOST_TEST(client.closed == 1);
    BOOST_TEST(server.closed == 1);
    p.b.tcp().unlisten(kPort);
    p.check_clean();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_sim)

BOOST_AUTO_TEST_CASE(handshake_data_and_close_ipv4_and_ipv6) {
    for (bool ipv6 : {false, true}) {
        BOOST_TEST_CONTEXT((ipv6 ? "IPv6" : "IPv4")) {
            Pair p;
            transfer(p, 300 * 1000, ipv6, Duration::seconds(10));
            BOOST_TEST(p.a.counters()[Event::tcp_retransmits] == 0u);
            BOOST_TEST(p.b.counters()[Event::tcp_established] == 1u);
        }
    }
    BOOST_TEST(mbufs_in_use() == Pair().baseline);
}

BOOST_AUTO_TEST_CASE(options_negotiated) {
    Pair p;
    Recorder server(p.b.tcp()), client(p.a.tcp());
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    const Connection* c = p.a.tcp().connection(h);
    BOOST_REQUIRE(c != nullptr);
    BOOST_TEST(c->ts_ok);
    BOOST_TEST(c->sack_ok);
    BOOST_TEST(c->snd_wscale == 3);  // 256 KiB buffer: 65535 << 2 is just short of 262144
    BOOST_TEST(c->mss == 1460 - 12);
    const Connection* s = p.b.tcp().connection(server.handle);
    BOOST_REQUIRE(s != nullptr);
    BOOST_TEST(s->ts_ok);
    BOOST_TEST(s->snd_wscale == 3);
    p.a.tcp().abort(h, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    BOOST_TEST(server.reason == CloseReason::reset);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(options_off_on_one_side) {
    Pair p({}, {}, [](TcpConfig& t) {
        t.timestamps = false;
        t.sack = false;
        t.window_scaling = false;
    });
    Recorder server(p.b.tcp()), client(p.a.tcp());
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    const Connection* s = p.b.tcp().connection(server.handle);
    BOOST_REQUIRE(s != nullptr);
    BOOST_TEST(!s->ts_ok);
    BOOST_TEST(!s->sack_ok);
    BOOST_TEST(s->snd_wscale == 0);
    BOOST_TEST(s->rcv_wscale == 0);
    BOOST_TEST(s->mss == 1460);
    p.a.tcp().close(h, p.link.now());
    server.close_on_peer_close = true;
    p.link.run_for(Duration::milliseconds(10));
    p.b.tcp().close(server.handle, p.link.now());
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(recovery_after_loss_and_reordering) {
    for (double loss : {0.01, 0.05}) {
        BOOST_TEST_CONTEXT("loss " << loss) {
            Pair p(lossy(loss, 0.02, 11), lossy(loss, 0.02, 12));
            const Instant start = p.link.now();
            transfer(p, 2 * 1000 * 1000, false, Duration::seconds(120));
            BOOST_TEST(p.a.counters()[Event::tcp_retransmits] > 0u);
            BOOST_TEST_MESSAGE("loss " << loss << ": " << (p.link.now() - start).ns / 1000000 << " ms virtual, "
                                       << p.a.counters()[Event::tcp_timeouts] << " RTOs, "
                                       << p.a.counters()[Event::tcp_fast_retransmits] << " fast retransmits, "
                                       << p.a.counters()[Event::tcp_retransmits] << " retransmits");
        }
    }
}

// A receiver whose reassembly queue overflows (more out-of-order segments than it may
// hold, so later ones are dropped as they come) must still get every byte: the
// retransmissions that fill holes are in order and always taken.
BOOST_AUTO_TEST_CASE(recovery_when_the_reassembly_queue_overflows) {
    const auto big = [](TcpConfig& c) {
        c.rcv_buffer = c.snd_buffer = 4 << 20;
        c.ooo_segments = 8;
    };
    Pair p(lossy(0.02, 0.0, 21), lossy(0.0, 0.0, 22), big, big);
    transfer(p, 16 * 1000 * 1000, false, Duration::seconds(120));
    BOOST_TEST(p.b.counters()[DropReason::tcp_ooo_queue_full] > 0u);
}

// A bottleneck queue that overflows (the link holds at most 200 frames in its 1 ms of
// delay) drops tails of bursts, dozens of segments at a time, under a 4 MiB window, and
// the receiver may hold only 64 segments out of order: what it cannot hold it drops too.
BOOST_AUTO_TEST_CASE(recovery_from_tail_drops_under_a_large_window) {
    const auto big = [](TcpConfig& c) {
        c.rcv_buffer = c.snd_buffer = 4 << 20;
        c.ooo_segments = 64;
    };
    ImpairmentOptions queue;
    queue.delay = Duration::milliseconds(1);
    queue.limit = 200;
    Pair p(queue, lossy(0.0, 0.0, 32), big, big);
    transfer(p, 32 * 1000 * 1000, false, Duration::seconds(120));
    BOOST_TEST(p.a.counters()[Event::tcp_retransmits] > 0u);
    BOOST_TEST(p.b.counters()[DropReason::tcp_ooo_queue_full] > 0u);
    BOOST_TEST_MESSAGE(p.a.counters()[Event::tcp_retransmits] << " retransmits, " << p.a.counters()[Event::tcp_timeouts]
                                                             << " RTOs, " << p.b.counters()[Event::tcp_ooo_segments]
                                                             << " out-of-order segments held");
}

// Runs of 30 frames lost back to back, as when a transmit queue overflows: the receiver's
// out-of-order queue (32 slots) overflows behind the hole and drops what would have drawn
// SACKs, and with runs every few round trips, retransmissions fall into later runs.
// Every pattern must deliver the whole stream, and a single run must cost no timeout.
BOOST_AUTO_TEST_CASE(recovery_from_runs_of_lost_frames) {
    struct Case {
        const char* name;
        SimLink::DropFilter data;
        SimLink::DropFilter acks;
        bool no_timeout;
    };
    const auto ms = [](int64_t n) { return Duration::milliseconds(n); };
    const Case cases[] = {
        {"one run of 30 data frames", [](uint64_t n, Instant) { return n >= 2000 && n < 2030; }, {}, true},
        {"a run of 30 data frames every 20 ms", LossRuns(ms(20), 1), {}, false},
        {"a run of 30 data frames every 10 ms", LossRuns(ms(10), 2), {}, false},
        {"a run of 30 ACKs every 5 ms", {}, LossRuns(ms(5), 3), false},
        {"runs both ways", LossRuns(ms(10), 4), LossRuns(ms(15), 5), false},
    };
    const auto big = [](TcpConfig& c) {
        c.rcv_buffer = c.snd_buffer = 4 << 20;
        c.ooo_segments = 32;
    };
    ImpairmentOptions wire;
    wire.delay = ms(1);
    for (const Case& k : cases) {
        BOOST_TEST_CONTEXT(k.name) {
            Pair p(wire, wire, big, big);
            p.link.drop_a_to_b(k.data);
            p.link.drop_b_to_a(k.acks);
            transfer(p, 16 * 1000 * 1000, false, Duration::seconds(60));
            BOOST_TEST_MESSAGE(k.name << ": " << p.a.counters()[Event::tcp_retransmits] << " retransmits, "
                                      << p.a.counters()[Event::tcp_timeouts] << " RTOs, "
                                      << p.a.counters()[Event::tcp_tail_loss_probes] << " tail probes");
            if (k.no_timeout) {
                BOOST_TEST(p.a.counters()[Event::tcp_timeouts] == 0u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(connect_to_closed_port_is_refused) {
    Pair p;
    Recorder client(p.a.tcp());
    p.a.tcp().connect(p.b_addr(false), 4444, &client, p.link.now());
    p.link.run_for(Duration::milliseconds(20));
    BOOST_TEST(client.closed == 1);
    BOOST_TEST(client.reason == CloseReason::refused);
    BOOST_TEST(p.b.counters()[DropReason::tcp_no_listener] == 1u);
    BOOST_TEST(p.b.counters()[Event::tcp_resets_sent] == 1u);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(handshakes_and_closes_survive_heavy_loss) {
    // 30% loss each way: SYNs, SYN-ACKs, FINs and their ACKs are all lost at times.
    Pair p(lossy(0.3, 0.0, 21), lossy(0.3, 0.0, 22));
    Recorder server(p.b.tcp());
    server.close_on_peer_close = true;
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    int done = 0;
    for (int i = 0; i < 20; ++i) {
        Recorder client(p.a.tcp());
        const TcpHandle h = p.a.tcp().connect(p.b_addr(i % 2 == 1), kPort, &client, p.link.now());
        BOOST_REQUIRE(h.valid());
        const Bytes data = pattern(3000, uint64_t(i));
        Sender s{p.a.tcp(), h, data};
        s.close_at_end = true;
        for (int t = 0; t < 120000 && client.closed == 0; ++t) {
            if (client.connected > 0) {
                s.pump(p.link.now());
            }
            p.link.run_for(Duration::milliseconds(1));
        }
        done += client.closed == 1 && client.reason == CloseReason::normal;
    }
    BOOST_TEST(done == 20);
    BOOST_TEST(server.received.size() == 20u * 3000u);
    BOOST_TEST(p.b.counters()[Event::tcp_retransmits] > 0u);
    p.b.tcp().unlisten(kPort);
    // A FIN and its ACK both lost several times in a row back the RTO off past 2 MSL
    // (0.2, 0.4, ... 51 s): give the last LAST-ACK its time, then check nothing is left.
    p.link.run_for(Duration::seconds(300), Duration::milliseconds(1));
    p.check_clean();
}


BOOST_AUTO_TEST_CASE(close_sequences) {
    // Active close by the client, by the server, and both at once (simultaneous close,
    // RFC 9293 figure 13): every side ends, the active closers pass through TIME-WAIT.
    for (int mode = 0; mode < 3; ++mode) {
        BOOST_TEST_CONTEXT("mode " << mode) {
            Pair p;
            Recorder server(p.b.tcp()), client(p.a.tcp());
            BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
            const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now());
            p.link.run_for(Duration::milliseconds(10));
            BOOST_REQUIRE_EQUAL(server.accepted, 1);
            if (mode == 0) {
                server.close_on_peer_close = true;
                p.a.tcp().close(h, p.link.now());
            } else if (mode == 1) {
                client.close_on_peer_close = true;
                p.b.tcp().close(server.handle, p.link.now());
            } else {
                p.a.tcp().close(h, p.link.now());
                p.b.tcp().close(server.handle, p.link.now());  // both FINs cross on the wire
            }
            p.link.run_for(Duration::milliseconds(10));
            BOOST_TEST(client.closed == 1);
            BOOST_TEST(server.closed == 1);
            BOOST_TEST(client.reason == CloseReason::normal);
            BOOST_TEST(server.reason == CloseReason::normal);
            const uint32_t tw_a = p.a.tcp().gauges().time_wait;
            const uint32_t tw_b = p.b.tcp().gauges().time_wait;
            BOOST_TEST(tw_a == (mode == 1 ? 0u : 1u));
            BOOST_TEST(tw_b == (mode == 0 ? 0u : 1u));
            // TIME-WAIT lasts 2 MSL (60 s by default), then the slot is free.
            p.link.run_for(Duration::seconds(59), Duration::milliseconds(10));
            BOOST_TEST(p.a.tcp().gauges().time_wait + p.b.tcp().gauges().time_wait == tw_a + tw_b);
            p.link.run_for(Duration::seconds(2), Duration::milliseconds(10));
            BOOST_TEST(p.a.tcp().gauges().connections == 0u);
            BOOST_TEST(p.b.tcp().gauges().connections == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(time_wait_is_reused_by_a_newer_syn) {
    // B (the server) closes first and holds TIME-WAIT for the tuple; A opens the same tuple
    // again and B's TIME-WAIT gives way to the newer SYN (RFC 6191, timestamps).
    Pair p;
    Recorder server(p.b.tcp()), client(p.a.tcp());
    client.close_on_peer_close = true;
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now(), 40000);
    BOOST_REQUIRE(h.valid());
    p.link.run_for(Duration::milliseconds(10));
    p.b.tcp().close(server.handle, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    BOOST_REQUIRE_EQUAL(p.b.tcp().gauges().time_wait, 1u);
    BOOST_REQUIRE_EQUAL(client.closed, 1);
    Recorder client2(p.a.tcp());
    const TcpHandle h2 = p.a.tcp().connect(p.b_addr(false), kPort, &client2, p.link.now(), 40000);
    BOOST_REQUIRE(h2.valid());
    p.link.run_for(Duration::milliseconds(20));
    BOOST_TEST(client2.connected == 1);
    BOOST_TEST(p.b.counters()[Event::tcp_time_wait_reused] == 1u);
    BOOST_TEST(p.b.tcp().gauges().time_wait == 0u);
    p.a.tcp().abort(h2, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(simultaneous_open) {
    // Both sides actively open to each other on crossing ports at the same instant (RFC 9293
    // figure 7): SYN-SENT -> SYN-RECEIVED -> ESTABLISHED on both, then data both ways.
    Pair p;
    Recorder ra(p.a.tcp()), rb(p.b.tcp());
    const TcpHandle ha = p.a.tcp().connect(p.b_addr(false), 6000, &ra, p.link.now(), 5000);
    const TcpHandle hb = p.b.tcp().connect(*Ipv6Addr::parse("::ffff:10.0.0.1"), 5000, &rb, p.link.now(), 6000);
    BOOST_REQUIRE(ha.valid() && hb.valid());
    p.link.run_for(Duration::milliseconds(20));
    BOOST_TEST(ra.connected == 1);
    BOOST_TEST(rb.connected == 1);
    BOOST_TEST(p.a.tcp().state(ha) == TcpState::established);
    BOOST_TEST(p.b.tcp().state(hb) == TcpState::established);
    const Bytes one = pattern(5000, 1), two = pattern(7000, 2);
    Sender sa{p.a.tcp(), ha, one}, sb{p.b.tcp(), hb, two};
    sa.pump(p.link.now());
    sb.pump(p.link.now());
    p.link.run_for(Duration::milliseconds(100));
    BOOST_TEST((rb.received == one));
    BOOST_TEST((ra.received == two));
    p.a.tcp().close(ha, p.link.now());
    p.b.tcp().close(hb, p.link.now());
    p.link.run_for(Duration::milliseconds(20));
    BOOST_TEST(ra.closed == 1);
    BOOST_TEST(rb.closed == 1);
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(zero_window_and_probes) {
    // The server stops consuming: its window closes, the sender probes it with backed-off
    // zero-window probes instead of giving up, and everything flows once it consumes again.
    Pair p;
    Recorder server(p.b.tcp()), client(p.a.tcp());
    server.consume = false;
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    const Bytes data = pattern(600 * 1024, 3);
    Sender s{p.a.tcp(), h, data};
    for (int i = 0; i < 3000; ++i) {
        s.pump(p.link.now());
        p.link.run_for(Duration::milliseconds(10));
    }
    BOOST_TEST(server.received.size() == 256u * 1024u);  // exactly the receive buffer
    BOOST_TEST(p.a.counters()[Event::tcp_zero_window_probes] >= 3u);
    BOOST_TEST(p.a.tcp().state(h) == TcpState::established);
    p.b.tcp().consume(server.handle, server.unconsumed, p.link.now());
    server.consume = true;
    server.unconsumed = 0;
    for (int i = 0; i < 20000 && server.received.size() < data.size(); ++i) {
        s.pump(p.link.now());
        p.link.run_for(Duration::milliseconds(1));
    }
    BOOST_TEST((server.received == data));
    p.a.tcp().close(h, p.link.now());
    server.close_on_peer_close = true;
    p.link.run_for(Duration::milliseconds(50));
    p.b.tcp().close(server.handle, p.link.now());
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(syn_cookies_keep_the_options) {
    // With no room for half-open connections, B answers SYNs statelessly; the connections
    // still come up with MSS, window scale, SACK and timestamps, and carry data.
    Pair p({}, {}, {}, [](TcpConfig& t) { t.syn_backlog = 0; });
    Recorder server(p.b.tcp()), client(p.a.tcp());
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    BOOST_TEST(p.b.counters()[Event::tcp_syn_cookies_sent] == 1u);
    BOOST_TEST(p.b.counters()[Event::tcp_syn_cookies_accepted] == 1u);
    BOOST_REQUIRE_EQUAL(server.accepted, 1);
    const Connection* s = p.b.tcp().connection(server.handle);
    BOOST_REQUIRE(s != nullptr);
    BOOST_TEST(s->ts_ok);
    BOOST_TEST(s->sack_ok);
    BOOST_TEST(s->snd_wscale == 3);
    BOOST_TEST(s->peer_mss == 1460);
    const Bytes data = pattern(200 * 1000, 4);
    Sender snd{p.a.tcp(), h, data};
    for (int i = 0; i < 2000 && server.received.size() < data.size(); ++i) {
        snd.pump(p.link.now());
        p.link.run_for(Duration::milliseconds(1));
    }
    BOOST_TEST((server.received == data));
    p.a.tcp().abort(h, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(syn_flood_is_bounded) {
    // 5,000 SYNs from spoofed ports with no ACK ever coming back: B keeps at most
    // syn_backlog half-open connections, answers the rest with cookies, and a real client
    // still gets through.
    Pair p({}, {}, {}, [](TcpConfig& t) { t.syn_backlog = 16; });
    Recorder server(p.b.tcp());
    BOOST_REQUIRE(p.b.tcp().listen(kPort, &server));
    // Spoofed SYNs: A's stack sends them as active opens, and A forgets each at once by
    // never answering (its connections are aborted silently after each SYN goes out).
    Recorder flood(p.a.tcp());
    for (int i = 0; i < 5000; ++i) {
        const TcpHandle t = p.a.tcp().connect(p.b_addr(false), kPort, &flood, p.link.now());
        // Forgotten while its SYN is still queued: SYN-SENT aborts send no RST (RFC 9293
        // §3.10.5), and A's RSTs for the SYN-ACKs that come back run out of rate-limit
        // tokens, as a spoofing flooder would never answer at all.
        p.a.tcp().abort(t, p.link.now());
        p.link.step();
    }
    BOOST_TEST(p.b.tcp().gauges().syn_received <= 16u);
    BOOST_TEST(p.b.counters()[Event::tcp_syn_cookies_sent] > 4000u);
    Recorder client(p.a.tcp());
    p.a.tcp().connect(p.b_addr(false), kPort, &client, p.link.now());
    p.link.run_for(Duration::milliseconds(20));
    BOOST_TEST(client.connected == 1);
    p.link.run_for(Duration::seconds(200), Duration::milliseconds(10));
    BOOST_TEST(p.b.tcp().gauges().syn_received == 0u);  // half-open ones timed out
}


BOOST_AUTO_TEST_SUITE_END()
