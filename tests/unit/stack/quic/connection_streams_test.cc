#include "stack/quic/connection_streams.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

namespace {

struct Owners final : RxBufferOwner, TxBufferOwner {
    std::map<void*, int> held;
    int released_tx = 0;
    void retain(void* b) override { ++held[b]; }
    void release(void* b) override {
        if (held.count(b) != 0) {
            if (--held[b] == 0) {
                held.erase(b);
            }
        } else {
            ++released_tx;
        }
    }
};

TransportParameters limits() {
    TransportParameters p;
    p.initial_max_data = 10'000;
    p.initial_max_stream_data_bidi_local = 4'000;
    p.initial_max_stream_data_bidi_remote = 4'000;
    p.initial_max_stream_data_uni = 2'000;
    p.initial_max_streams_bidi = 4;
    p.initial_max_streams_uni = 2;
    return p;
}

// A server's streams, with the client's limits known.
struct Fixture {
    Owners owners;
    ConnectionStreams s{Role::server, limits(), 4, owners, owners};
    std::vector<uint8_t> bytes = std::vector<uint8_t>(5000, 0xab);
    Fixture() { s.on_peer_params(limits()); }

    TransportError data(uint64_t id, uint64_t offset, size_t len, bool fin = false) {
        bool kept = true;
        return s.on_stream(StreamFrame{id, offset, std::span(bytes).first(len), fin}, bytes.data(), kept);
    }
    // The frames write() produces, parsed back.
    std::vector<Frame> sent(SentFrames& record) {
        out.assign(1400, 0);
        WireWriter w(out);
        bool eliciting = false;
        s.write(w, 16, record, eliciting);
        std::vector<Frame> frames;
        WireReader r(std::span<const uint8_t>(out.data(), w.size()));
        while (!r.at_end()) {
            Frame f;
            BOOST_REQUIRE_EQUAL(parse_frame(r, f), TransportError::no_error);
            frames.push_back(f);
        }
        return frames;
    }
    std::vector<uint8_t> out;
};

std::vector<StreamEvent> events(ConnectionStreams& s) {
    std::vector<StreamEvent> v;
    StreamEvent e;
    while (s.next_event(e)) {
        v.push_back(e);
    }
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connection_streams)

// RFC 9000 §19.8: STREAM on our own unidirectional stream; §4.6: past the stream limit;
// §19.8: a stream of ours that we never opened.
BOOST_AUTO_TEST_CASE(frames_on_streams_they_may_not_name_close_the_connection) {
    Fixture f;
    BOOST_TEST(f.data(3, 0, 10) == TransportError::stream_state_error);   // server's uni
    BOOST_TEST(f.data(4 * 4, 0, 10) == TransportError::stream_limit_error);  // client bidi #4
    BOOST_TEST(f.data(2 + 4 * 2, 0, 10) == TransportError::stream_limit_error);  // client uni #2
    BOOST_TEST(f.data(1, 0, 10) == TransportError::stream_state_error);   // server bidi never opened
    BOOST_TEST(f.s.on_max_stream_data(2, 100) == TransportError::stream_state_error);  // client's uni
    BOOST_TEST(f.s.on_stop_sending(2, 1) == TransportError::stream_state_error);
    ResetStreamFrame r{3, 0, 0};
    BOOST_TEST(f.s.on_reset_stream(r) == TransportError::stream_state_error);
}

// RFC 9000 §4.1: data past a stream's window, or past the connection's over several.
BOOST_AUTO_TEST_CASE(data_past_a_window_is_flow_control_error) {
    Fixture f;
    BOOST_TEST(f.data(0, 0, 4000) == TransportError::no_error);
    BOOST_TEST(f.data(0, 4000, 1) == TransportError::flow_control_error);
    Fixture g;
    BOOST_TEST(g.data(0, 0, 4000) == TransportError::no_error);
    BOOST_TEST(g.data(4, 0, 4000) == TransportError::no_error);
    BOOST_TEST(g.data(8, 0, 2000) == TransportError::no_error);  // 10,000: exactly the limit
    BOOST_TEST(g.data(12, 0, 1) == TransportError::flow_control_error);
}

// RFC 9000 §4.5: the final size may not change, nor fall below what arrived.
BOOST_AUTO_TEST_CASE(a_changed_final_size_is_final_size_error) {
    Fixture f;
    BOOST_TEST(f.data(0, 0, 100, true) == TransportError::no_error);
    BOOST_TEST(f.data(0, 0, 101) == TransportError::final_size_error);
    BOOST_TEST(f.s.on_reset_stream(ResetStreamFrame{0, 7, 99}) == TransportError::final_size_error);
}

// RFC 9000 §3.2: a stream opens every lower one of its type; the application hears of
// each once, and of data once however many frames brought it (coalesced events).
BOOST_AUTO_TEST_CASE(streams_open_in_order_and_events_are_coalesced) {
    Fixture f;
    BOOST_TEST(f.data(8, 0, 10) == TransportError::no_error);
    BOOST_TEST(f.data(8, 10, 10) == TransportError::no_error);
    const std::vector<StreamEvent> e = events(f.s);
    BOOST_REQUIRE_EQUAL(e.size(), 3u);
    BOOST_TEST(e[0].id == 0u);
    BOOST_TEST(e[0].bits == kStreamOpened);
    BOOST_TEST(e[1].id == 4u);
    BOOST_TEST(e[2].id == 8u);
    BOOST_TEST(e[2].bits == (kStreamOpened | kStreamReadable));
    RxPiece pieces[4];
    bool fin = true;
    BOOST_TEST(f.s.read(8, pieces, fin) == 2u);
    BOOST_TEST(!fin);
    BOOST_TEST(f.owners.held.size() == 1u);  // both pieces live in the one buffer
    f.s.consume(8, 20);
    BOOST_TEST(f.owners.held.empty());
}

// RFC 9000 §4.1: the window moves with what the application consumed: MAX_STREAM_DATA
// once half a stream window is consumed, MAX_DATA once half the connection's is.
BOOST_AUTO_TEST_CASE(windows_follow_what_the_application_consumed) {
    Fixture f;
    BOOST_TEST(f.data(0, 0, 4000) == TransportError::no_error);
    BOOST_TEST(f.data(4, 0, 4000) == TransportError::no_error);
    BOOST_TEST(!f.s.wants_to_send());  // arrived, not consumed: nothing moves
    f.s.consume(0, 2000);
    BOOST_TEST(f.s.wants_to_send());
    SentFrames record;
    std::vector<Frame> frames = f.sent(record);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(frames[0].type == FrameType::max_stream_data);
    BOOST_TEST(frames[0].maximum == 6000u);
    f.s.consume(4, 4000);
    f.s.consume(0, 2000);
    SentFrames record2;
    frames = f.sent(record2);
    BOOST_REQUIRE_EQUAL(frames.size(), 3u);
    BOOST_TEST(frames[0].type == FrameType::max_data);
    BOOST_TEST(frames[0].maximum == 18'000u);
    // The MAX_DATA frame is lost: it goes again with the current value.
    f.s.on_lost(record2);
    SentFrames record3;
    frames = f.sent(record3);
    BOOST_REQUIRE_GE(frames.size(), 1u);
    BOOST_TEST(frames[0].type == FrameType::max_data);
    BOOST_TEST(frames[0].maximum == 18'000u);
}

// RFC 9000 §4.5: a reset stream's unread bytes count as consumed for the connection;
// what it held is freed and the application hears the error code.
BOOST_AUTO_TEST_CASE(a_reset_frees_the_stream_and_returns_connection_credit) {
    Fixture f;
    BOOST_TEST(f.data(0, 0, 3000) == TransportError::no_error);
    BOOST_TEST(f.s.on_reset_stream(ResetStreamFrame{0, 0x42, 4000}) == TransportError::no_error);
    BOOST_TEST(f.owners.held.empty());
    BOOST_TEST(f.s.connection_window_limit() == 10'000u);
    const std::vector<StreamEvent> e = events(f.s);
    BOOST_REQUIRE_EQUAL(e.size(), 1u);
    BOOST_TEST((e[0].bits & kStreamReset) != 0);
    BOOST_TEST(e[0].error_code == 0x42u);
    // The server's sending part still lives: the stream is not closed until it is done.
    BOOST_TEST(f.s.open_streams() == 1u);
    BOOST_TEST(f.s.reset(0, 0x43));
    SentFrames record;
    std::vector<Frame> frames = f.sent(record);
    BOOST_REQUIRE_GE(frames.size(), 1u);
    BOOST_TEST(frames.back().type == FrameType::reset_stream);
    f.s.on_acked(record);
    const std::vector<StreamEvent> closed = events(f.s);
    BOOST_REQUIRE_EQUAL(closed.size(), 1u);
    BOOST_TEST((closed[0].bits & kStreamClosed) != 0);
    BOOST_TEST(f.s.open_streams() == 0u);
}

// Partial acceptance: a stream whose buffer table is full refuses (the caller keeps its
// buffer) and says writable once acknowledgments free room.
BOOST_AUTO_TEST_CASE(a_full_stream_refuses_then_says_writable) {
    Fixture f;
    uint64_t id = 0;
    BOOST_REQUIRE(f.s.open(StreamDirection::bidirectional, id));
    BOOST_TEST(id == 1u);  // RFC 9000 §2.1: the server's first bidirectional stream
    std::vector<uint8_t> small(10, 1);
    size_t accepted = 0;
    while (f.s.write(id, small, &small) == StreamWrite::accepted) {
        ++accepted;
    }
    BOOST_TEST(accepted == StreamSend::kMaxPieces);
    BOOST_TEST((f.s.write(id, small, &small) == StreamWrite::refused));
    SentFrames record;
    std::vector<Frame> frames = f.sent(record);
    BOOST_REQUIRE_GE(frames.size(), 1u);
    BOOST_TEST(frames[0].type == FrameType::stream);
    BOOST_TEST(frames[0].stream.data.size() == 10 * StreamSend::kMaxPieces);
    f.s.on_acked(record);
    BOOST_TEST(f.owners.released_tx == int(StreamSend::kMaxPieces));
    const std::vector<StreamEvent> e = events(f.s);
    BOOST_REQUIRE_EQUAL(e.size(), 1u);
    BOOST_TEST(e[0].bits == kStreamWritable);
    BOOST_TEST((f.s.write(id, small, &small) == StreamWrite::accepted));
    BOOST_TEST((f.s.write(99, small, &small) == StreamWrite::invalid));
}

// RFC 9000 §4.1, §4.6: sending stops at the peer's credit (and says so once); the peer's
// stream limit holds opens back.
BOOST_AUTO_TEST_CASE(sending_keeps_to_the_peers_credit_and_limits) {
    Fixture f;
    uint64_t id = 0;
    BOOST_REQUIRE(f.s.open(StreamDirection::unidirectional, id));
    BOOST_TEST(id == 3u);
    BOOST_TEST((f.s.write(id, f.bytes, &f) == StreamWrite::accepted));  // 5000 bytes, credit 2000
    size_t sent = 0;
    size_t blocked = 0;
    for (int i = 0; i < 4; ++i) {
        SentFrames record;
        for (const Frame& fr : f.sent(record)) {
            sent += fr.type == FrameType::stream ? fr.stream.data.size() : 0;
            if (fr.type == FrameType::stream_data_blocked) {
                ++blocked;
                BOOST_TEST(fr.maximum == 2000u);
            }
        }
    }
    BOOST_TEST(sent == 2000u);
    BOOST_TEST(blocked == 1u);  // said once per limit
    BOOST_TEST(f.s.on_max_stream_data(id, 3000) == TransportError::no_error);
    SentFrames record;
    std::vector<Frame> frames = f.sent(record);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(frames[0].stream.offset == 2000u);
    BOOST_TEST(frames[0].stream.data.size() == 1000u);
    uint64_t other = 0;
    BOOST_TEST(f.s.open(StreamDirection::unidirectional, other));
    BOOST_TEST(!f.s.open(StreamDirection::unidirectional, other));  // the peer allows 2
    f.s.on_max_streams(true, 3);
    BOOST_TEST(f.s.open(StreamDirection::unidirectional, other));
    BOOST_TEST(other == 11u);
}

BOOST_AUTO_TEST_SUITE_END()
