// The HTTP/1.1 server's GET /bytes/N (apps/http/server.h) over the in-memory link: N
// pattern bytes, HEAD the head alone; keep-alive and pipelining; Connection: close in any
// letter case and HTTP/1.0 close after the answer; bad counts get 404 and never crash or
// leak; and the flow control around it: clients that send without reading meet a closed
// window and pin no memory. (The rest of the server: tests/sim/http_server_sim_test.cc.)
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "apps/http/server.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcp_sim;

namespace {

constexpr uint16_t kHttpPort = 80;
constexpr uint32_t kMaxHead = slip::apps::http::kDefaultMaxHead;

// RFC 9110 §5.6.7's example date, as the wall clock: every Date field says it.
int64_t fixed_wall_clock() { return 784111777ll * 1'000'000'000; }

slip::apps::http::HttpServerOptions server_options() {
    slip::apps::http::HttpServerOptions o;
    o.wall_clock = fixed_wall_clock;
    return o;
}

// The server (apps/http/server.h) on B through the application interface.
struct Server {
    AppHost host;
    slip::apps::http::HttpServer http{64, server_options()};
    Tap tap{http};
    explicit Server(TcpLayer& tcp) : host(tcp) { host.serve(kHttpPort, tap); }
    TcpHandle handle() const { return {tap.last.index, tap.last.generation}; }
    uint32_t held_bytes() const { return host.held_bytes(tap.last); }
    uint32_t held_buffers() const { return host.held_buffers(tap.last); }
};

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

// A connects to B's responder, sends `request` (in pieces of `piece` bytes, each its own
// segment) and collects the answer until B closes or `wait` passes.
struct Client {
    Pair& p;
    Recorder rec;
    TcpHandle h;
    explicit Client(Pair& pair) : p(pair), rec(pair.a.tcp()) {
        h = p.a.tcp().connect(p.b_addr(false), kHttpPort, &rec, p.link.now());
        BOOST_REQUIRE(h.valid());
        p.link.run_for(Duration::milliseconds(10));
        BOOST_REQUIRE(rec.connected == 1);
    }
    void send(const std::string& request, size_t piece = 0) {
        const size_t step = piece == 0 ? request.size() : piece;
        for (size_t at = 0; at < request.size(); at += step) {
            const std::string part = request.substr(at, step);
            BOOST_REQUIRE(p.a.tcp().send(h, make_mbuf(Bytes(part.begin(), part.end())), p.link.now()));
            p.link.run_for(Duration::milliseconds(1));
        }
        p.link.run_for(Duration::milliseconds(20));
    }
    std::string answer() const { return text_of(rec.received); }
    bool closed_by_server() const { return rec.peer_closed == 1; }
    void finish() {
        if (rec.closed == 0) {
            p.a.tcp().close(h, p.link.now());
        }
        p.link.run_for(Duration::milliseconds(50));
    }
};

// The head of a 200 answer with a body of n bytes.
std::string ok_head(uint64_t n, bool close) {
    return "HTTP/1.1 200 OK\r\nServer: slipstream\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
           "Content-Type: application/octet-stream\r\nContent-Length: " +
           std::to_string(n) + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_bytes_sim)

BOOST_AUTO_TEST_CASE(get_keep_alive_then_close) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send("GET /bytes/1000 HTTP/1.1\r\nHost: b\r\n\r\n");
        const std::string head = ok_head(1000, false);
        BOOST_TEST(c.answer().size() == head.size() + 1000);
        BOOST_TEST(c.answer().substr(0, head.size()) == head);
        BOOST_TEST(!c.closed_by_server());
        // The body is the character generator's pattern (RFC 864): printable lines.
        BOOST_TEST(c.answer().substr(head.size(), 2) == std::string("!\""));
        c.rec.received.clear();
        // The second request on the same connection, Connection: close in mixed case (RFC
        // 9110 §5.1: field names are case-insensitive; §7.6.1: so is the close option).
        c.send("GET /bytes/0 HTTP/1.1\r\nHost: b\r\nCoNNection: Close\r\n\r\n");
        BOOST_TEST(c.answer() == ok_head(0, true));
        BOOST_TEST(c.closed_by_server());
        c.finish();
        BOOST_TEST(server.http.requests() == 2u);
    }
    p.check_clean();
}

// Keep-alive requests one after another with a 1 ms one-way delay: every answer (head and a
// small body) is back one round trip after its request, also once the client's quick-ACK
// start is over and it delays ACKs: the body goes with the head, not behind Nagle waiting
// for the ACK of the head (which a delayed ACK would hold for 40 ms).
BOOST_AUTO_TEST_CASE(small_answers_take_one_round_trip) {
    slip::dataplane::ImpairmentOptions one_ms;
    one_ms.delay = Duration::milliseconds(1);
    Pair p(one_ms, one_ms);
    {
        Server server(p.b.tcp());
        Client c(p);
        const std::string head = ok_head(100, false);
        const std::string request = "GET /bytes/100 HTTP/1.1\r\nHost: b\r\n\r\n";
        Duration slowest{};
        for (int i = 0; i < 50; ++i) {
            c.rec.received.clear();
            const Instant sent = p.link.now();
            BOOST_REQUIRE(p.a.tcp().send(c.h, make_mbuf(Bytes(request.begin(), request.end())), sent));
            while (c.rec.received.size() < head.size() + 100 && p.link.now() - sent < Duration::seconds(1)) {
                p.link.run_for(Duration::microseconds(100));
            }
            BOOST_REQUIRE(c.rec.received.size() == head.size() + 100);
            slowest = std::max(slowest, p.link.now() - sent);
        }
        BOOST_TEST(slowest <= Duration::microseconds(2500), "slowest answer " << slowest);
        c.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(pipelined_and_split_requests) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        // Two requests in one segment, then one arriving a few bytes per segment.
        c.send("GET /bytes/5 HTTP/1.1\r\nHost: b\r\n\r\nGET /bytes/7 HTTP/1.1\r\nHost: b\r\n\r\n");
        c.send("GET /bytes/3 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n", 5);
        const std::string expect_heads[] = {ok_head(5, false), ok_head(7, false), ok_head(3, true)};
        const uint64_t bodies[] = {5, 7, 3};
        std::string a = c.answer();
        for (int i = 0; i < 3; ++i) {
            BOOST_TEST_CONTEXT("answer " << i) {
                BOOST_REQUIRE(a.size() >= expect_heads[i].size() + bodies[i]);
                BOOST_TEST(a.substr(0, expect_heads[i].size()) == expect_heads[i]);
                a.erase(0, expect_heads[i].size() + bodies[i]);
            }
        }
        BOOST_TEST(a.empty());
        BOOST_TEST(c.closed_by_server());
        c.finish();
        BOOST_TEST(server.http.requests() == 3u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(head_and_http10) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send("HEAD /bytes/123456 HTTP/1.1\r\nHost: b\r\n\r\n");
        BOOST_TEST(c.answer() == ok_head(123456, false));  // the length of what GET would send
        c.rec.received.clear();
        c.send("HEAD /bytes/1099511627776 HTTP/1.1\r\nHost: b\r\n\r\n");  // max_pattern, 2^40: still served
        BOOST_TEST(c.answer() == ok_head(1099511627776ull, false));
        c.rec.received.clear();
        // HTTP/1.0 asking for keep-alive gets it, and says so (RFC 9112 Appendix C.2.2).
        c.send("GET /bytes/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const std::string kept = "HTTP/1.1 200 OK\r\nServer: slipstream\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                 "Content-Type: application/octet-stream\r\nContent-Length: 2\r\n"
                                 "Connection: keep-alive\r\n\r\n!\"";
        BOOST_TEST(c.answer() == kept);
        BOOST_TEST(!c.closed_by_server());
        c.rec.received.clear();
        // HTTP/1.0 without keep-alive: closed after the answer.
        c.send("GET /bytes/10 HTTP/1.0\r\n\r\n");
        BOOST_TEST(c.answer().size() == ok_head(10, true).size() + 10);
        BOOST_TEST(c.answer().substr(0, ok_head(10, true).size()) == ok_head(10, true));
        BOOST_TEST(c.closed_by_server());
        c.finish();
    }
    p.check_clean();
}

// A count that is no count, or over max_pattern: 404, and (as after every error) the
// connection closes behind the answer.
BOOST_AUTO_TEST_CASE(bad_counts_get_404) {
    const char* const targets[] = {"/bytes/", "/bytes/12x", "/bytes/-1", "/bytes/+1", "/bytes/99999999999999999999",
                                   "/bytes/1099511627777"};
    Pair p;
    {
        Server server(p.b.tcp());
        for (const char* target : targets) {
            BOOST_TEST_CONTEXT(target) {
                Client c(p);
                c.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: b\r\n\r\n");
                const std::string a = c.answer();
                BOOST_TEST(a.starts_with("HTTP/1.1 404 Not Found\r\n"));
                BOOST_TEST(a.find("\r\nConnection: close\r\n") != std::string::npos);
                BOOST_TEST(a.ends_with("\r\n\r\n404 Not Found\n"));
                BOOST_TEST(c.closed_by_server());
                c.finish();
            }
        }
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_head_that_never_ends_is_refused) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send("GET /bytes/1 HTTP/1.1\r\nHost: b\r\nX-Long: " + std::string(9000, 'a'), 1400);
        BOOST_TEST(c.answer().substr(0, 46) == "HTTP/1.1 431 Request Header Fields Too Large\r\n");
        BOOST_TEST(c.closed_by_server());
        c.finish();
    }
    p.check_clean();
}

// Keeps A's send buffer full of junk (bytes that never end a request head).
void push_junk(Client& c, uint64_t& pushed, uint64_t total) {
    TcpLayer& tcp = c.p.a.tcp();
    while (pushed < total) {
        const uint32_t n = uint32_t(std::min<uint64_t>({total - pushed, 1400, tcp.send_space(c.h)}));
        if (n == 0 || !tcp.send(c.h, make_mbuf(Bytes(n, 'x')), c.p.link.now())) {
            return;
        }
        pushed += n;
    }
}

// Runs `p` for `ms` milliseconds while A keeps queueing `chunk` (until `total` bytes), and
// checks at every millisecond that B holds no more than `held_limit` bytes for the
// connection, never more than its receive buffer (and rounding's slack) unconsumed, in buffers that are not
// mostly empty, and, from the second second on, that the buffers in use stay flat.
void run_unread(Pair& p, Client& c, const Server& server, const Bytes& chunk, uint64_t total, uint64_t& pushed,
                uint32_t held_limit, int ms) {
    TcpLayer& a = p.a.tcp();
    // The buffer, and the little that rounding the scaled window up may add to it
    // (TcpLayer::rcv_limit).
    const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
    const uint32_t rcv_limit = rcv_buffer + rcv_buffer / 8;
    unsigned buffers_at_1s = 0;
    for (int i = 0; i < ms; ++i) {
        while (pushed < total && a.send_space(c.h) >= chunk.size() && a.send(c.h, make_mbuf(chunk), p.link.now())) {
            pushed += chunk.size();
        }
        p.link.run_for(Duration::milliseconds(1));
        const Connection* b_conn = p.b.tcp().connection(server.handle());
        BOOST_REQUIRE(b_conn != nullptr);
        BOOST_REQUIRE_LE(server.held_bytes(), held_limit);
        BOOST_REQUIRE_LE(b_conn->rcv_unconsumed, rcv_limit);
        BOOST_REQUIRE_LE(server.held_buffers(), server.held_bytes() / 1000 + 2);
        if (i == 1000) {
            buffers_at_1s = mbufs_in_use();
        }
        if (i > 1000) {
            // Flat: the same buffers held; a zero-window probe in flight at most.
            BOOST_REQUIRE_LE(std::abs(int(mbufs_in_use()) - int(buffers_at_1s)), 4);
        }
    }
}

// Both ends' view of B's receive window: closed.
void check_window_closed(Pair& p, const Client& c, const Server& server) {
    const Connection* a_conn = p.a.tcp().connection(c.h);
    const Connection* b_conn = p.b.tcp().connection(server.handle());
    BOOST_REQUIRE(a_conn != nullptr);
    BOOST_REQUIRE(b_conn != nullptr);
    BOOST_TEST(a_conn->snd_wnd == 0u);                 // as A last heard it
    BOOST_TEST((b_conn->rcv_adv == b_conn->rcv_nxt));  // as B advertised it
}

// A huge request, then megabytes of junk from a client that reads nothing. The junk is a
// head that never ends while the answer goes out: B keeps none of it past the head limit
// and consumes none of it, so its window closes; nothing grows while the client goes on.
BOOST_AUTO_TEST_CASE(a_client_that_sends_junk_and_never_reads_meets_a_closed_window) {
    Pair p;
    Server server(p.b.tcp());
    Client c(p);
    c.rec.consume = false;  // A reads nothing either: B's answer stalls at A's window
    c.send("GET /bytes/100000000000 HTTP/1.1\r\nHost: b\r\n\r\n");
    uint64_t pushed = 0;
    const uint64_t junk = 16u << 20;
    run_unread(p, c, server, Bytes(1400, 'x'), junk, pushed, kMaxHead + 1400, 3000);
    check_window_closed(p, c, server);
    const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
    BOOST_TEST(p.b.tcp().connection(server.handle())->rcv_unconsumed + 1500 >= rcv_buffer);  // the window's worth
    BOOST_TEST(server.held_bytes() == 0u);  // none of it kept
    BOOST_TEST(pushed < junk / 4, "A queued " << pushed << " bytes of junk");  // the rest never left A
    BOOST_TEST(server.http.requests() == 1u);
    p.a.tcp().abort(c.h, p.link.now());
    p.check_clean();
}

// The same with requests instead of junk, pipelined behind the huge one: they wait, whole,
// unconsumed, in at most the receive buffer, and the window closes on the rest.
BOOST_AUTO_TEST_CASE(pipelined_requests_behind_a_huge_answer_wait_in_the_window) {
    Pair p;
    Server server(p.b.tcp());
    Client c(p);
    c.rec.consume = false;
    c.send("GET /bytes/100000000000 HTTP/1.1\r\nHost: b\r\n\r\n");
    const std::string one = "GET /bytes/1 HTTP/1.1\r\nHost: b\r\n\r\n";
    Bytes requests;
    for (int i = 0; i < 50; ++i) {
        requests.insert(requests.end(), one.begin(), one.end());
    }
    uint64_t pushed = 0;
    const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
    run_unread(p, c, server, requests, 16u << 20, pushed, rcv_buffer + rcv_buffer / 8, 3000);
    check_window_closed(p, c, server);
    BOOST_TEST(server.held_bytes() + 1500 >= rcv_buffer);  // held, not dropped
    BOOST_TEST(pushed < (4u << 20), "A queued " << pushed << " bytes of requests");
    BOOST_TEST(server.http.requests() == 1u);  // the rest wait for the first answer
    p.a.tcp().abort(c.h, p.link.now());
    p.link.run_for(Duration::milliseconds(10));
    BOOST_TEST(server.held_bytes() == 0u);  // freed with the connection
    p.check_clean();
}

// A head that runs past the limit while nothing is being answered: 431, then the
// connection closes, and what the client keeps sending is not kept.
BOOST_AUTO_TEST_CASE(a_head_over_the_limit_gets_431_and_nothing_more_is_kept) {
    Pair p;
    Server server(p.b.tcp());
    Client c(p);
    c.send("GET /bytes/1 HTTP/1.1\r\nHost: b\r\nX-Long: " + std::string(kMaxHead, 'a'), 1400);
    BOOST_TEST(c.answer().starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    BOOST_TEST(c.answer().find("Connection: close\r\n") != std::string::npos);
    BOOST_TEST(c.closed_by_server());
    uint64_t pushed = 0;
    for (int ms = 0; ms < 500; ++ms) {
        push_junk(c, pushed, 4u << 20);
        p.link.run_for(Duration::milliseconds(1));
        BOOST_REQUIRE(server.held_bytes() == 0u);
    }
    BOOST_TEST(pushed < (1u << 20));  // the window closed on the rest
    BOOST_TEST(server.http.requests() == 0u);
    c.finish();
    p.check_clean();
}

// A head that runs past the limit while an answer is going out: that answer completes,
// whole and in order, then the 431 follows and the connection closes; the rest of the
// oversized head is not kept meanwhile.
BOOST_AUTO_TEST_CASE(a_head_over_the_limit_during_an_answer_gets_431_after_it) {
    Pair p;
    Server server(p.b.tcp());
    Client c(p);
    const std::string request = "GET /bytes/300000 HTTP/1.1\r\nHost: b\r\n\r\n";
    const std::string junk = "GET /bytes/1 HTTP/1.1\r\nX-Long: " + std::string(kMaxHead, 'a');
    BOOST_REQUIRE(p.a.tcp().send(c.h, make_mbuf(Bytes(request.begin(), request.end())), p.link.now()));
    for (size_t at = 0; at < junk.size(); at += 1400) {  // at once, in buffers of 1,400 bytes
        const std::string part = junk.substr(at, 1400);
        BOOST_REQUIRE(p.a.tcp().send(c.h, make_mbuf(Bytes(part.begin(), part.end())), p.link.now()));
    }
    p.link.run_for(Duration::milliseconds(500));
    const std::string head = ok_head(300000, false);
    const std::string a = c.answer();
    BOOST_REQUIRE(a.size() > head.size() + 300000);
    BOOST_TEST(a.substr(0, head.size()) == head);
    const std::string after = a.substr(head.size() + 300000);
    BOOST_TEST(after.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    BOOST_TEST(after.find("\r\nConnection: close\r\n") != std::string::npos);
    BOOST_TEST(after.ends_with("431 Request Header Fields Too Large\n"));
    BOOST_TEST(c.closed_by_server());
    BOOST_TEST(server.http.requests() == 1u);
    c.finish();
    p.check_clean();
}

BOOST_AUTO_TEST_SUITE_END()
