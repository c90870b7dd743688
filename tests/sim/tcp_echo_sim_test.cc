// The TCP echo application (apps/services/services.h, Echo) over the in-memory link:
// every byte comes back, also when the receive buffer is larger than the send buffer (it
// sends what fits, never waits for room that cannot come), and a peer that sends without
// reading meets a closed window while the buffers held stay few and flat.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "apps/services/services.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcp_sim;

namespace {

// The echo application (apps/services/services.h) on B through the application interface.
struct EchoServer {
    AppHost host;
    slip::apps::Echo echo{64};
    Tap tap{echo};
    explicit EchoServer(TcpLayer& tcp) : host(tcp) { host.serve(kPort, tap); }
    // Received bytes B holds for the connection: in the engine, and taken by the echo and
    // not yet in the send buffer.
    uint64_t held_bytes() const { return host.held_bytes(tap.last) + echo.pending_bytes(); }
    uint32_t held_buffers() const { return host.held_buffers(tap.last); }
};

// B's send buffer a sixteenth of its receive buffer.
void small_send_buffer(TcpConfig& c) {
    c.rcv_buffer = 256 * 1024;
    c.snd_buffer = 16 * 1024;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_echo_sim)

BOOST_AUTO_TEST_CASE(every_byte_returns_with_a_send_buffer_smaller_than_the_receive_buffer) {
    Pair p({}, {}, {}, small_send_buffer);
    {  // the services outlive every connection: check_clean runs inside
        EchoServer server(p.b.tcp());
        Recorder rec(p.a.tcp());
        rec.close_on_peer_close = true;
        const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &rec, p.link.now());
        BOOST_REQUIRE(h.valid());
        const Bytes data = pattern(2 << 20, 11);
        Sender sender{p.a.tcp(), h, data};
        sender.close_at_end = true;
        for (int ms = 0; ms < 20000 && rec.closed == 0; ++ms) {
            sender.pump(p.link.now());
            p.link.run_for(Duration::milliseconds(1));
        }
        BOOST_TEST(rec.received.size() == data.size());
        BOOST_TEST((rec.received == data));
        BOOST_TEST(rec.closed == 1);
        BOOST_TEST(rec.reason == CloseReason::normal);
        p.check_clean();
    }
}

BOOST_AUTO_TEST_CASE(a_peer_that_never_reads_meets_a_closed_window) {
    // A sends 32-byte segments and reads nothing: B's echo fills A's window and its own
    // send buffer, then holds what arrives, unconsumed, gathered into few buffers. (A's
    // own send buffer is small: it holds one test buffer per 32 bytes.)
    Pair p({}, {}, small_send_buffer, small_send_buffer);
    {  // the services outlive every connection: check_clean runs inside
        EchoServer server(p.b.tcp());
        Recorder rec(p.a.tcp());
        rec.consume = false;
        const TcpHandle h = p.a.tcp().connect(p.b_addr(false), kPort, &rec, p.link.now());
        BOOST_REQUIRE(h.valid());
        p.link.run_for(Duration::milliseconds(10));
        p.a.tcp().set_nodelay(h, true);
        const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
        uint64_t sent = 0;
        unsigned buffers_then = 0;
        for (int ms = 0; ms < 1500; ++ms) {
            while (p.a.tcp().send_space(h) >= 32 && sent < (8u << 20)) {
                BOOST_REQUIRE(p.a.tcp().send(h, make_mbuf(pattern(32, sent)), p.link.now()));
                sent += 32;
                p.link.step();
            }
            p.link.run_for(Duration::milliseconds(1));
            BOOST_REQUIRE_LE(server.held_bytes(), rcv_buffer);
            BOOST_REQUIRE_LE(server.held_buffers(), server.held_bytes() / 1000 + 2);
            if (ms == 1000) {
                buffers_then = mbufs_in_use();
            }
            if (ms > 1000) {
                BOOST_REQUIRE_LE(std::abs(int(mbufs_in_use()) - int(buffers_then)), 4);
            }
        }
        const Connection* a_conn = p.a.tcp().connection(h);
        BOOST_REQUIRE(a_conn != nullptr);
        BOOST_TEST(a_conn->snd_wnd == 0u);  // B's window, closed
        BOOST_TEST(server.held_bytes() > rcv_buffer / 2);
        BOOST_TEST(sent < (2u << 20), sent << " bytes queued by A");
        p.a.tcp().abort(h, p.link.now());
        p.link.run_for(Duration::milliseconds(10));
        BOOST_TEST(server.held_bytes() == 0u);  // freed with the connection
        p.check_clean();
    }
}

BOOST_AUTO_TEST_SUITE_END()
