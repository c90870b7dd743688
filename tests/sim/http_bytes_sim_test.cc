// The minimal HTTP/1.1 responder (stack/services/tcp_services.h, HttpBytes) over the
// in-memory link: GET /bytes/N answers N pattern bytes, HEAD the head alone; keep-alive
// and pipelining; Connection: close in any letter case and HTTP/1.0 close after the
// answer; bad requests get 400, 404, 405 or 431 and never crash or leak.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>

#include "stack/services/tcp_services.h"
#include "tests/sim/tcp_pair.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcp_sim;

namespace {

constexpr uint16_t kHttpPort = 80;

struct Server {
    PatternSource pattern{pool(), view_pool()};
    HttpBytes http;
    explicit Server(TcpLayer& tcp) : http(tcp, pattern, 64) { BOOST_REQUIRE(tcp.listen(kHttpPort, &http)); }
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
    return "HTTP/1.1 200 OK\r\nServer: slipstream\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
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
        c.send("GET /bytes/5 HTTP/1.1\r\n\r\nGET /bytes/7 HTTP/1.1\r\n\r\n");
        c.send("GET /bytes/3 HTTP/1.1\r\nConnection: close\r\n\r\n", 5);
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
        c.send("HEAD /bytes/123456 HTTP/1.1\r\n\r\n");
        BOOST_TEST(c.answer() == ok_head(123456, false));  // the length of what GET would send
        c.rec.received.clear();
        c.send("HEAD /bytes/1099511627776 HTTP/1.1\r\n\r\n");  // kMaxBody, 2^40: still served
        BOOST_TEST(c.answer() == ok_head(1099511627776ull, false));
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

BOOST_AUTO_TEST_CASE(bad_requests_get_their_status) {
    struct Case {
        const char* request;
        const char* status_line;
        const char* body;  // the answer ends with it
        bool closes;
    };
    const Case cases[] = {
        {"POST /bytes/1 HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n", "only GET\n", false},
        {"GET /other HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "try /bytes/N\n", false},
        {"GET /bytes/ HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "try /bytes/N\n", false},
        {"GET /bytes/12x HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "try /bytes/N\n", false},
        {"GET /bytes/-1 HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "try /bytes/N\n", false},
        {"GET /bytes/99999999999999 HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "try /bytes/N\n", false},
        // kMaxBody is 2^40: one byte more is refused as too large.
        {"GET /bytes/1099511627777 HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "too large\n", false},
        {"GET /bytes/1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", "bad request\n", true},
        {"nonsense\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", "bad request\n", true},
    };
    for (const Case& k : cases) {
        BOOST_TEST_CONTEXT(k.request) {
            Pair p;
            {
                Server server(p.b.tcp());
                Client c(p);
                c.send(k.request);
                const std::string a = c.answer();
                BOOST_TEST(a.substr(0, std::strlen(k.status_line)) == k.status_line);
                BOOST_TEST(a.ends_with(std::string("\r\n\r\n") + k.body));
                BOOST_TEST(c.closed_by_server() == k.closes);
                c.finish();
            }
            p.check_clean();
        }
    }
}

BOOST_AUTO_TEST_CASE(a_head_that_never_ends_is_refused) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send("GET /bytes/1 HTTP/1.1\r\nX-Long: " + std::string(9000, 'a'), 1400);
        BOOST_TEST(c.answer().substr(0, 46) == "HTTP/1.1 431 Request Header Fields Too Large\r\n");
        BOOST_TEST(c.closed_by_server());
        c.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_SUITE_END()
