// The HTTP/1.1 server (apps/http/server.h) over the in-memory link with virtual time:
// keep-alive, pipelining in order, request content (Content-Length, chunked, 100-continue,
// 413), every refused request with its status, HEAD, static files byte for byte with ETag
// and 304, the idle and slow-head timeouts, a client that never reads, graceful drain, and
// the hand-over of upgrades. (GET /bytes/N and the flow-control cases where a client sends
// without reading: tests/sim/http_bytes_sim_test.cc.)
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "apps/http/server.h"
#include "stack/buf/shared_bytes.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcp_sim;
namespace http = slip::apps::http;
namespace app = slip::app;

namespace {

constexpr uint16_t kHttpPort = 80;
constexpr std::string_view kDate = "Sun, 06 Nov 1994 08:49:37 GMT";  // RFC 9110 §5.6.7's example

int64_t fixed_wall_clock() { return 784111777ll * 1'000'000'000; }

http::HttpServerOptions test_options() {
    http::HttpServerOptions o;
    o.wall_clock = fixed_wall_clock;
    return o;
}

struct Server {
    AppHost host;
    http::HttpServer http;
    Tap tap{http};
    explicit Server(TcpLayer& tcp, http::HttpServerOptions o = test_options(),
                    std::shared_ptr<const http::StaticFiles> files = nullptr)
        : host(tcp), http(64, std::move(o), std::move(files)) {
        host.serve(kHttpPort, tap);
    }
    uint32_t held_bytes() const { return host.held_bytes(tap.last); }
    void drain(Pair& p) {
        host.binding.set_now(p.link.now());
        http.drain(host.binding);
    }
};

// A connects to B's server and sends requests; everything B answers is kept.
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
    // Sends `bytes` (in pieces of `piece` bytes, each its own segment), then runs 20 ms.
    void send(const std::string& bytes, size_t piece = 0) {
        const size_t step = piece == 0 ? bytes.size() : piece;
        for (size_t at = 0; at < bytes.size(); at += step) {
            const std::string part = bytes.substr(at, step);
            BOOST_REQUIRE(p.a.tcp().send(h, make_mbuf(Bytes(part.begin(), part.end())), p.link.now()));
            p.link.run_for(Duration::milliseconds(1));
        }
        p.link.run_for(Duration::milliseconds(20));
    }
    std::string stream() const { return std::string(rec.received.begin(), rec.received.end()); }
    bool closed_by_server() const { return rec.peer_closed == 1; }
    void finish() {
        if (rec.closed == 0) {
            p.a.tcp().close(h, p.link.now());
        }
        p.link.run_for(Duration::milliseconds(50));
    }
};

struct Response {
    int status = 0;
    std::string head;
    std::map<std::string, std::string> fields;  // names in lower case
    std::string body;
    bool has(const std::string& name) const { return fields.count(name) != 0; }
    std::string field(const std::string& name) const {
        const auto it = fields.find(name);
        return it != fields.end() ? it->second : std::string();
    }
};

// Takes the first whole response off `stream`; `no_body`: the answer to a HEAD.
bool take(std::string& stream, Response& r, bool no_body = false) {
    const size_t end = stream.find("\r\n\r\n");
    if (end == std::string::npos) {
        return false;
    }
    r = Response{};
    r.head = stream.substr(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    size_t at = r.head.find("\r\n") + 2;
    while (at < end) {
        const size_t eol = r.head.find("\r\n", at);
        const std::string line = r.head.substr(at, eol - at);
        const size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (char& ch : name) {
            ch = char(std::tolower(uint8_t(ch)));
        }
        r.fields[name] = line.substr(colon + 2);
        at = eol + 2;
    }
    const bool bodiless = no_body || r.status == 304 || r.status == 204 || r.status < 200;
    const size_t length = bodiless || !r.has("content-length") ? 0 : std::stoul(r.field("content-length"));
    if (stream.size() < end + 4 + length) {
        return false;
    }
    r.body = stream.substr(end + 4, length);
    stream.erase(0, end + 4 + length);
    return true;
}

// Every response the stream holds, in order.
std::vector<Response> take_all(std::string stream, const std::vector<bool>& no_body = {}) {
    std::vector<Response> out;
    Response r;
    while (take(stream, r, out.size() < no_body.size() && no_body[out.size()])) {
        out.push_back(r);
    }
    BOOST_TEST(stream.empty(), "left over: " << stream.substr(0, 80));
    return out;
}

std::string get(const std::string& target, const std::string& extra = "", const std::string& method = "GET") {
    return method + " " + target + " HTTP/1.1\r\nHost: b\r\n" + extra + "\r\n";
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// A WebSocket upgrade request for `path` (RFC 6455 §4.1's example key).
std::string upgrade_request(const std::string& path) {
    return "GET " + path +
           " HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// An upgrade target that answers 101 (or 400 when told to refuse) and then echoes bytes.
class EchoTarget final : public http::UpgradeTarget {
public:
    bool refuse = false;
    int upgrades = 0, timers = 0, closed = 0, drains = 0;
    std::string last_key;
    bool on_upgrade(app::Connections& c, app::ConnId id, const http::RequestHead& head) override {
        ++upgrades;
        last_key = std::string(head.sec_websocket_key);
        const std::string_view answer = refuse ? "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                               : "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
        app::BufferChain out = c.copy_in({reinterpret_cast<const uint8_t*>(answer.data()), answer.size()});
        c.send(id, out);
        if (refuse) {
            return false;
        }
        c.set_timer(id, 1'000'000'000);
        on_data(c, id);  // what came right behind the request
        return true;
    }
    void on_data(app::Connections& c, app::ConnId id) override {
        const uint32_t n = c.received(id).bytes();
        if (n > 0) {
            app::BufferChain in = c.take(id, n);
            c.send(id, in);
        }
    }
    void on_timer(app::Connections&, app::ConnId) override { ++timers; }
    void on_peer_closed(app::Connections& c, app::ConnId id) override { c.close(id); }
    void on_closed(app::Connections&, app::ConnId, app::CloseReason) override { ++closed; }
    void drain(app::Connections&) override { ++drains; }
};

// A directory of files for the static-file cases, removed with the object.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("slip_http_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void write(const std::string& name, const Bytes& data) const {
        std::filesystem::create_directories((path / name).parent_path());
        std::ofstream(path / name, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), long(data.size()));
    }
};

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

// The engine's ByteStore as the sim needs it: the bytes in ordinary memory (no device
// reads them here), each registration its own SharedBytes.
struct HeapByteStore final : app::ByteStore {
    std::vector<std::unique_ptr<Bytes>> memory;
    std::vector<std::unique_ptr<buf::SharedBytes>> shared;
    size_t refuse_after = SIZE_MAX;  // registrations granted before the memory "runs out"
    const app::SharedBytes* share(std::span<const uint8_t> bytes) override {
        if (shared.size() >= refuse_after) {
            return nullptr;
        }
        memory.push_back(std::make_unique<Bytes>(bytes.begin(), bytes.end()));
        shared.push_back(std::make_unique<buf::SharedBytes>(memory.back()->data(), 0, bytes.size()));
        return shared.back().get();
    }
    uint32_t live_views() const {
        uint32_t n = 0;
        for (const auto& s : shared) {
            n += s->live_views();
        }
        return n;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_server_sim)

BOOST_AUTO_TEST_CASE(dates_and_status_lines) {
    std::array<char, http::kImfFixdateLength> d;
    http::format_imf_fixdate(784111777, d);
    BOOST_TEST(std::string_view(d.data(), d.size()) == kDate);
    http::format_imf_fixdate(0, d);
    BOOST_TEST(std::string_view(d.data(), d.size()) == "Thu, 01 Jan 1970 00:00:00 GMT");
    http::format_imf_fixdate(951782400, d);  // a leap day
    BOOST_TEST(std::string_view(d.data(), d.size()) == "Tue, 29 Feb 2000 00:00:00 GMT");
    http::format_imf_fixdate(4102444799, d);
    BOOST_TEST(std::string_view(d.data(), d.size()) == "Thu, 31 Dec 2099 23:59:59 GMT");
    BOOST_TEST(http::reason_phrase(431) == "Request Header Fields Too Large");
    BOOST_TEST(http::reason_phrase(413) == "Content Too Large");
    BOOST_TEST(http::status_text(505) == "505 HTTP Version Not Supported\n");

    // The wall clock is read when a second has passed on the monotonic clock, not per call.
    static int64_t wall = 784111777ll * 1'000'000'000 + 250'000'000;  // a quarter into a second
    http::HttpDate date([] { return wall; });
    BOOST_TEST(date.at(5'000'000'000) == kDate);
    for (uint64_t t = 5'000'000'000; t < 5'749'000'000; t += 1'000'000) {
        BOOST_TEST_REQUIRE(date.at(t) == kDate);
    }
    BOOST_TEST(date.refreshes() == 1u);
    wall += 750'000'000;
    BOOST_TEST(date.at(5'750'000'000) == "Sun, 06 Nov 1994 08:49:38 GMT");
    BOOST_TEST(date.refreshes() == 2u);
}

BOOST_AUTO_TEST_CASE(keep_alive_requests_share_one_connection) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send(get("/bytes/1000"));
        c.send(get("/"));
        c.send(get("/bytes/5", "", "HEAD"));
        c.send(get("/bytes/1", "", "OPTIONS"));
        c.send(get("http://b/bytes/2"));  // absolute-form (RFC 9112 §3.2.2)
        c.send(get("/bytes/3?x=1"));      // the query is no part of the path
        BOOST_TEST(!c.closed_by_server());
        c.send(get("/bytes/0", "Connection: close\r\n"));
        const std::vector<Response> r = take_all(c.stream(), {false, false, true, false, false, false, false});
        BOOST_REQUIRE(r.size() == 7u);
        BOOST_TEST(r[0].status == 200);
        BOOST_TEST(r[0].body.size() == 1000u);
        BOOST_TEST(r[0].field("date") == kDate);
        BOOST_TEST(r[0].field("server") == "slipstream");
        BOOST_TEST(!r[0].has("connection"));
        BOOST_TEST(r[1].status == 200);
        BOOST_TEST(r[1].field("content-type") == "text/plain; charset=utf-8");
        BOOST_TEST(r[1].body.find("/bytes/N") != std::string::npos);
        BOOST_TEST(r[1].body.find("/discard") != std::string::npos);
        BOOST_TEST(r[2].field("content-length") == "5");
        BOOST_TEST(r[3].status == 204);
        BOOST_TEST(r[3].field("allow") == "GET, HEAD, OPTIONS");
        BOOST_TEST(!r[3].has("content-length"));  // RFC 9110 §8.6
        BOOST_TEST(r[4].body == "!\"");
        BOOST_TEST(r[5].body == "!\"#");
        BOOST_TEST(r[6].field("connection") == "close");
        BOOST_TEST(c.closed_by_server());
        c.finish();
        BOOST_TEST(server.http.stats().requests == 7u);
        BOOST_TEST(server.http.stats().errors == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        const std::string burst = get("/bytes/3") + get("/") + get("/bytes/4", "", "HEAD") +
                                  get("/discard", "Content-Length: 5\r\n", "POST") + "hello" + get("/bytes/2") +
                                  get("/bytes/7", "Connection: close\r\n");
        c.send(burst, 7);  // seven bytes a segment: heads and content split anywhere
        p.link.run_for(Duration::milliseconds(500));  // Nagle on A waits for B's delayed ACKs
        const std::vector<Response> r = take_all(c.stream(), {false, false, true});
        BOOST_REQUIRE(r.size() == 6u);
        BOOST_TEST(r[0].body == "!\"#");
        BOOST_TEST(r[1].body.starts_with("slipstream HTTP/1.1 server"));
        BOOST_TEST(r[2].field("content-length") == "4");
        BOOST_TEST(r[3].body == "received 5 bytes\n");
        BOOST_TEST(r[4].body.size() == 2u);
        BOOST_TEST(r[5].body.size() == 7u);
        BOOST_TEST(c.closed_by_server());
        // The same burst in one segment.
        Client d(p);
        d.send(burst);
        BOOST_TEST(d.stream() == c.stream());
        c.finish();
        d.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(request_content_is_read_and_dropped) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send(get("/discard", "Content-Length: 100000\r\n", "POST") + std::string(100000, 'a'), 1400);
        // Chunked (RFC 9112 §7.1): 200 chunks of 1..200 bytes with extensions and a trailer,
        // many chunks to a segment (more than the decoder reports in one feed).
        std::string chunked;
        for (int n = 1; n <= 200; ++n) {
            char size[16];
            std::snprintf(size, sizeof size, "%x", n);
            chunked += std::string(size) + (n % 3 == 0 ? ";ext=1" : "") + "\r\n" + std::string(size_t(n), 'b') + "\r\n";
        }
        chunked += "0\r\nX-Trailer: yes\r\n\r\n";
        c.send(get("/discard", "Transfer-Encoding: chunked\r\n", "POST") + chunked, 1000);
        c.send(get("/discard", "Transfer-Encoding: chunked\r\n", "POST") + chunked, 1400);
        // A GET with content: read and dropped too; the connection goes on.
        c.send(get("/bytes/3", "Content-Length: 10\r\n") + "0123456789" + get("/bytes/1"));
        p.link.run_for(Duration::milliseconds(500));
        const std::vector<Response> r = take_all(c.stream());
        BOOST_REQUIRE(r.size() == 5u);
        BOOST_TEST(r[0].body == "received 100000 bytes\n");
        BOOST_TEST(r[1].body == "received 20100 bytes\n");
        BOOST_TEST(r[2].body == "received 20100 bytes\n");
        BOOST_TEST(r[3].body.size() == 3u);
        BOOST_TEST(r[4].body.size() == 1u);
        BOOST_TEST(!c.closed_by_server());
        BOOST_TEST(server.http.stats().body_bytes == 100000u + 2 * chunked.size() + 10);
        c.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(expect_100_continue) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        c.send(get("/discard", "Content-Length: 10\r\nExpect: 100-continue\r\n", "POST"));
        BOOST_TEST(c.stream() == "HTTP/1.1 100 Continue\r\n\r\n");  // RFC 9110 §10.1.1
        c.rec.received.clear();
        c.send("0123456789");
        const std::vector<Response> r = take_all(c.stream());
        BOOST_REQUIRE(r.size() == 1u);
        BOOST_TEST(r[0].body == "received 10 bytes\n");
        c.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(content_over_the_limit_gets_413) {
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.max_body = 1000;
        Server server(p.b.tcp(), o);
        const std::string requests[] = {
            // Refused from its Content-Length, before any of it is sent; no 100 Continue.
            get("/discard", "Content-Length: 1001\r\nExpect: 100-continue\r\n", "POST"),
            // Chunked: refused when the chunk sizes pass the limit.
            get("/discard", "Transfer-Encoding: chunked\r\n", "POST") + "200\r\n" + std::string(512, 'x') +
                "\r\n200\r\n" + std::string(512, 'x') + "\r\n0\r\n\r\n",
        };
        for (const std::string& request : requests) {
            Client c(p);
            c.send(request);
            const std::vector<Response> r = take_all(c.stream());
            BOOST_REQUIRE(r.size() == 1u);
            BOOST_TEST(r[0].status == 413);
            BOOST_TEST(r[0].field("connection") == "close");
            BOOST_TEST(c.closed_by_server());
            c.finish();
        }
        // At the limit: served.
        Client c(p);
        c.send(get("/discard", "Content-Length: 1000\r\n", "POST") + std::string(1000, 'x'));
        BOOST_TEST(c.stream().ends_with("received 1000 bytes\n"));
        c.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(bad_requests_get_their_status) {
    struct Case {
        std::string request;
        int status;
        std::string allow;
    };
    std::string many_fields = "GET / HTTP/1.1\r\nHost: b\r\n";
    for (int i = 0; i < 64; ++i) {
        many_fields += "X-" + std::to_string(i) + ": v\r\n";
    }
    const Case cases[] = {
        {get("/nothing-here"), 404, ""},
        {get("/bytes/1", "", "DELETE"), 405, "GET, HEAD, OPTIONS"},
        {get("/bytes/1", "Content-Length: 3\r\n", "POST") + "abc", 405, "GET, HEAD, OPTIONS"},
        {get("/discard"), 405, "POST, OPTIONS"},
        {get("/", "", "BREW"), 501, ""},
        {get("/", "", "get"), 501, ""},  // methods are case-sensitive (RFC 9110 §9.1)
        {"GET / HTTP/1.1\r\n\r\n", 400, ""},                            // HTTP/1.1 without Host
        {get("/", "Host: c\r\n"), 400, ""},                             // two Hosts
        {get("/discard", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "POST"), 400, ""},
        {get("/discard", "Content-Length: 3\r\nContent-Length: 4\r\n", "POST"), 400, ""},
        {get("/", "X-A: a\r\n folded\r\n"), 400, ""},                   // obs-fold
        {"GET / HTTP/1.1\nHost: b\n\n", 400, ""},                       // bare LF
        {"GET / HTTP/1.1\r\nHost: b\rX: y\r\n\r\n", 400, ""},           // bare CR
        {"GET  / HTTP/1.1\r\nHost: b\r\n\r\n", 400, ""},                // two spaces
        {"nonsense\r\n\r\n", 400, ""},
        {get("/", "Transfer-Encoding: gzip, chunked\r\n"), 501, ""},
        {"GET / HTTP/2.0\r\nHost: b\r\n\r\n", 505, ""},
        {get("/" + std::string(5000, 'a')), 414, ""},
        {many_fields + "X-64: v\r\n\r\n", 431, ""},
        {get("/", "X-Long: " + std::string(9000, 'a') + "\r\n"), 431, ""},
        {get("/bytes/12x"), 404, ""},
        {upgrade_request("/nowhere"), 404, ""},
    };
    Pair p;
    {
        Server server(p.b.tcp());
        for (const Case& k : cases) {
            BOOST_TEST_CONTEXT(k.request.substr(0, 60)) {
                Client c(p);
                c.send(k.request, 1400);
                const std::vector<Response> r = take_all(c.stream());
                BOOST_REQUIRE(r.size() == 1u);
                BOOST_TEST(r[0].status == k.status);
                BOOST_TEST(r[0].body == std::string(http::status_text(uint16_t(k.status))));
                BOOST_TEST(r[0].field("allow") == k.allow);
                BOOST_TEST(r[0].field("connection") == "close");  // RFC 9112 §9.6
                BOOST_TEST(c.closed_by_server());
                c.finish();
            }
        }
        BOOST_TEST(server.http.stats().errors == std::size(cases));
        // The answer to a refused HEAD has no content either.
        Client c(p);
        c.send(get("/nothing-here", "", "HEAD"));
        Response r;
        std::string s = c.stream();
        BOOST_REQUIRE(take(s, r, true));
        BOOST_TEST(r.status == 404);
        BOOST_TEST(s.empty());
        c.finish();
    }
    p.check_clean();
}

// After an error answer nothing more is read: the content behind a refused request is not
// kept, and the window closes on a client that goes on sending it.
BOOST_AUTO_TEST_CASE(nothing_is_read_after_an_error) {
    // Client and server outlive check_clean: A still holds unsent content when B resets it.
    Pair p;
    Server server(p.b.tcp());
    Client c(p);
    c.send(get("/bytes/1", "Content-Length: 10000000\r\n", "POST"));
    BOOST_TEST(c.stream().starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    BOOST_TEST(c.closed_by_server());
    uint64_t pushed = 0;
    for (int ms = 0; ms < 500; ++ms) {
        while (pushed < 10000000 && p.a.tcp().send_space(c.h) >= 1400 &&
               p.a.tcp().send(c.h, make_mbuf(Bytes(1400, 'x')), p.link.now())) {
            pushed += 1400;
        }
        p.link.run_for(Duration::milliseconds(1));
        BOOST_REQUIRE(server.held_bytes() == 0u);
    }
    BOOST_TEST(pushed < (1u << 20));  // the window closed on the rest
    c.finish();
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(head_answers_have_the_fields_of_get) {
    TempDir dir;
    dir.write("page.html", bytes_of("<p>hi</p>"));
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.root = dir.path.string();
        Server server(p.b.tcp(), o);
        for (const char* target : {"/page.html", "/bytes/4096", "/"}) {
            BOOST_TEST_CONTEXT(target) {
                Client c(p);
                c.send(get(target) + get(target, "", "HEAD"));
                const std::vector<Response> r = take_all(c.stream(), {false, true});
                BOOST_REQUIRE(r.size() == 2u);
                BOOST_TEST(r[0].head == r[1].head);
                BOOST_TEST(r[0].body.size() == std::stoul(r[0].field("content-length")));
                BOOST_TEST(r[1].body.empty());
                c.finish();
            }
        }
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(static_files_are_served_byte_identical) {
    TempDir dir;
    struct File {
        std::string name;
        std::string url;
        Bytes data;
        std::string type;
    };
    const std::vector<File> files = {
        {"index.html", "/", bytes_of("<!doctype html><title>t</title>"), "text/html; charset=utf-8"},
        {"css/site.css", "/css/site.css", bytes_of("body{}"), "text/css; charset=utf-8"},
        {"app.js", "/app.js", bytes_of("let a=1;"), "text/javascript; charset=utf-8"},
        {"data.json", "/data.json", bytes_of("{}"), "application/json"},
        {"with space.txt", "/with%20space.txt", bytes_of("spaced"), "text/plain; charset=utf-8"},
        {"img/a.PNG", "/img/a.PNG", pattern(5000, 1), "image/png"},
        {"img/b.jpg", "/img/b.jpg", pattern(6000, 2), "image/jpeg"},
        {"logo.svg", "/logo.svg", bytes_of("<svg/>"), "image/svg+xml"},
        {"mod.wasm", "/mod.wasm", pattern(100, 3), "application/wasm"},
        {"blob", "/blob", pattern(700000, 4), "application/octet-stream"},  // over the send buffer
        {"docs/index.html", "/docs/", bytes_of("docs"), "text/html; charset=utf-8"},
    };
    for (const File& f : files) {
        dir.write(f.name, f.data);
    }
    dir.write("too-big.bin", Bytes(800001, 0));
    http::StaticFileLimits limits;
    limits.max_file = 800000;
    auto loaded = std::make_shared<const http::StaticFiles>(http::StaticFiles::load(dir.path.string(), limits));
    BOOST_REQUIRE(loaded->warnings().size() == 1u);
    BOOST_TEST(loaded->warnings()[0].find("too-big.bin") != std::string::npos);
    BOOST_TEST(loaded->files().size() == files.size());
    Pair p;
    {
        Server server(p.b.tcp(), test_options(), loaded);
        Client c(p);
        for (const File& f : files) {
            BOOST_TEST_CONTEXT(f.name) {
                c.rec.received.clear();
                c.send(get(f.url));
                p.link.run_for(Duration::milliseconds(200));
                const std::vector<Response> r = take_all(c.stream());
                BOOST_REQUIRE(r.size() == 1u);
                BOOST_TEST(r[0].status == 200);
                BOOST_TEST(r[0].field("content-type") == f.type);
                BOOST_TEST((r[0].body == text(f.data)));
                BOOST_TEST(r[0].field("etag") == http::strong_etag(f.data));
            }
        }
        BOOST_TEST(!c.closed_by_server());
        c.finish();
        for (const char* missing : {"/too-big.bin", "/css/", "/nope", "/%2e%2e/etc/passwd", "/css%2fsite.css", "/%zz"}) {
            BOOST_TEST_CONTEXT(missing) {
                Client m(p);
                m.send(get(missing));
                BOOST_TEST(m.stream().starts_with("HTTP/1.1 404 Not Found\r\n"));
                m.finish();
            }
        }
    }
    p.check_clean();
}

// Files registered with the engine's ByteStore go out as views of the registered bytes,
// never copied, over a lossy link (retransmissions read the same views) and past the send
// buffer; a file the store refused is copied. Every view is back in its pool at the end.
BOOST_AUTO_TEST_CASE(shared_static_files_are_sent_by_reference) {
    TempDir dir;
    const Bytes big = pattern(900000, 7);
    const Bytes small = pattern(3000, 8);
    dir.write("big.bin", big);
    dir.write("small.bin", small);
    dir.write("unshared.bin", pattern(5000, 9));  // sorted last: refused by the store
    auto files = std::make_shared<http::StaticFiles>(http::StaticFiles::load(dir.path.string()));
    BOOST_REQUIRE(files->files().size() == 3u);
    HeapByteStore store;
    store.refuse_after = 2;
    BOOST_TEST(files->share(store) == 1u);
    BOOST_TEST(files->find("/big.bin")->shared != nullptr);
    BOOST_TEST(files->find("/unshared.bin")->shared == nullptr);
    Pair p(lossy(0.02, 0.02, 11), lossy(0.02, 0.02, 12));
    {
        Server server(p.b.tcp(), test_options(), files);
        Client c(p);
        for (int round = 0; round < 2; ++round) {
            c.rec.received.clear();
            c.send(get("/big.bin") + get("/small.bin"));
            p.link.run_for(Duration::seconds(5));
            const std::vector<Response> r = take_all(c.stream());
            BOOST_REQUIRE(r.size() == 2u);
            BOOST_TEST((r[0].body == text(big)));
            BOOST_TEST((r[1].body == text(small)));
        }
        BOOST_TEST(server.http.stats().content_referenced == 2 * (big.size() + small.size()));
        BOOST_TEST(server.http.stats().content_copied == 0u);
        c.rec.received.clear();
        c.send(get("/unshared.bin"));
        p.link.run_for(Duration::seconds(2));
        BOOST_TEST(take_all(c.stream()).size() == 1u);
        BOOST_TEST(server.http.stats().content_copied == 5000u);
        c.finish();
    }
    p.check_clean();
    BOOST_TEST(store.live_views() == 0u);
}

BOOST_AUTO_TEST_CASE(if_none_match_gets_304) {
    TempDir dir;
    const Bytes data = pattern(3000, 9);
    dir.write("f.bin", data);
    const std::string etag = http::strong_etag(data);
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.root = dir.path.string();
        Server server(p.b.tcp(), o);
        Client c(p);
        const std::string matching[] = {etag, "W/" + etag, "\"other\", " + etag, "*"};
        for (const std::string& v : matching) {
            c.send(get("/f.bin", "If-None-Match: " + v + "\r\n"));
        }
        c.send(get("/f.bin", "If-None-Match: " + etag + "\r\n", "HEAD"));
        c.send(get("/f.bin", "If-None-Match: \"other\"\r\n"));
        const std::vector<Response> r = take_all(c.stream(), {false, false, false, false, true});
        BOOST_REQUIRE(r.size() == 6u);
        for (size_t i = 0; i < 5; ++i) {
            BOOST_TEST_CONTEXT(i) {
                BOOST_TEST(r[i].status == 304);  // RFC 9110 §13.1.2, §15.4.5
                BOOST_TEST(r[i].field("etag") == etag);
                BOOST_TEST(!r[i].has("content-length"));
                BOOST_TEST(r[i].body.empty());
            }
        }
        BOOST_TEST(r[5].status == 200);
        BOOST_TEST((r[5].body == text(data)));
        BOOST_TEST(!c.closed_by_server());  // a 304 is no error
        BOOST_TEST(server.http.stats().not_modified == 5u);
        c.finish();
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(idle_connections_are_closed) {
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.idle_timeout_ns = 5'000'000'000;
        Server server(p.b.tcp(), o);
        Client c(p);
        Client silent(p);
        c.send(get("/bytes/1"));
        for (int i = 0; i < 4; ++i) {  // requests every second keep it open
            p.link.run_for(Duration::seconds(1));
            c.send(get("/bytes/1"));
        }
        p.link.run_for(Duration::milliseconds(4500));
        BOOST_TEST(!c.closed_by_server());
        BOOST_TEST(silent.closed_by_server());  // never sent a byte: idle since it connected
        p.link.run_for(Duration::seconds(1));
        BOOST_TEST(c.closed_by_server());  // RFC 9112 §9.5
        BOOST_TEST(take_all(c.stream()).size() == 5u);
        BOOST_TEST(server.http.stats().idle_closed == 2u);
        c.finish();
        silent.finish();
    }
    p.check_clean();
}

// A head trickling in one byte a second is cut off head_timeout after its first byte.
BOOST_AUTO_TEST_CASE(a_slow_head_gets_408) {
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.head_timeout_ns = 10'000'000'000;
        Server server(p.b.tcp(), o);
        Client c(p);
        c.send(get("/bytes/1"));
        p.link.run_for(Duration::seconds(3));  // idle a while: the head's clock has not started
        c.rec.received.clear();
        const std::string slow = "GET /bytes/1 HTTP/1.1\r\nHost: b\r\nX-Slow: " + std::string(100, 'z');
        const Instant first = p.link.now();
        for (size_t i = 0; i < slow.size() && !c.closed_by_server(); ++i) {
            BOOST_REQUIRE(p.a.tcp().send(c.h, make_mbuf(Bytes(1, uint8_t(slow[i]))), p.link.now()));
            p.link.run_for(Duration::seconds(1));
            if (p.link.now() - first < Duration::milliseconds(9900)) {
                BOOST_REQUIRE(c.rec.received.empty());
            }
        }
        BOOST_TEST(c.closed_by_server());
        BOOST_TEST((p.link.now() - first <= Duration::seconds(11)));
        const std::vector<Response> r = take_all(c.stream());
        BOOST_REQUIRE(r.size() == 1u);
        BOOST_TEST(r[0].status == 408);
        BOOST_TEST(r[0].field("connection") == "close");
        c.finish();
        // Content that stops coming is cut off after idle_timeout.
        Client d(p);
        d.send(get("/discard", "Content-Length: 100\r\n", "POST") + "only ten..");
        p.link.run_for(Duration::seconds(59));
        BOOST_TEST(d.rec.received.empty());
        p.link.run_for(Duration::seconds(2));
        BOOST_TEST(d.stream().starts_with("HTTP/1.1 408 Request Timeout\r\n"));
        BOOST_TEST(d.closed_by_server());
        d.finish();
        BOOST_TEST(server.http.stats().timeouts == 2u);
    }
    p.check_clean();
}

// A client that takes no bytes of its answer is aborted after send_timeout.
BOOST_AUTO_TEST_CASE(a_client_that_never_reads_is_aborted) {
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.send_timeout_ns = 2'000'000'000;
        Server server(p.b.tcp(), o);
        Client c(p);
        c.rec.consume = false;
        c.send(get("/bytes/100000000"));
        p.link.run_for(Duration::milliseconds(1500));
        BOOST_TEST(c.rec.closed == 0);
        p.link.run_for(Duration::seconds(3));
        BOOST_TEST(c.rec.closed == 1);
        BOOST_TEST(c.rec.reason == CloseReason::reset);
        BOOST_TEST(server.http.stats().send_stalls == 1u);
    }
    p.check_clean();
}

// The client half-closes behind its requests (RFC 9112 §9.6): they are answered, then
// the server closes too.
BOOST_AUTO_TEST_CASE(requests_before_a_half_close_are_answered) {
    Pair p;
    {
        Server server(p.b.tcp());
        Client c(p);
        const std::string two = get("/bytes/300000") + get("/bytes/2");
        BOOST_REQUIRE(p.a.tcp().send(c.h, make_mbuf(bytes_of(two)), p.link.now()));
        p.a.tcp().close(c.h, p.link.now());
        p.link.run_for(Duration::milliseconds(500));
        const std::vector<Response> r = take_all(c.stream());
        BOOST_REQUIRE(r.size() == 2u);
        BOOST_TEST(r[0].body.size() == 300000u);
        BOOST_TEST(r[1].body.size() == 2u);
        BOOST_TEST(p.a.tcp().state(c.h) == TcpState::time_wait);  // B's FIN came, after both answers
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(drain_closes_idle_connections_and_ends_the_rest) {
    Pair p;
    {
        Server server(p.b.tcp());
        EchoTarget target;
        server.http.route_upgrade("/ws/a", &target);
        server.http.route_upgrade("/ws/b", &target);
        Client idle(p);
        idle.send(get("/bytes/1"));
        Client partial(p);
        partial.send("GET /bytes/2 HTTP/1.1\r\n");
        Client solo(p);
        solo.rec.consume = false;
        solo.send(get("/bytes/2000000"));
        Client busy(p);
        busy.rec.consume = false;  // its first answer stalls at its window
        busy.send(get("/bytes/3000000") + get("/bytes/3"));
        BOOST_REQUIRE(!busy.closed_by_server());
        BOOST_REQUIRE(busy.rec.received.size() < 3000000u);
        server.drain(p);
        BOOST_TEST(target.drains == 1);  // once per target, however many paths it has
        p.link.run_for(Duration::milliseconds(10));
        BOOST_TEST(idle.closed_by_server());
        BOOST_TEST(!partial.closed_by_server());
        for (Client* c : {&solo, &busy}) {
            c->rec.consume = true;
            p.a.tcp().consume(c->h, std::exchange(c->rec.unconsumed, 0), p.link.now());
        }
        partial.send("Host: b\r\n\r\n");
        BOOST_TEST(partial.stream().find("\r\nConnection: close\r\n") != std::string::npos);
        BOOST_TEST(partial.closed_by_server());
        p.link.run_for(Duration::milliseconds(500));
        const std::vector<Response> r = take_all(busy.stream());
        BOOST_REQUIRE(r.size() == 2u);
        BOOST_TEST(r[0].body.size() == 3000000u);
        BOOST_TEST(r[1].field("connection") == "close");
        BOOST_TEST(busy.closed_by_server());
        // An answer going out when the drain began is finished as it began, then it closes.
        const std::vector<Response> alone = take_all(solo.stream());
        BOOST_REQUIRE(alone.size() == 1u);
        BOOST_TEST(alone[0].body.size() == 2000000u);
        BOOST_TEST(!alone[0].has("connection"));
        BOOST_TEST(solo.closed_by_server());
        // New connections: answered once, then closed; no more upgrades.
        Client late(p);
        late.send(get("/bytes/1"));
        BOOST_TEST(late.stream().find("\r\nConnection: close\r\n") != std::string::npos);
        BOOST_TEST(late.closed_by_server());
        Client ws(p);
        ws.send(upgrade_request("/ws/a"));
        BOOST_TEST(ws.stream().starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        BOOST_TEST(target.upgrades == 0);
        for (Client* c : {&idle, &partial, &solo, &busy, &late, &ws}) {
            c->finish();
        }
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(upgrades_go_to_their_target) {
    Pair p;
    {
        http::HttpServerOptions o = test_options();
        o.idle_timeout_ns = 2'000'000'000;
        Server server(p.b.tcp(), o);
        EchoTarget echo;
        auto owned = std::make_unique<EchoTarget>();
        EchoTarget& refusing = *owned;
        refusing.refuse = true;
        server.http.route_upgrade("/ws/echo", &echo);
        server.http.route_upgrade("/ws/refuse", std::move(owned));
        // The bytes right behind the request reach the target with it.
        Client c(p);
        c.send(upgrade_request("/ws/echo") + "hello");
        BOOST_TEST(echo.upgrades == 1);
        BOOST_TEST(echo.last_key == "dGhlIHNhbXBsZSBub25jZQ==");
        BOOST_TEST(c.stream() == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nhello");
        c.rec.received.clear();
        c.send("not HTTP at all\n");
        BOOST_TEST(c.stream() == "not HTTP at all\n");  // the target's on_data, not the server's
        // The target's timer is its own, and the server's idle timeout no longer applies.
        p.link.run_for(Duration::seconds(5));
        BOOST_TEST(echo.timers == 1);
        BOOST_TEST(!c.closed_by_server());
        c.finish();
        BOOST_TEST(echo.closed == 1);
        // A target that refuses answers itself; the connection closes behind its answer.
        Client r(p);
        r.send(upgrade_request("/ws/refuse") + get("/bytes/1"));
        BOOST_TEST(r.stream() == "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        BOOST_TEST(r.closed_by_server());
        BOOST_TEST(refusing.closed == 0);
        r.finish();
        // The endpoint's path without an Upgrade is a bad request, not a resource.
        Client plain(p);
        plain.send(get("/ws/echo"));
        BOOST_TEST(plain.stream().starts_with("HTTP/1.1 400 Bad Request\r\n"));
        BOOST_TEST(plain.closed_by_server());
        plain.finish();
        BOOST_TEST(server.http.stats().upgrades == 1u);
        BOOST_TEST(server.http.stats().requests == 3u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_SUITE_END()
