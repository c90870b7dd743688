// HTTP/0.9 over QUIC (hq-interop) between the engine's own connections over the in-memory
// link: requests for /bytes/N and a static file answered byte for byte, a missing path
// reset with its code, many requests at once over loss, everything freed.
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

#include "apps/http3/pattern_body.h"
#include "apps/http3/hq_server.h"
#include "tests/sim/quic/quic_link.h"

using namespace slip::test::quic_sim;
using slip::apps::hq::HqServer;

namespace {

constexpr uint64_t kSecond = 1000 * kNanosPerMilli;

ConnectionOptions hq_options(Role role) {
    ConnectionOptions o = QuicLink::default_options(role);
    o.params.initial_max_data = 4 << 20;
    o.params.initial_max_stream_data_bidi_local = 128 * 1024;
    o.params.initial_max_stream_data_bidi_remote = 128 * 1024;
    o.params.initial_max_streams_bidi = 64;
    o.max_local_streams = 64;
    return o;
}

// The client's side: requests by path, answers collected, resets noted.
struct Client {
    Connection& c;
    std::map<uint64_t, std::string> path;
    std::map<uint64_t, std::string> body;
    std::map<uint64_t, bool> fin;
    std::map<uint64_t, uint64_t> reset;
    std::map<uint64_t, std::string> request;
    uint64_t get(const std::string& p) {
        uint64_t id = 0;
        BOOST_REQUIRE(c.streams().open(StreamDirection::bidirectional, id));
        request[id] = "GET " + p + "\r\n";
        path[id] = p;
        const std::string& line = request[id];
        BOOST_REQUIRE((c.streams().write(id, std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()),
                                          nullptr) == StreamWrite::accepted));
        c.streams().finish(id);
        return id;
    }
    void step() {
        StreamEvent e;
        while (c.streams().next_event(e)) {
            if (e.bits & kStreamReset) {
                reset[e.id] = e.error_code;
            }
            RxPiece pieces[8];
            bool f = false;
            while (size_t n = c.streams().read(e.id, pieces, f)) {
                uint64_t bytes = 0;
                for (size_t i = 0; i < n; ++i) {
                    body[e.id].append(pieces[i].bytes.begin(), pieces[i].bytes.end());
                    bytes += pieces[i].bytes.size();
                }
                c.streams().consume(e.id, bytes);
            }
            if (f) {
                fin[e.id] = true;
                c.streams().consume(e.id, 0);
            }
        }
    }
};

bool is_pattern(const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i) {
        if (uint8_t(s[i]) != slip::apps::http3::PatternBody::byte_at(i)) {
            return false;
        }
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hq_sim)

BOOST_AUTO_TEST_CASE(requests_are_answered_over_loss) {
    static const std::string index = "<html>hello over hq</html>\n";
    static const slip::apps::http3::StaticContent statics[] = {
        {"/index.html", std::span(reinterpret_cast<const uint8_t*>(index.data()), index.size()), "text/html"}};
    for (uint64_t seed = 1; seed <= 3; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction lossy{10 * kNanosPerMilli, seed == 1 ? 0.0 : 0.03, 0.03, {}};
            QuicLink link(lossy, lossy, seed, hq_options(Role::client), hq_options(Role::server));
            HqServer server(64);
            server.share_statics(statics);
            Client client{link.client()};
            link.on_step = [&] {
                server.poll(link.server());
                client.step();
            };
            BOOST_REQUIRE(link.run_until_established(5 * kSecond));
            std::vector<uint64_t> ids;
            for (int i = 0; i < 30; ++i) {
                ids.push_back(client.get("/bytes/" + std::to_string(2000 * (i + 1))));
            }
            const uint64_t page = client.get("/index.html");
            const uint64_t missing = client.get("/nothing-here");
            link.run_for(30 * kSecond);
            for (size_t i = 0; i < ids.size(); ++i) {
                BOOST_TEST_CONTEXT("request " << i) {
                    BOOST_TEST(client.fin[ids[i]]);
                    BOOST_TEST(client.body[ids[i]].size() == 2000 * (i + 1));
                    BOOST_TEST(is_pattern(client.body[ids[i]]));
                }
            }
            BOOST_TEST(client.body[page] == index);
            BOOST_TEST(client.reset[missing] == HqServer::kNotFound);
            BOOST_TEST(server.stats().requests == 32u);
            BOOST_TEST(server.stats().answered == 31u);
            BOOST_TEST(server.stats().not_found == 1u);
            link.run_for(2 * kSecond);
            BOOST_TEST(link.server().streams().open_streams() == 0u);
            BOOST_TEST(link.client().streams().open_streams() == 0u);
            BOOST_TEST(link.buffers_held() == 0u);
            BOOST_TEST(link.stuck_steps() == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_malformed_request_is_reset) {
    QuicLink link(Direction{}, Direction{}, 1, hq_options(Role::client), hq_options(Role::server));
    HqServer server;
    Client client{link.client()};
    link.on_step = [&] {
        server.poll(link.server());
        client.step();
    };
    BOOST_REQUIRE(link.run_until_established(kSecond));
    const uint64_t missing = client.get("/x");
    uint64_t id = 0;
    BOOST_REQUIRE(link.client().streams().open(StreamDirection::bidirectional, id));
    static const std::string bad = "POST /x\r\n";
    BOOST_REQUIRE((link.client().streams().write(id, std::span(reinterpret_cast<const uint8_t*>(bad.data()), bad.size()),
                                                 nullptr) == StreamWrite::accepted));
    link.client().streams().finish(id);
    link.run_for(kSecond);
    BOOST_TEST(client.reset[id] == HqServer::kBadRequest);
    BOOST_TEST(client.reset[missing] == HqServer::kNotFound);
    BOOST_TEST(server.stats().malformed == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
