// HTTP/3 (RFC 9114) between the engine's own client and server sessions over the
// in-memory QUIC link with virtual time: GET of pattern bytes, of a static content, of a
// missing path and HEAD, exact to the byte; the same over 2% loss and reordering on
// several seeds; twenty requests at once on one connection; a request the client resets.
// At the end every stream but the critical ones (control and QPACK, which live as long as
// the connection, §6.2.1) is closed on both sides, every write handed to the QUIC streams
// was given back, and no received datagram is held.
#include <boost/test/unit_test.hpp>

#include <string>

#include "apps/http3/client.h"
#include "apps/http3/pattern_body.h"
#include "apps/http3/server.h"
#include "apps/http3/session.h"
#include "tests/sim/quic/quic_link.h"

using namespace slip::test::quic_sim;
using namespace slip::apps::http3;

namespace {

constexpr uint64_t kSecond = 1000 * kNanosPerMilli;
constexpr std::string_view kIndex = "<html><body>slipstream over HTTP/3</body></html>\n";
// Each side's own control, QPACK encoder and decoder streams, and the peer's three.
constexpr size_t kCriticalStreams = 6;

// The connection's send-buffer owner: the session's, except for the raw writes a test
// makes itself (to play a peer that breaks the protocol).
struct TxSplit final : TxBufferOwner {
    explicit TxSplit(TxBufferOwner& s) : session(s) {}
    TxBufferOwner& session;
    int raw = 0;  // the token of the test's own writes
    size_t raw_released = 0;
    void release(void* buffer) override {
        if (buffer == &raw) {
            ++raw_released;
        } else {
            session.release(buffer);
        }
    }
};

ConnectionOptions h3_options(Role role, TxBufferOwner& tx) {
    ConnectionOptions o = QuicLink::default_options(role);
    o.params.initial_max_data = 1 << 20;
    o.params.initial_max_stream_data_bidi_local = 128 * 1024;
    o.params.initial_max_stream_data_bidi_remote = 128 * 1024;
    o.params.initial_max_stream_data_uni = 64 * 1024;
    o.params.initial_max_streams_bidi = 32;
    o.params.initial_max_streams_uni = 3;  // RFC 9114 §6.2: control and the two QPACK streams
    o.max_local_streams = 32;
    o.tx_owner = &tx;
    return o;
}

Http3SessionOptions session_options(Role role, size_t max_writes = 1024) {
    Http3SessionOptions o;
    o.role = role;
    o.max_streams = 64;
    o.max_writes = max_writes;
    return o;
}

// The applications first: the link's connections release into the sessions, so they go
// before them.
struct H3Pair {
    Http3Server server_app;
    Http3Client client_app{"sim.example"};
    Http3Session server_session;
    Http3Session client_session{client_app, session_options(Role::client)};
    TxSplit client_tx{client_session.tx_owner()};
    TxSplit server_tx{server_session.tx_owner()};
    QuicLink link;

    // `server_writes`: the server session's write records (few: streams wait for them).
    H3Pair(Direction c2s, Direction s2c, uint64_t seed, size_t server_writes = 1024)
        : server_session(server_app, session_options(Role::server, server_writes)),
          link(std::move(c2s), std::move(s2c), seed, h3_options(Role::client, client_tx),
               h3_options(Role::server, server_tx)) {
        server_app.bind(server_session);
        client_app.bind(client_session);
        server_session.attach(link.server());
        client_session.attach(link.client());
        server_app.add_static("/index.html",
                              std::span(reinterpret_cast<const uint8_t*>(kIndex.data()), kIndex.size()), "text/html");
        link.on_step = [this] {
            client_app.poll(link.now());
            server_session.poll(link.now());
        };
    }

    // Until every request's stream is over (true) or `limit_ns` passed.
    bool run_until_done(uint64_t limit_ns) {
        const uint64_t end = link.now() + limit_ns;
        while (link.now() < end && !client_app.done()) {
            link.run_for(10 * kNanosPerMilli);
        }
        return client_app.done();
    }
};

std::string field(const Http3Response& r, std::string_view name) {
    for (const auto& [n, v] : r.fields) {
        if (n == name) {
            return v;
        }
    }
    return {};
}

void check_pattern(const Http3Response& r, size_t size) {
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.complete);
    BOOST_TEST(r.error == uint64_t(H3Error::no_error));
    BOOST_TEST(field(r, "content-length") == std::to_string(size));
    BOOST_REQUIRE_EQUAL(r.body.size(), size);
    size_t wrong = 0;
    for (size_t i = 0; i < size; ++i) {
        wrong += r.body[i] != PatternBody::byte_at(i) ? 1 : 0;
    }
    BOOST_TEST(wrong == 0u);
}

void check_index(const Http3Response& r) {
    BOOST_TEST(r.status == 200);
    BOOST_TEST(field(r, "content-type") == "text/html");
    BOOST_TEST(std::string(r.body.begin(), r.body.end()) == kIndex);
}

void check_not_found(const Http3Response& r) {
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.complete);
    BOOST_TEST(std::string(r.body.begin(), r.body.end()) == "not found\n");
}

// After a quiet while (the last acknowledgments): only the critical streams remain, every
// write went back once, nothing is held, and neither session failed.
void check_clean(H3Pair& p) {
    p.link.run_for(2 * kSecond);
    BOOST_TEST(!p.client_session.failed());
    BOOST_TEST(!p.server_session.failed());
    BOOST_TEST(p.link.client().streams().open_streams() == kCriticalStreams);
    BOOST_TEST(p.link.server().streams().open_streams() == kCriticalStreams);
    BOOST_TEST(p.client_session.writes_held() == 0u);
    BOOST_TEST(p.server_session.writes_held() == 0u);
    BOOST_TEST(p.client_session.counters().writes_released == p.client_session.counters().writes_accepted);
    BOOST_TEST(p.server_session.counters().writes_released == p.server_session.counters().writes_accepted);
    BOOST_TEST(p.server_app.open_requests() == 0u);
    BOOST_TEST(p.link.buffers_held() == 0u);
    BOOST_TEST(p.link.stuck_steps() == 0u);
    BOOST_TEST((p.link.client().state() == ConnectionState::established));
    BOOST_TEST((p.link.server().state() == ConnectionState::established));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http3_sim)

// RFC 9114 §4.1: one request per stream; 100 000 bytes is more than the stream window
// (128 KiB is not, but the DATA frames and the pattern's repetition are exercised), HEAD
// carries GET's fields and no content (RFC 9110 §9.3.2).
BOOST_AUTO_TEST_CASE(get_pattern_static_missing_and_head) {
    H3Pair p(Direction{}, Direction{}, 1);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    const size_t bytes = p.client_app.get("/bytes/100000");
    const size_t index = p.client_app.get("/index.html");
    const size_t missing = p.client_app.get("/no/such/thing");
    const size_t head = p.client_app.get("/bytes/5000", true);
    const size_t big = p.client_app.get("/bytes/700000");
    BOOST_REQUIRE(p.run_until_done(10 * kSecond));
    const auto& r = p.client_app.responses();
    check_pattern(r[bytes], 100'000);
    check_index(r[index]);
    check_not_found(r[missing]);
    BOOST_TEST(r[head].status == 200);
    BOOST_TEST(field(r[head], "content-length") == "5000");
    BOOST_TEST(r[head].body.empty());
    check_pattern(r[big], 700'000);
    BOOST_TEST(p.server_app.stats().answers == 5u);
    BOOST_TEST(p.server_app.stats().not_found == 1u);
    BOOST_TEST(p.client_session.ready());
    check_clean(p);
}

BOOST_AUTO_TEST_CASE(requests_over_loss_and_reordering) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction lossy{10 * kNanosPerMilli, 0.02, 0.02, {}};
            H3Pair p(lossy, lossy, seed);
            BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
            const size_t bytes = p.client_app.get("/bytes/100000");
            const size_t index = p.client_app.get("/index.html");
            const size_t missing = p.client_app.get("/missing");
            const size_t big = p.client_app.get("/bytes/400000");
            BOOST_REQUIRE(p.run_until_done(60 * kSecond));
            const auto& r = p.client_app.responses();
            check_pattern(r[bytes], 100'000);
            check_index(r[index]);
            check_not_found(r[missing]);
            check_pattern(r[big], 400'000);
            check_clean(p);
        }
    }
}

// Twenty requests go out at once, each on its own stream (RFC 9114 §4.1), and their
// answers interleave on the one connection.
BOOST_AUTO_TEST_CASE(twenty_requests_at_once) {
    Direction lossy{10 * kNanosPerMilli, 0.02, 0, {}};
    // Fewer write records than twenty answers want at once: streams wait for records.
    H3Pair p(lossy, lossy, 5, 48);
    BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
    std::vector<size_t> sizes;
    for (size_t i = 0; i < 20; ++i) {
        sizes.push_back(1000 * i * i + i);
        p.client_app.get("/bytes/" + std::to_string(sizes.back()));
    }
    p.link.run_for(kNanosPerMilli);
    // All went in the same turn, on the client's bidirectional streams 0, 4, ... 76.
    for (size_t i = 0; i < 20; ++i) {
        BOOST_TEST(p.client_app.responses()[i].stream == int64_t(4 * i));
    }
    BOOST_REQUIRE(p.run_until_done(60 * kSecond));
    for (size_t i = 0; i < 20; ++i) {
        BOOST_TEST_CONTEXT("request " << i) { check_pattern(p.client_app.responses()[i], sizes[i]); }
    }
    BOOST_TEST(p.server_app.stats().answers == 20u);
    BOOST_TEST(p.server_session.counters().writes_starved > 0u);
    check_clean(p);
}

// RFC 9114 §4.1.1: a client abandons a request with H3_REQUEST_CANCELLED (RESET_STREAM and
// STOP_SENDING); the server stops its answer, both sides close the stream with that code,
// and the connection serves the next request.
BOOST_AUTO_TEST_CASE(a_request_reset_by_the_client) {
    H3Pair p(Direction{}, Direction{}, 9);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    const size_t big = p.client_app.get("/bytes/50000000");
    for (int i = 0; i < 100 && p.client_app.responses()[big].body.size() < 50'000; ++i) {
        p.link.run_for(10 * kNanosPerMilli);
    }
    BOOST_REQUIRE(p.client_app.responses()[big].body.size() >= 50'000);
    p.client_app.cancel(big);
    BOOST_REQUIRE(p.run_until_done(5 * kSecond));
    const Http3Response& r = p.client_app.responses()[big];
    BOOST_TEST(r.status == 200);
    BOOST_TEST(!r.complete);
    BOOST_TEST(r.error == uint64_t(H3Error::request_cancelled));
    BOOST_TEST(r.body.size() < 50'000'000u);
    const size_t next = p.client_app.get("/index.html");
    BOOST_REQUIRE(p.run_until_done(5 * kSecond));
    check_index(p.client_app.responses()[next]);
    check_clean(p);
    // The server's side closes once its own RESET_STREAM (the answer to STOP_SENDING) is
    // acknowledged: by now.
    BOOST_TEST(p.server_app.stats().closed_with_error == 1u);
    BOOST_TEST(p.server_session.counters().stops_received == 1u);
    // 50 MB did not fit the stream's buffer table: the answer waited for writable events.
    BOOST_TEST(p.server_session.counters().writes_refused > 0u);
}

// An answer far larger than every window and the stream's buffer table, over loss: the
// server's writes are refused and resumed many times (blocked and unblocked in nghttp3),
// the client's reads give credit back as nghttp3 consumes them.
BOOST_AUTO_TEST_CASE(a_large_answer_over_loss) {
    Direction lossy{10 * kNanosPerMilli, 0.02, 0.02, {}};
    H3Pair p(lossy, lossy, 13);
    BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
    const size_t big = p.client_app.get("/bytes/6000000");
    BOOST_REQUIRE(p.run_until_done(120 * kSecond));
    check_pattern(p.client_app.responses()[big], 6'000'000);
    BOOST_TEST(p.server_session.counters().writes_refused > 0u);
    BOOST_TEST(p.client_session.counters().bytes_consumed == p.client_session.counters().bytes_fed);
    check_clean(p);
}

// RFC 9114 §7.2.1, §8: a DATA frame before any HEADERS on a request stream is a connection
// error H3_FRAME_UNEXPECTED; the server closes the connection with it (CONNECTION_CLOSE
// 0x1d, RFC 9000 §19.19) and the client's connection learns the code.
BOOST_AUTO_TEST_CASE(a_frame_out_of_place_closes_the_connection) {
    H3Pair p(Direction{}, Direction{}, 17);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    p.link.run_for(100 * kNanosPerMilli);  // the sessions' own streams are up
    BOOST_REQUIRE(p.server_session.ready());
    static const uint8_t kData[] = {0x00, 0x01, 'x'};  // DATA, length 1
    uint64_t id = 0;
    BOOST_REQUIRE(p.link.client().streams().open(StreamDirection::bidirectional, id));
    BOOST_REQUIRE((p.link.client().streams().write(id, kData, &p.client_tx.raw) == StreamWrite::accepted));
    p.link.run_for(kSecond);
    BOOST_TEST(p.server_session.failed());
    BOOST_TEST(p.server_session.error() == 0x105u);  // H3_FRAME_UNEXPECTED
    BOOST_TEST(p.link.server().closed_by_application());
    BOOST_TEST(p.link.client().closed_by_peer());
    BOOST_TEST(p.link.client().closed_by_application());
    BOOST_TEST(p.link.client().application_error() == 0x105u);
}

// RFC 9114 §6.2.1: closing a control stream is a connection error of type
// H3_CLOSED_CRITICAL_STREAM. The client's control stream is its first unidirectional one.
BOOST_AUTO_TEST_CASE(a_closed_control_stream_closes_the_connection) {
    H3Pair p(Direction{}, Direction{}, 19);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    p.link.run_for(100 * kNanosPerMilli);
    BOOST_REQUIRE(p.client_session.ready());
    BOOST_REQUIRE(p.link.client().streams().finish(2));
    p.link.run_for(kSecond);
    BOOST_TEST(p.server_session.failed());
    BOOST_TEST(p.server_session.error() == 0x104u);  // H3_CLOSED_CRITICAL_STREAM
    BOOST_TEST(p.link.client().closed_by_application());
    BOOST_TEST(p.link.client().application_error() == 0x104u);
}

// RFC 9114 §5.2: the server's GOAWAY lets the request in flight finish; a request queued
// afterwards is not sent (rejected at the client); the server then closes with H3_NO_ERROR.
BOOST_AUTO_TEST_CASE(goaway_lets_requests_in_flight_finish) {
    H3Pair p(Direction{}, Direction{}, 23);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    const size_t first = p.client_app.get("/bytes/300000");
    for (int i = 0; i < 100 && p.client_app.responses()[first].body.empty(); ++i) {
        p.link.run_for(10 * kNanosPerMilli);
    }
    BOOST_REQUIRE(!p.client_app.responses()[first].body.empty());
    BOOST_REQUIRE(p.server_session.shutdown());
    p.link.run_for(50 * kNanosPerMilli);
    BOOST_TEST(p.client_session.goaway_received());
    const size_t later = p.client_app.get("/index.html");
    BOOST_REQUIRE(p.run_until_done(10 * kSecond));
    check_pattern(p.client_app.responses()[first], 300'000);
    BOOST_TEST(!p.client_app.responses()[first].rejected);
    BOOST_TEST(p.client_app.responses()[later].rejected);
    BOOST_TEST(p.client_app.responses()[later].stream == -1);
    p.link.run_for(kSecond);
    BOOST_TEST(p.server_app.open_requests() == 0u);
    p.server_session.close(p.link.now());
    p.link.run_for(kSecond);
    BOOST_TEST(p.link.client().closed_by_application());
    BOOST_TEST(p.link.client().application_error() == uint64_t(H3Error::no_error));
    BOOST_TEST(!p.client_session.failed());
}

BOOST_AUTO_TEST_SUITE_END()
