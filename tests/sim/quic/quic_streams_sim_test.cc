// QUIC streams between the engine's own client and server connections over the in-memory
// link with virtual time: bulk data both ways over loss and reordering (every byte
// arrives, in order, once; buffers are released), flow control as backpressure (a reader
// that stops reading stops its writer at the window), stream-count limits raised with
// MAX_STREAMS as streams close, and RESET_STREAM / STOP_SENDING reaching the other side.
#include <boost/test/unit_test.hpp>

#include <map>

#include "tests/sim/quic/quic_link.h"

using namespace slip::test::quic_sim;

namespace {

constexpr uint64_t kSecond = 1000 * kNanosPerMilli;
constexpr size_t kChunk = 16 * 1024;

uint8_t pattern(uint64_t stream, size_t i) { return uint8_t(i * 7 + i / 251 + stream * 13); }

std::vector<uint8_t> payload(uint64_t stream, size_t size) {
    std::vector<uint8_t> v(size);
    for (size_t i = 0; i < size; ++i) {
        v[i] = pattern(stream, i);
    }
    return v;
}

// Counts the application's send buffers the connection gives back (each write's buffer
// token is released once, when its bytes are all acknowledged or the stream is reset).
struct TxCounter final : TxBufferOwner {
    size_t released = 0;
    void release(void*) override { ++released; }
};

ConnectionOptions stream_options(Role role, TxCounter& tx, uint64_t key_update_packets = 0, uint64_t bidi = 4) {
    ConnectionOptions o = QuicLink::default_options(role);
    o.params.initial_max_data = 1 << 20;
    o.params.initial_max_stream_data_bidi_local = 128 * 1024;
    o.params.initial_max_stream_data_bidi_remote = 128 * 1024;
    o.params.initial_max_stream_data_uni = 64 * 1024;
    o.params.initial_max_streams_bidi = bidi;
    o.params.initial_max_streams_uni = 3;
    o.max_local_streams = bidi + 4;
    o.tx_owner = &tx;
    o.key_update_packets = key_update_packets;
    return o;
}

// One side's application: writes whole payloads in chunks as room allows, reads and
// consumes what arrives (unless told to hold it), and records the events.
struct App {
    explicit App(Connection& conn) : c(conn) {}
    struct Out {
        std::vector<uint8_t> data;
        size_t written = 0;
        bool finish = true;
        bool finished = false;
    };
    Connection& c;
    std::map<uint64_t, Out> out;
    std::map<uint64_t, std::vector<uint8_t>> in;
    std::map<uint64_t, bool> fin;
    std::map<uint64_t, uint8_t> seen;  // every event bit each stream got
    std::map<uint64_t, uint64_t> errors;
    bool reading = true;
    size_t accepted = 0;

    void send(uint64_t id, std::vector<uint8_t> data, bool finish = true) {
        out[id] = Out{std::move(data), 0, finish, false};
    }
    void step() {
        StreamEvent e;
        while (c.streams().next_event(e)) {
            seen[e.id] |= e.bits;
            if (e.bits & (kStreamReset | kStreamStopped)) {
                errors[e.id] = e.error_code;
            }
        }
        for (auto& [id, o] : out) {
            pump(id, o);
        }
        if (reading) {
            for (auto& [id, bits] : seen) {
                read(id);
            }
        }
    }
    void pump(uint64_t id, Out& o) {
        while (o.written < o.data.size()) {
            const size_t n = std::min(kChunk, o.data.size() - o.written);
            const StreamWrite w = c.streams().write(id, std::span(o.data).subspan(o.written, n), &o);
            if (w != StreamWrite::accepted) {
                return;
            }
            o.written += n;
            ++accepted;
        }
        if (o.finish && !o.finished) {
            o.finished = c.streams().finish(id);
        }
    }
    void read(uint64_t id) {
        while (true) {
            RxPiece pieces[8];
            bool f = false;
            const size_t n = c.streams().read(id, pieces, f);
            uint64_t bytes = 0;
            for (size_t i = 0; i < n; ++i) {
                in[id].insert(in[id].end(), pieces[i].bytes.begin(), pieces[i].bytes.end());
                bytes += pieces[i].bytes.size();
            }
            fin[id] = fin[id] || f;
            if (n == 0) {
                return;
            }
            c.streams().consume(id, bytes);
        }
    }
};

struct Pair {
    TxCounter client_tx, server_tx;
    QuicLink link;
    App client, server;
    Pair(Direction c2s, Direction s2c, uint64_t seed, uint64_t client_key_update = 0, uint64_t server_key_update = 0,
         uint64_t bidi = 4)
        : link(std::move(c2s), std::move(s2c), seed, stream_options(Role::client, client_tx, client_key_update, bidi),
               stream_options(Role::server, server_tx, server_key_update, bidi)),
          client(link.client()),
          server(link.server()) {
        link.on_step = [this] {
            client.step();
            server.step();
        };
    }
};

void check_payload(const std::vector<uint8_t>& got, uint64_t stream, size_t size) {
    BOOST_REQUIRE_EQUAL(got.size(), size);
    BOOST_TEST((got == payload(stream, size)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quic_streams_sim)

// A request and its answer on one bidirectional stream, 2 MB up and 600 KB down: more than
// every window (the connection's 1 MB, the stream's 128 KB), so credit must follow what
// the readers consume; over 2% loss and reordering on several seeds.
BOOST_AUTO_TEST_CASE(bulk_both_ways_over_loss) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction lossy{10 * kNanosPerMilli, 0.02, 0.02, {}};
            Pair p(lossy, lossy, seed);
            BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
            uint64_t id = 0;
            BOOST_REQUIRE(p.link.client().streams().open(StreamDirection::bidirectional, id));
            BOOST_TEST(id == 0u);  // RFC 9000 §2.1: the client's first bidirectional stream
            p.client.send(id, payload(id, 2'000'000));
            p.link.run_for(kSecond);
            p.link.reset_max_burst();
            for (int i = 0; i < 600 && !p.server.fin[id]; ++i) {
                p.link.run_for(100 * kNanosPerMilli);
            }
            // RFC 9002 §7.7: paced, the window never leaves as one burst (at most the
            // pacer's burst, and an ACK beside it).
            BOOST_TEST(p.link.max_burst(true) <= Pacer::kBurstDatagrams + 1);
            BOOST_REQUIRE(p.server.fin[id]);
            check_payload(p.server.in[id], id, 2'000'000);
            p.server.send(id, payload(id + 1, 600'000));
            for (int i = 0; i < 600 && !p.client.fin[id]; ++i) {
                p.link.run_for(100 * kNanosPerMilli);
            }
            BOOST_REQUIRE(p.client.fin[id]);
            check_payload(p.client.in[id], id + 1, 600'000);
            p.link.run_for(2 * kSecond);  // the last acknowledgments
            // Both sides closed the stream and freed everything: the send buffers went back
            // once each, no received datagram is held any more.
            BOOST_TEST((p.client.seen[id] & kStreamClosed) != 0);
            BOOST_TEST((p.server.seen[id] & kStreamClosed) != 0);
            BOOST_TEST((p.server.seen[id] & kStreamOpened) != 0);
            BOOST_TEST(p.link.client().streams().open_streams() == 0u);
            BOOST_TEST(p.link.server().streams().open_streams() == 0u);
            BOOST_TEST(p.client_tx.released == p.client.accepted);
            BOOST_TEST(p.server_tx.released == p.server.accepted);
            BOOST_TEST(p.link.buffers_held() == 0u);
            BOOST_TEST(p.link.stuck_steps() == 0u);
            BOOST_TEST((p.link.client().state() == ConnectionState::established));
        }
    }
}

// A reader that stops reading stops its writer: the writer sends no more than the stream
// window we advertised, the held data stays bounded, and everything flows once the reader
// reads again (RFC 9000 §4.1).
BOOST_AUTO_TEST_CASE(a_stalled_reader_stops_the_writer_at_the_window) {
    Pair p(Direction{}, Direction{}, 7);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    p.server.reading = false;
    uint64_t id = 0;
    BOOST_REQUIRE(p.link.client().streams().open(StreamDirection::bidirectional, id));
    p.client.send(id, payload(id, 900'000));
    p.link.run_for(5 * kSecond);
    const uint64_t sent = p.link.client().bytes_sent();
    p.link.run_for(5 * kSecond);
    // Nothing more than the 128 KB window went, and the connection stays quiet meanwhile
    // apart from the one STREAM_DATA_BLOCKED and its acknowledgment.
    BOOST_TEST(p.link.client().bytes_sent() - sent < 200u);
    BOOST_TEST(p.link.server().bytes_received() < 128 * 1024 + 20'000);
    BOOST_TEST(p.link.buffers_held() > 0u);
    BOOST_TEST(p.link.stuck_steps() == 0u);
    p.server.reading = true;
    for (int i = 0; i < 100 && !p.server.fin[id]; ++i) {
        p.link.run_for(100 * kNanosPerMilli);
    }
    BOOST_REQUIRE(p.server.fin[id]);
    check_payload(p.server.in[id], id, 900'000);
}

// RFC 9000 §4.6: the peer's limit of 4 bidirectional streams holds until streams close;
// then MAX_STREAMS lets more open. Also unidirectional streams (HTTP/3 opens three).
BOOST_AUTO_TEST_CASE(stream_limits_and_max_streams) {
    Pair p(Direction{}, Direction{}, 3);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    ConnectionStreams& cs = p.link.client().streams();
    std::vector<uint64_t> ids;
    uint64_t id = 0;
    for (int i = 0; i < 4; ++i) {
        BOOST_REQUIRE(cs.open(StreamDirection::bidirectional, id));
        ids.push_back(id);
        p.client.send(id, payload(id, 1000));
    }
    BOOST_TEST(!cs.open(StreamDirection::bidirectional, id));
    BOOST_TEST(cs.counters().open_refused == 1u);
    uint64_t uni = 0;
    BOOST_REQUIRE(cs.open(StreamDirection::unidirectional, uni));
    BOOST_TEST(uni == 2u);
    p.client.send(uni, payload(uni, 3000));
    p.link.run_for(kSecond);
    for (uint64_t s : ids) {
        BOOST_TEST(p.server.fin[s]);
        p.server.send(s, payload(s, 500));  // the answers close the streams
    }
    BOOST_TEST(p.server.fin[uni]);
    check_payload(p.server.in[uni], uni, 3000);
    p.link.run_for(kSecond);
    for (uint64_t s : ids) {
        BOOST_TEST((p.client.seen[s] & kStreamClosed) != 0);
        check_payload(p.client.in[s], s, 500);
    }
    // The server's MAX_STREAMS came: four more may open.
    for (int i = 0; i < 4; ++i) {
        BOOST_TEST(cs.open(StreamDirection::bidirectional, id));
    }
    BOOST_TEST(id == 28u);
}

// RFC 9000 §3.1, §3.5, §19.4, §19.5: a reset reaches the reader with its error code and
// frees what the stream held; STOP_SENDING makes the writer reset with that code.
BOOST_AUTO_TEST_CASE(reset_and_stop_sending) {
    Direction lossy{10 * kNanosPerMilli, 0.05, 0, {}};
    Pair p(lossy, lossy, 11);
    BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
    ConnectionStreams& cs = p.link.client().streams();
    uint64_t a = 0, b = 0;
    BOOST_REQUIRE(cs.open(StreamDirection::bidirectional, a));
    BOOST_REQUIRE(cs.open(StreamDirection::bidirectional, b));
    p.client.send(a, payload(a, 100'000), false);
    p.client.send(b, payload(b, 100'000), false);
    p.link.run_for(kSecond);
    BOOST_TEST(cs.reset(a, 0x10c));
    BOOST_TEST(p.link.server().streams().stop_sending(b, 0x10d));
    p.server.send(a, payload(a, 10));
    p.server.send(b, payload(b, 10));
    p.link.run_for(3 * kSecond);
    BOOST_TEST((p.server.seen[a] & kStreamReset) != 0);
    BOOST_TEST(p.server.errors[a] == 0x10cu);
    BOOST_TEST((p.client.seen[b] & kStreamStopped) != 0);
    BOOST_TEST(p.client.errors[b] == 0x10du);
    BOOST_TEST((p.server.seen[b] & kStreamReset) != 0);  // the answer to STOP_SENDING
    BOOST_TEST(p.server.errors[b] == 0x10du);
    // Both streams are over on both sides and nothing is held.
    for (uint64_t s : {a, b}) {
        BOOST_TEST((p.client.seen[s] & kStreamClosed) != 0);
        BOOST_TEST((p.server.seen[s] & kStreamClosed) != 0);
    }
    BOOST_TEST(p.client_tx.released == p.client.accepted);
    BOOST_TEST(p.link.buffers_held() == 0u);
    BOOST_TEST(p.link.stuck_steps() == 0u);
}

// RFC 9000 §10.2.3, §19.19: an application's close reaches the peer with its code (what
// HTTP/3 uses, H3_NO_ERROR = 0x100, RFC 9114 §8.1).
BOOST_AUTO_TEST_CASE(an_application_close_carries_its_code) {
    Pair p(Direction{}, Direction{}, 5);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    p.link.client().close_application(0x100, p.link.now());
    p.link.run_for(100 * kNanosPerMilli);
    BOOST_TEST((p.link.server().state() == ConnectionState::draining));
    BOOST_TEST(p.link.server().closed_by_peer());
    BOOST_TEST(p.link.server().closed_by_application());
    BOOST_TEST(p.link.server().application_error() == 0x100u);
    BOOST_TEST((p.link.client().state() == ConnectionState::closing));
    BOOST_TEST(p.link.client().closed_by_application());
}

// RFC 9001 §6: key updates during a transfer over loss and reordering, started by either
// side every few hundred packets (as the AEAD limits of §6.6 would ask over a long run):
// every byte arrives, both sides follow each other's updates, late packets of the previous
// phase still open.
BOOST_AUTO_TEST_CASE(key_updates_during_a_transfer) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction lossy{10 * kNanosPerMilli, 0.02, 0.05, {}};
            Pair p(lossy, lossy, seed, 300, 450);
            BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
            uint64_t id = 0;
            BOOST_REQUIRE(p.link.client().streams().open(StreamDirection::bidirectional, id));
            p.client.send(id, payload(id, 1'500'000));
            for (int i = 0; i < 600 && !p.server.fin[id]; ++i) {
                p.link.run_for(100 * kNanosPerMilli);
            }
            p.server.send(id, payload(id + 1, 1'500'000));
            for (int i = 0; i < 600 && !p.client.fin[id]; ++i) {
                p.link.run_for(100 * kNanosPerMilli);
            }
            BOOST_REQUIRE(p.server.fin[id]);
            BOOST_REQUIRE(p.client.fin[id]);
            check_payload(p.server.in[id], id, 1'500'000);
            check_payload(p.client.in[id], id + 1, 1'500'000);
            const KeyUpdateCounters& c = p.link.client().key_update().counters();
            const KeyUpdateCounters& s = p.link.server().key_update().counters();
            BOOST_TEST(c.initiated >= 2u);
            BOOST_TEST(s.initiated >= 2u);
            // Each side followed the other's updates: the phases agree at the end.
            BOOST_TEST(c.followed >= 1u);
            BOOST_TEST(s.followed >= 1u);
            BOOST_TEST(p.link.client().key_update().phase() == p.link.server().key_update().phase());
            BOOST_TEST(p.link.client().counters().dropped_auth_failed == 0u);
            BOOST_TEST(p.link.server().counters().dropped_auth_failed == 0u);
            BOOST_TEST((p.link.client().state() == ConnectionState::established));
            BOOST_TEST(p.link.stuck_steps() == 0u);
        }
    }
}

// RFC 9001 §6.1: no update before a packet of the current phase is acknowledged; one asked
// for by the application goes through when allowed, and the peer follows.
BOOST_AUTO_TEST_CASE(an_update_waits_for_an_acknowledgment_in_its_phase) {
    Pair p(Direction{}, Direction{}, 9);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    p.link.run_for(kSecond);
    // The client's 1-RTT packets so far were ACK-only (never acknowledged): not yet.
    BOOST_TEST(!p.link.client().initiate_key_update(p.link.now()));
    uint64_t id = 0;
    BOOST_REQUIRE(p.link.client().streams().open(StreamDirection::bidirectional, id));
    p.client.send(id, payload(id, 5000), false);
    p.link.run_for(kSecond);
    BOOST_TEST(p.link.client().initiate_key_update(p.link.now()));
    BOOST_TEST(!p.link.client().initiate_key_update(p.link.now()));  // nothing acknowledged in it yet
    p.client.out[id].data = payload(id, 10000);
    p.link.run_for(kSecond);
    BOOST_TEST(p.link.server().key_update().counters().followed == 1u);
    BOOST_TEST(p.link.server().key_update().phase());
    BOOST_TEST(p.link.client().initiate_key_update(p.link.now()));  // acknowledged since
    p.client.out[id].data = payload(id, 15000);
    p.link.run_for(kSecond);
    BOOST_TEST(p.server.in[id].size() == 15000u);
    BOOST_TEST(p.link.server().key_update().counters().followed == 2u);
    BOOST_TEST(!p.link.server().key_update().phase());
}

// RFC 9000 §8.2: a PATH_CHALLENGE is answered with PATH_RESPONSE carrying its data.
BOOST_AUTO_TEST_CASE(path_challenge_is_answered) {
    Pair p(Direction{}, Direction{}, 2);
    BOOST_REQUIRE(p.link.run_until_established(kSecond));
    p.link.client().challenge_path({1, 2, 3, 4, 5, 6, 7, 8});
    p.link.run_for(100 * kNanosPerMilli);
    BOOST_TEST(p.link.client().path_validated() == 1u);
    BOOST_TEST(p.link.server().path_validated() == 0u);
}

// Many streams at once over 5% loss with reordering: 64 requests of 40 KB, each answered
// with 60 KB; every byte of every stream arrives, and everything is freed.
BOOST_AUTO_TEST_CASE(many_streams_over_five_percent_loss) {
    for (uint64_t seed = 1; seed <= 2; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction lossy{10 * kNanosPerMilli, 0.05, 0.05, {}};
            Pair p(lossy, lossy, seed, 0, 0, 64);
            BOOST_REQUIRE(p.link.run_until_established(5 * kSecond));
            std::vector<uint64_t> ids;
            for (int i = 0; i < 64; ++i) {
                uint64_t id = 0;
                BOOST_REQUIRE(p.link.client().streams().open(StreamDirection::bidirectional, id));
                ids.push_back(id);
                p.client.send(id, payload(id, 40'000));
            }
            bool answered = false;
            for (int i = 0; i < 600; ++i) {
                p.link.run_for(100 * kNanosPerMilli);
                size_t done = 0;
                for (uint64_t id : ids) {
                    if (p.server.fin[id] && p.server.out.count(id) == 0) {
                        p.server.send(id, payload(id + 1, 60'000));
                    }
                    done += p.client.fin[id] ? 1 : 0;
                }
                if (done == ids.size()) {
                    answered = true;
                    break;
                }
            }
            BOOST_REQUIRE(answered);
            p.link.run_for(3 * kSecond);
            for (uint64_t id : ids) {
                check_payload(p.server.in[id], id, 40'000);
                check_payload(p.client.in[id], id + 1, 60'000);
            }
            BOOST_TEST(p.link.client().streams().open_streams() == 0u);
            BOOST_TEST(p.link.server().streams().open_streams() == 0u);
            BOOST_TEST(p.link.buffers_held() == 0u);
            BOOST_TEST(p.client_tx.released == p.client.accepted);
            BOOST_TEST(p.server_tx.released == p.server.accepted);
            BOOST_TEST(p.link.stuck_steps() == 0u);
        }
    }
}

namespace {

// Checks what a qlog reader needs: every record RS...LF, braces and quotes balanced.
struct QlogCheck final : QlogSink {
    std::vector<std::string> records;
    size_t malformed = 0;
    void record(std::string_view bytes) override {
        records.emplace_back(bytes);
        int depth = 0;
        bool in_string = false;
        for (char c : bytes.substr(1)) {
            in_string = c == '"' ? !in_string : in_string;
            depth += in_string ? 0 : (c == '{' ? 1 : c == '}' ? -1 : 0);
        }
        malformed += bytes.size() < 3 || bytes.front() != '\x1e' || bytes.back() != '\n' || depth != 0 || in_string;
    }
    size_t count(std::string_view name) const {
        size_t n = 0;
        for (const std::string& r : records) {
            n += r.find(name) != std::string::npos ? 1 : 0;
        }
        return n;
    }
};

}  // namespace

// A connection's qlog over loss: well-formed records, both sides' parameters, packets sent
// and received, losses and metrics, the close.
BOOST_AUTO_TEST_CASE(a_connection_writes_its_qlog) {
    QlogCheck client_log, server_log;
    TxCounter client_tx, server_tx;
    ConnectionOptions co = stream_options(Role::client, client_tx);
    ConnectionOptions so = stream_options(Role::server, server_tx);
    co.qlog = &client_log;
    so.qlog = &server_log;
    Direction lossy{10 * kNanosPerMilli, 0.05, 0, {}};
    QuicLink link(lossy, lossy, 4, co, so);
    App client(link.client()), server(link.server());
    link.on_step = [&] {
        client.step();
        server.step();
    };
    BOOST_REQUIRE(link.run_until_established(5 * kSecond));
    uint64_t id = 0;
    BOOST_REQUIRE(link.client().streams().open(StreamDirection::bidirectional, id));
    client.send(id, payload(id, 300'000));
    link.run_for(10 * kSecond);
    BOOST_REQUIRE(server.fin[id]);
    link.client().close_application(0x100, link.now());
    link.run_for(kSecond);
    for (QlogCheck* log : {&client_log, &server_log}) {
        BOOST_TEST(log->malformed == 0u);
        BOOST_TEST(log->count("\"qlog_version\":\"0.3\"") == 1u);
        BOOST_TEST(log->count("transport:parameters_set") == 2u);  // ours and the peer's
        BOOST_TEST(log->count("transport:packet_sent") > 50u);
        BOOST_TEST(log->count("transport:packet_received") > 40u);
        BOOST_TEST(log->count("recovery:metrics_updated") > 10u);
        BOOST_TEST(log->count("transport:connection_closed") == 1u);
    }
    BOOST_TEST(client_log.count("recovery:packet_lost") > 0u);
    BOOST_TEST(client_log.count("\"frame_type\":\"stream\"") > 100u);
    BOOST_TEST(server_log.count("\"type\":\"server\"") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
