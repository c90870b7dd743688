#include "stack/quic/frame.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;
using slip::test::hex;

namespace {

using Bytes = std::vector<uint8_t>;

TransportError parse_one(const Bytes& b, Frame& f) {
    WireReader r(b);
    const TransportError e = parse_frame(r, f);
    return e == TransportError::no_error && !r.at_end() ? TransportError::internal_error : e;
}

// Writes `f`, parses it back, and writes that again: both encodings the same. The parsed
// frame refers to the encoding, kept until the next call.
Frame round_trip(const Frame& f) {
    uint8_t out[512];
    WireWriter w(out);
    BOOST_REQUIRE(write_frame(w, f));
    static Bytes first;
    first.assign(w.written().begin(), w.written().end());
    Frame back;
    BOOST_REQUIRE(parse_one(first, back) == TransportError::no_error);
    BOOST_TEST(back.type == f.type);
    WireWriter again(out);
    BOOST_REQUIRE(write_frame(again, back));
    BOOST_TEST((Bytes(again.written().begin(), again.written().end()) == first));
    return back;
}

const Bytes kToken = hex("00112233445566778899aabbccddeeff");
const Bytes kCid = hex("0102030405060708");
const Bytes kEight = hex("a1a2a3a4a5a6a7a8");

}  // namespace

BOOST_AUTO_TEST_SUITE(frame)

BOOST_AUTO_TEST_CASE(every_control_frame_round_trips) {
    Frame f;
    for (FrameType t : {FrameType::ping, FrameType::handshake_done}) {
        f = {};
        f.type = t;
        round_trip(f);
    }
    f = {};
    f.type = FrameType::reset_stream;
    f.reset = {4, 0x101, 123456};
    BOOST_TEST(round_trip(f).reset.final_size == 123456u);
    f.type = FrameType::stop_sending;
    BOOST_TEST(round_trip(f).reset.error_code == 0x101u);
    f = {};
    f.type = FrameType::new_token;
    f.token = kToken;
    BOOST_TEST(round_trip(f).token.size() == 16u);
    for (FrameType t : {FrameType::max_data, FrameType::data_blocked, FrameType::max_streams_bidi,
                        FrameType::max_streams_uni, FrameType::streams_blocked_bidi, FrameType::streams_blocked_uni}) {
        f = {};
        f.type = t;
        f.maximum = 1000;
        BOOST_TEST(round_trip(f).maximum == 1000u);
    }
    for (FrameType t : {FrameType::max_stream_data, FrameType::stream_data_blocked}) {
        f = {};
        f.type = t;
        f.stream_id = 8;
        f.maximum = uint64_t(1) << 40;
        const Frame b = round_trip(f);
        BOOST_TEST(b.stream_id == 8u);
        BOOST_TEST(b.maximum == uint64_t(1) << 40);
    }
    f = {};
    f.type = FrameType::new_connection_id;
    f.new_cid = {5, 2, kCid, kToken};
    BOOST_TEST(round_trip(f).new_cid.connection_id.size() == 8u);
    f = {};
    f.type = FrameType::retire_connection_id;
    f.sequence = 3;
    BOOST_TEST(round_trip(f).sequence == 3u);
    for (FrameType t : {FrameType::path_challenge, FrameType::path_response}) {
        f = {};
        f.type = t;
        f.path_data = kEight;
        round_trip(f);
    }
    const Bytes reason = {'b', 'y', 'e'};
    f = {};
    f.type = FrameType::connection_close;
    f.close = {uint64_t(TransportError::protocol_violation), 0x08, reason};
    BOOST_TEST(round_trip(f).close.frame_type == 0x08u);
    f.type = FrameType::connection_close_app;
    f.close.frame_type = 0;
    BOOST_TEST(round_trip(f).close.reason.size() == 3u);
}

BOOST_AUTO_TEST_CASE(stream_and_crypto_frames_refer_to_the_packet) {
    const Bytes data = {1, 2, 3, 4, 5};
    Frame f;
    f.type = FrameType::stream;
    f.stream = {4, 1000, data, true};
    const Frame b = round_trip(f);
    BOOST_TEST(b.stream.stream_id == 4u);
    BOOST_TEST(b.stream.offset == 1000u);
    BOOST_TEST(b.stream.fin);
    BOOST_TEST((Bytes(b.stream.data.begin(), b.stream.data.end()) == data));
    // Without LEN the data runs to the end of the packet (§19.8).
    uint8_t out[64];
    WireWriter w(out);
    BOOST_REQUIRE(write_frame(w, f, /*last_in_packet=*/true));
    BOOST_TEST((w.written()[0] & 0x02) == 0);
    BOOST_TEST(w.size() == stream_frame_header_size(4, 1000, 5, false) + 5);
    Frame p;
    BOOST_REQUIRE(parse_one(Bytes(w.written().begin(), w.written().end()), p) == TransportError::no_error);
    BOOST_TEST(p.stream.data.size() == 5u);
    f = {};
    f.type = FrameType::crypto;
    f.crypto = {77, data};
    BOOST_TEST(round_trip(f).crypto.offset == 77u);
}

BOOST_AUTO_TEST_CASE(ack_ranges_both_ways) {
    const AckInterval in[] = {{100, 120}, {50, 90}, {0, 10}};
    uint8_t out[64];
    WireWriter w(out);
    BOOST_REQUIRE(write_ack(w, in, 17, 8));
    Frame f;
    const Bytes encoded(w.written().begin(), w.written().end());
    BOOST_REQUIRE(parse_one(encoded, f) == TransportError::no_error);
    BOOST_TEST(f.type == FrameType::ack);
    BOOST_TEST(f.ack.largest == 120u);
    BOOST_TEST(f.ack.delay == 17u);
    AckRangeReader ranges(f.ack);
    uint64_t lo = 0, hi = 0;
    for (const AckInterval& want : in) {
        BOOST_REQUIRE(ranges.next(lo, hi));
        BOOST_TEST(lo == want.smallest);
        BOOST_TEST(hi == want.largest);
    }
    BOOST_TEST(!ranges.next(lo, hi));
    // Capped at two ranges: the oldest is left out; with ECN counts.
    AckFrame ecn;
    ecn.ect0 = 5;
    ecn.ce = 1;
    WireWriter w2(out);
    BOOST_REQUIRE(write_ack(w2, in, 0, 2, &ecn));
    const Bytes encoded2(w2.written().begin(), w2.written().end());
    BOOST_REQUIRE(parse_one(encoded2, f) == TransportError::no_error);
    BOOST_TEST(f.type == FrameType::ack_ecn);
    BOOST_TEST(f.ack.range_count == 1u);
    BOOST_TEST(f.ack.ce == 1u);
    // Adjacent or overlapping intervals are not written.
    const AckInterval touching[] = {{10, 20}, {5, 9}};
    WireWriter w3(out);
    BOOST_TEST(!write_ack(w3, touching, 0, 8));
}

// RFC 9000 §19.3.1, §19.7, §19.8, §19.11, §19.15 and §12.4: each malformed frame gets its code.
BOOST_AUTO_TEST_CASE(malformed_frames_get_their_error) {
    struct Case {
        const char* what;
        const char* bytes;
        TransportError want;
    };
    const Case cases[] = {
        {"first ACK range below zero", "020500000600", TransportError::frame_encoding_error},
        {"ACK gap below zero", "020a0001040800", TransportError::frame_encoding_error},
        {"ACK cut short", "0205", TransportError::frame_encoding_error},
        {"unknown frame type", "21", TransportError::frame_encoding_error},
        {"frame type not in its shortest form", "4001", TransportError::protocol_violation},
        {"STREAM past 2^62 - 1", "0e04ffffffffffffffff0100", TransportError::frame_encoding_error},
        {"STREAM length past the packet", "0a04050102", TransportError::frame_encoding_error},
        {"CRYPTO length past the packet", "06000501", TransportError::frame_encoding_error},
        {"empty NEW_TOKEN", "0700", TransportError::frame_encoding_error},
        {"MAX_STREAMS above 2^60", "12d000000000000001", TransportError::frame_encoding_error},
        {"STREAMS_BLOCKED above 2^60", "17d000000000000001", TransportError::frame_encoding_error},
        {"NEW_CONNECTION_ID of length 0", "18010000", TransportError::frame_encoding_error},
        {"NEW_CONNECTION_ID of length 21", "180100150000", TransportError::frame_encoding_error},
        {"Retire Prior To above the sequence", "18010208" "0102030405060708" "00112233445566778899aabbccddeeff",
         TransportError::frame_encoding_error},
        {"PATH_CHALLENGE short", "1a01020304", TransportError::frame_encoding_error},
        {"CONNECTION_CLOSE reason past the packet", "1c0a0005616263", TransportError::frame_encoding_error},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            Frame f;
            BOOST_TEST(parse_one(hex(c.bytes), f) == c.want);
        }
    }
}

BOOST_AUTO_TEST_CASE(padding_runs_are_one_frame) {
    const Bytes b = hex("0000000001");
    WireReader r(b);
    Frame f;
    BOOST_REQUIRE(parse_frame(r, f) == TransportError::no_error);
    BOOST_TEST(f.type == FrameType::padding);
    BOOST_TEST(f.padding == 4u);
    BOOST_REQUIRE(parse_frame(r, f) == TransportError::no_error);
    BOOST_TEST(f.type == FrameType::ping);
    BOOST_TEST(r.at_end());
}

// RFC 9000 §12.4, Table 3.
BOOST_AUTO_TEST_CASE(which_packets_carry_which_frames) {
    using P = PacketType;
    BOOST_TEST(frame_allowed_in(FrameType::padding, P::initial));
    BOOST_TEST(frame_allowed_in(FrameType::connection_close, P::handshake));
    BOOST_TEST(!frame_allowed_in(FrameType::connection_close_app, P::initial));
    BOOST_TEST(frame_allowed_in(FrameType::connection_close_app, P::zero_rtt));
    BOOST_TEST(frame_allowed_in(FrameType::ack, P::handshake));
    BOOST_TEST(!frame_allowed_in(FrameType::ack, P::zero_rtt));
    BOOST_TEST(!frame_allowed_in(FrameType::crypto, P::zero_rtt));
    BOOST_TEST(!frame_allowed_in(FrameType::stream, P::initial));
    BOOST_TEST(frame_allowed_in(FrameType::stream, P::zero_rtt));
    BOOST_TEST(!frame_allowed_in(FrameType::handshake_done, P::handshake));
    BOOST_TEST(!frame_allowed_in(FrameType::new_token, P::zero_rtt));
    BOOST_TEST(!frame_allowed_in(FrameType::path_response, P::zero_rtt));
    BOOST_TEST(frame_allowed_in(FrameType::path_challenge, P::zero_rtt));
    BOOST_TEST(frame_allowed_in(FrameType::handshake_done, P::one_rtt));
    BOOST_TEST(!is_ack_eliciting(FrameType::ack));
    BOOST_TEST(!is_ack_eliciting(FrameType::padding));
    BOOST_TEST(!is_ack_eliciting(FrameType::connection_close));
    BOOST_TEST(is_ack_eliciting(FrameType::ping));
}

BOOST_AUTO_TEST_SUITE_END()
