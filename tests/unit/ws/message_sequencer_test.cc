// The message sequencer of apps/ws/frame.h (RFC 6455 §5.4-§5.6, §8.1): fragmentation rules,
// the message size limit and UTF-8 across frames, alone and behind the header parser.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apps/ws/frame.h"

using namespace slip::apps::ws;

namespace {

using Bytes = std::vector<uint8_t>;

FrameHeader frame(bool fin, Opcode opcode, uint64_t length) {
    return {.fin = fin, .opcode = opcode, .masked = true, .payload_len = length};
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// A whole frame with its payload, given to the sequencer in one piece.
CloseCode whole_frame(MessageSequencer& sequencer, bool fin, Opcode opcode, std::string_view payload) {
    CloseCode code = sequencer.on_frame(frame(fin, opcode, payload.size()));
    if (code == CloseCode::none && !payload.empty()) {
        code = sequencer.on_payload(bytes_of(payload));
    }
    return code == CloseCode::none ? sequencer.on_frame_end() : code;
}

// A client's frame: header and payload masked with `key`.
Bytes client_frame(bool fin, Opcode opcode, std::string_view payload, const MaskKey& key = {9, 8, 7, 6}) {
    uint8_t header[kMaxFrameHeader];
    const size_t n = write_masked_frame_header(header, fin, opcode, payload.size(), key);
    Bytes wire(header, header + n);
    Bytes body(payload.begin(), payload.end());
    mask(body, key, 0);
    wire.insert(wire.end(), body.begin(), body.end());
    return wire;
}

struct Received {
    std::vector<std::pair<Opcode, std::string>> messages;  // data messages, whole
    std::vector<std::pair<Opcode, std::string>> controls;
    CloseCode failure = CloseCode::none;
};

// The receive loop of apps/ws/frame.h over `stream` in pieces of `piece` bytes.
Received receive(Bytes stream, uint64_t limit, size_t piece) {
    FrameHeaderParser parser;
    MessageSequencer sequencer(limit);
    FrameHeader header;
    Received out;
    std::string message;
    auto fail = [&](CloseCode code) { return out.failure = code, code != CloseCode::none; };
    auto frame_end = [&] {
        if (fail(sequencer.on_frame_end())) return;
        if (is_control(header.opcode)) {
            const auto payload = sequencer.control_payload();
            out.controls.emplace_back(header.opcode, std::string(payload.begin(), payload.end()));
        } else if (header.fin) {
            out.messages.emplace_back(sequencer.message_opcode(), std::move(message));
            message.clear();
        }
    };
    for (size_t at = 0; at < stream.size() && out.failure == CloseCode::none; at += piece) {
        std::span<uint8_t> bytes = std::span(stream).subspan(at, std::min(piece, stream.size() - at));
        while (!bytes.empty() && out.failure == CloseCode::none) {
            if (!sequencer.in_frame()) {
                const HeaderStep step = parser.feed(bytes);
                bytes = bytes.subspan(step.consumed);
                if (step.status == HeaderStatus::error) {
                    fail(step.error);
                } else if (step.status == HeaderStatus::header) {
                    header = step.header;
                    if (!fail(sequencer.on_frame(header)) && header.payload_len == 0) frame_end();
                }
                continue;
            }
            const auto part = bytes.first(std::min<uint64_t>(sequencer.frame_remaining(), bytes.size()));
            unmask(part, header.mask_key, sequencer.frame_offset());
            bytes = bytes.subspan(part.size());
            if (fail(sequencer.on_payload(part))) break;
            if (!is_control(header.opcode)) message.append(part.begin(), part.end());
            if (sequencer.frame_remaining() == 0) frame_end();
        }
    }
    return out;
}

Bytes concat(std::initializer_list<Bytes> frames) {
    Bytes all;
    for (const Bytes& f : frames) all.insert(all.end(), f.begin(), f.end());
    return all;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(message_sequencer)

BOOST_AUTO_TEST_CASE(single_frame_messages) {
    MessageSequencer sequencer(1000);
    BOOST_TEST((whole_frame(sequencer, true, Opcode::text, "Hello") == CloseCode::none));
    BOOST_TEST(!sequencer.message_open());
    BOOST_TEST((sequencer.message_opcode() == Opcode::text));
    BOOST_TEST(sequencer.message_size() == 5u);
    BOOST_TEST((whole_frame(sequencer, true, Opcode::binary, "\xff\xfe") == CloseCode::none));
    BOOST_TEST((sequencer.message_opcode() == Opcode::binary));
    BOOST_TEST((whole_frame(sequencer, true, Opcode::text, "") == CloseCode::none));
}

// §5.4: control frames may be injected between fragments, and leave the message open.
BOOST_AUTO_TEST_CASE(fragments_with_control_frames_between) {
    MessageSequencer sequencer(1000);
    BOOST_TEST((whole_frame(sequencer, false, Opcode::text, "Hel") == CloseCode::none));
    BOOST_TEST(sequencer.message_open());
    BOOST_TEST((whole_frame(sequencer, true, Opcode::ping, "p") == CloseCode::none));
    BOOST_TEST(std::string(sequencer.control_payload().begin(), sequencer.control_payload().end()) == "p");
    BOOST_TEST((whole_frame(sequencer, false, Opcode::continuation, "") == CloseCode::none));
    BOOST_TEST((whole_frame(sequencer, true, Opcode::pong, "") == CloseCode::none));
    BOOST_TEST(sequencer.message_open());
    BOOST_TEST((sequencer.message_opcode() == Opcode::text));
    BOOST_TEST((whole_frame(sequencer, true, Opcode::continuation, "lo") == CloseCode::none));
    BOOST_TEST(!sequencer.message_open());
    BOOST_TEST(sequencer.message_size() == 5u);
}

// §5.4: a continuation needs a message; a new message needs none open. 1002 either way.
BOOST_AUTO_TEST_CASE(fragmentation_errors) {
    MessageSequencer lonely(1000);
    BOOST_TEST((lonely.on_frame(frame(true, Opcode::continuation, 1)) == CloseCode::protocol_error));
    MessageSequencer lonely_open(1000);
    BOOST_TEST((lonely_open.on_frame(frame(false, Opcode::continuation, 1)) == CloseCode::protocol_error));
    for (const Opcode next : {Opcode::text, Opcode::binary}) {
        MessageSequencer interleaved(1000);
        BOOST_TEST((whole_frame(interleaved, false, Opcode::binary, "ab") == CloseCode::none));
        BOOST_TEST((interleaved.on_frame(frame(true, next, 1)) == CloseCode::protocol_error));
    }
    MessageSequencer after_end(1000);
    BOOST_TEST((whole_frame(after_end, true, Opcode::text, "x") == CloseCode::none));
    BOOST_TEST((after_end.on_frame(frame(true, Opcode::continuation, 0)) == CloseCode::protocol_error));
}

// 1009 as soon as a header takes the message over the limit; exactly the limit is fine;
// control frames do not count.
BOOST_AUTO_TEST_CASE(message_size_limit) {
    MessageSequencer one_frame(10);
    BOOST_TEST((one_frame.on_frame(frame(true, Opcode::binary, 11)) == CloseCode::message_too_big));
    MessageSequencer exact(10);
    BOOST_TEST((whole_frame(exact, false, Opcode::binary, "12345") == CloseCode::none));
    BOOST_TEST((whole_frame(exact, true, Opcode::ping, std::string(125, 'p')) == CloseCode::none));
    BOOST_TEST((whole_frame(exact, true, Opcode::continuation, "67890") == CloseCode::none));
    BOOST_TEST((whole_frame(exact, true, Opcode::binary, "1234567890") == CloseCode::none));
    MessageSequencer fragments(10);
    BOOST_TEST((whole_frame(fragments, false, Opcode::text, "123456") == CloseCode::none));
    BOOST_TEST((fragments.on_frame(frame(true, Opcode::continuation, 5)) == CloseCode::message_too_big));
    MessageSequencer huge(UINT64_MAX);
    BOOST_TEST((huge.on_frame(frame(false, Opcode::binary, (1ULL << 63) - 1)) == CloseCode::none));
}

// §8.1: text is checked across frames and pieces; binary is not.
BOOST_AUTO_TEST_CASE(utf8_across_frames) {
    MessageSequencer split_euro(1000);  // U+20AC as E2 | 82 AC in two frames
    BOOST_TEST((whole_frame(split_euro, false, Opcode::text, "\xe2") == CloseCode::none));
    BOOST_TEST((whole_frame(split_euro, true, Opcode::continuation, "\x82\xac") == CloseCode::none));

    MessageSequencer bad(1000);
    BOOST_TEST((whole_frame(bad, false, Opcode::text, "ok") == CloseCode::none));
    BOOST_TEST((bad.on_frame(frame(true, Opcode::continuation, 3)) == CloseCode::none));
    BOOST_TEST((bad.on_payload(bytes_of("a\xc0")) == CloseCode::invalid_payload));

    MessageSequencer cut(1000);  // the message ends inside a code point
    BOOST_TEST((whole_frame(cut, false, Opcode::text, "a") == CloseCode::none));
    BOOST_TEST((whole_frame(cut, true, Opcode::continuation, "\xf0\x9f\x98") == CloseCode::invalid_payload));

    MessageSequencer cut_single(1000);
    BOOST_TEST((whole_frame(cut_single, true, Opcode::text, "\xce") == CloseCode::invalid_payload));

    MessageSequencer binary(1000);
    BOOST_TEST((whole_frame(binary, true, Opcode::binary, "\xc0\xff\xed\xa0\x80") == CloseCode::none));

    // A new text message starts with a fresh validator.
    MessageSequencer fresh(1000);
    BOOST_TEST((whole_frame(fresh, true, Opcode::binary, "\xe2") == CloseCode::none));
    BOOST_TEST((whole_frame(fresh, true, Opcode::text, "\x82") == CloseCode::invalid_payload));
}

// A control frame's payload is collected from pieces; a ping between text fragments does
// not disturb the text's validator.
BOOST_AUTO_TEST_CASE(control_payload_in_pieces) {
    MessageSequencer sequencer(1000);
    BOOST_TEST((whole_frame(sequencer, false, Opcode::text, "\xe2\x82") == CloseCode::none));
    BOOST_TEST((sequencer.on_frame(frame(true, Opcode::ping, 6)) == CloseCode::none));
    BOOST_TEST(sequencer.frame_remaining() == 6u);
    BOOST_TEST((sequencer.on_payload(bytes_of("\xffpi")) == CloseCode::none));
    BOOST_TEST(sequencer.frame_offset() == 3u);
    BOOST_TEST((sequencer.on_payload(bytes_of("ng!")) == CloseCode::none));
    BOOST_TEST((sequencer.on_frame_end() == CloseCode::none));
    BOOST_TEST(std::string(sequencer.control_payload().begin(), sequencer.control_payload().end()) == "\xffping!");
    BOOST_TEST((whole_frame(sequencer, true, Opcode::continuation, "\xac") == CloseCode::none));
}

// Behind the parser, client frames cut into pieces of every size from 1 to 40 bytes: the same
// messages and control frames, or the same failure.
BOOST_AUTO_TEST_CASE(receive_loop_in_pieces) {
    const Bytes good = concat({client_frame(false, Opcode::text, "κόσ"), client_frame(true, Opcode::ping, "hi"),
                               client_frame(true, Opcode::continuation, "με"), client_frame(true, Opcode::binary, "bin"),
                               client_frame(true, Opcode::close, "\x03\xe8")});
    const Bytes bad_text = concat({client_frame(false, Opcode::text, "ab\xed"), client_frame(true, Opcode::continuation, "\xa0\x80")});
    const Bytes too_big = concat({client_frame(false, Opcode::binary, "12345678"), client_frame(true, Opcode::continuation, "9012345")});
    const Bytes interleaved = concat({client_frame(false, Opcode::text, "a"), client_frame(true, Opcode::text, "b")});
    for (size_t piece = 1; piece <= 40; ++piece) {
        const Received r = receive(good, 14, piece);
        BOOST_TEST_REQUIRE((r.failure == CloseCode::none));
        BOOST_TEST_REQUIRE(r.messages.size() == 2u);
        BOOST_TEST((r.messages[0].first == Opcode::text));
        BOOST_TEST(r.messages[0].second == "κόσμε");
        BOOST_TEST(r.messages[1].second == "bin");
        BOOST_TEST_REQUIRE(r.controls.size() == 2u);
        BOOST_TEST(r.controls[0].second == "hi");
        BOOST_TEST((r.controls[1].first == Opcode::close));
        BOOST_TEST((receive(bad_text, 100, piece).failure == CloseCode::invalid_payload));
        BOOST_TEST((receive(too_big, 14, piece).failure == CloseCode::message_too_big));
        BOOST_TEST((receive(interleaved, 14, piece).failure == CloseCode::protocol_error));
    }
}

BOOST_AUTO_TEST_SUITE_END()
