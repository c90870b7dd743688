#include "apps/ws/frame.h"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace slip::apps::ws;

namespace {

using Bytes = std::vector<uint8_t>;

// The parser's answer for `wire` fed whole, from a heap block of exactly its size so that
// ASan catches a read past it.
HeaderStep parse(const Bytes& wire, PeerMasking masking = PeerMasking::required) {
    const auto exact = std::make_unique<uint8_t[]>(wire.size());
    std::copy(wire.begin(), wire.end(), exact.get());
    FrameHeaderParser parser(masking);
    return parser.feed(std::span<const uint8_t>(exact.get(), wire.size()));
}

// The same bytes cut at `cuts` (increasing offsets), each piece in its own exact block. Stops
// at the first answer other than need_more; `consumed` is then the total taken.
HeaderStep parse_pieces(const Bytes& wire, const std::vector<size_t>& cuts,
                        PeerMasking masking = PeerMasking::required) {
    FrameHeaderParser parser(masking);
    HeaderStep step;
    size_t total = 0;
    size_t start = 0;
    for (size_t i = 0; i <= cuts.size(); ++i) {
        const size_t end = i < cuts.size() ? cuts[i] : wire.size();
        const auto exact = std::make_unique<uint8_t[]>(end - start);
        std::copy(wire.begin() + static_cast<long>(start), wire.begin() + static_cast<long>(end), exact.get());
        step = parser.feed(std::span<const uint8_t>(exact.get(), end - start));
        total += step.consumed;
        if (step.status != HeaderStatus::need_more) {
            break;
        }
        BOOST_TEST(step.consumed == end - start);
        start = end;
    }
    step.consumed = total;
    return step;
}

bool same_header(const FrameHeader& a, const FrameHeader& b) {
    return a.fin == b.fin && a.rsv == b.rsv && a.opcode == b.opcode && a.masked == b.masked &&
           a.mask_key == b.mask_key && a.payload_len == b.payload_len && a.header_len == b.header_len;
}

Bytes header_bytes(bool fin, Opcode opcode, uint64_t length, const MaskKey* key = nullptr) {
    uint8_t out[kMaxFrameHeader];
    const size_t n = key != nullptr ? write_masked_frame_header(out, fin, opcode, length, *key)
                                    : write_frame_header(out, fin, opcode, length);
    return Bytes(out, out + n);
}

const MaskKey kRfcKey = {0x37, 0xfa, 0x21, 0x3d};  // RFC 6455 §5.7

}  // namespace

BOOST_AUTO_TEST_SUITE(frame)

// RFC 6455 §5.7, "A single-frame unmasked text message" (a server's frame, read by a client).
BOOST_AUTO_TEST_CASE(rfc_single_unmasked_text) {
    const Bytes wire = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    const HeaderStep step = parse(wire, PeerMasking::forbidden);
    BOOST_TEST((step.status == HeaderStatus::header));
    BOOST_TEST(step.consumed == 2u);
    BOOST_TEST(step.header.fin);
    BOOST_TEST((step.header.opcode == Opcode::text));
    BOOST_TEST(!step.header.masked);
    BOOST_TEST(step.header.payload_len == 5u);
    BOOST_TEST(header_bytes(true, Opcode::text, 5) == Bytes(wire.begin(), wire.begin() + 2));
}

// §5.7, "A single-frame masked text message": the key and the masked "Hello".
BOOST_AUTO_TEST_CASE(rfc_single_masked_text) {
    Bytes wire = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    const HeaderStep step = parse(wire);
    BOOST_TEST((step.status == HeaderStatus::header));
    BOOST_TEST(step.consumed == 6u);
    BOOST_TEST(step.header.masked);
    BOOST_TEST((step.header.mask_key == kRfcKey));
    BOOST_TEST(step.header.payload_len == 5u);
    BOOST_TEST(step.header.header_len == 6u);
    unmask(std::span(wire).subspan(6), step.header.mask_key, 0);
    BOOST_TEST(std::string(wire.begin() + 6, wire.end()) == "Hello");
    BOOST_TEST(header_bytes(true, Opcode::text, 5, &kRfcKey) == Bytes(wire.begin(), wire.begin() + 6));
}

// §5.7, "A fragmented unmasked text message": "Hel" without FIN, then "lo" as continuation.
BOOST_AUTO_TEST_CASE(rfc_fragmented_text) {
    const Bytes first = {0x01, 0x03, 0x48, 0x65, 0x6c};
    const Bytes last = {0x80, 0x02, 0x6c, 0x6f};
    const HeaderStep a = parse(first, PeerMasking::forbidden);
    BOOST_TEST((a.status == HeaderStatus::header));
    BOOST_TEST(!a.header.fin);
    BOOST_TEST((a.header.opcode == Opcode::text));
    BOOST_TEST(a.header.payload_len == 3u);
    const HeaderStep b = parse(last, PeerMasking::forbidden);
    BOOST_TEST(b.header.fin);
    BOOST_TEST((b.header.opcode == Opcode::continuation));
    BOOST_TEST(b.header.payload_len == 2u);
    BOOST_TEST(header_bytes(false, Opcode::text, 3) == Bytes(first.begin(), first.begin() + 2));
    BOOST_TEST(header_bytes(true, Opcode::continuation, 2) == Bytes(last.begin(), last.begin() + 2));
}

// §5.7: an unmasked Ping and a masked Pong, both carrying "Hello".
BOOST_AUTO_TEST_CASE(rfc_ping_and_pong) {
    const Bytes ping = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    const HeaderStep a = parse(ping, PeerMasking::forbidden);
    BOOST_TEST((a.header.opcode == Opcode::ping));
    BOOST_TEST(a.header.payload_len == 5u);
    const Bytes pong = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    const HeaderStep b = parse(pong);
    BOOST_TEST((b.header.opcode == Opcode::pong));
    BOOST_TEST((b.header.mask_key == kRfcKey));
    BOOST_TEST(header_bytes(true, Opcode::ping, 5) == Bytes(ping.begin(), ping.begin() + 2));
    BOOST_TEST(header_bytes(true, Opcode::pong, 5, &kRfcKey) == Bytes(pong.begin(), pong.begin() + 6));
}

// §5.7: 256 bytes take the 16-bit length, 64 KiB the 64-bit one.
BOOST_AUTO_TEST_CASE(rfc_extended_lengths) {
    const Bytes binary_256 = {0x82, 0x7e, 0x01, 0x00};
    const HeaderStep a = parse(binary_256, PeerMasking::forbidden);
    BOOST_TEST((a.header.opcode == Opcode::binary));
    BOOST_TEST(a.header.payload_len == 256u);
    BOOST_TEST(a.header.header_len == 4u);
    BOOST_TEST(header_bytes(true, Opcode::binary, 256) == binary_256);
    const Bytes binary_64k = {0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    const HeaderStep b = parse(binary_64k, PeerMasking::forbidden);
    BOOST_TEST(b.header.payload_len == 65536u);
    BOOST_TEST(b.header.header_len == 10u);
    BOOST_TEST(header_bytes(true, Opcode::binary, 65536) == binary_64k);
}

// The encoder at each length boundary, masked and not, read back by the parser.
BOOST_AUTO_TEST_CASE(encoder_round_trip_at_length_boundaries) {
    const MaskKey key = {1, 2, 3, 4};
    for (const uint64_t length : {0ULL, 1ULL, 125ULL, 126ULL, 127ULL, 65535ULL, 65536ULL, 1ULL << 32,
                                  (1ULL << 63) - 1}) {
        for (const bool masked : {false, true}) {
            const Bytes wire = header_bytes(false, Opcode::binary, length, masked ? &key : nullptr);
            BOOST_TEST(wire.size() == frame_header_len(length, masked));
            const HeaderStep step = parse(wire, masked ? PeerMasking::required : PeerMasking::forbidden);
            BOOST_TEST_REQUIRE((step.status == HeaderStatus::header));
            BOOST_TEST(step.consumed == wire.size());
            BOOST_TEST(step.header.payload_len == length);
            BOOST_TEST(!step.header.fin);
            BOOST_TEST(step.header.masked == masked);
        }
    }
    BOOST_TEST(frame_header_len(125, false) == 2u);
    BOOST_TEST(frame_header_len(126, true) == 8u);
    BOOST_TEST(frame_header_len(65536, true) == kMaxFrameHeader);
}

// §5.5: control frames of exactly 125 bytes are fine.
BOOST_AUTO_TEST_CASE(control_frame_of_125_bytes) {
    for (const uint8_t opcode : {0x88, 0x89, 0x8a}) {
        const HeaderStep step = parse({opcode, 0x80 | 125, 1, 2, 3, 4});
        BOOST_TEST((step.status == HeaderStatus::header));
        BOOST_TEST(step.header.payload_len == 125u);
    }
}

// §5.2: "MUST be 0 unless an extension is negotiated": each RSV bit alone fails with 1002.
BOOST_AUTO_TEST_CASE(rsv_bits_fail) {
    for (const uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
        const HeaderStep step = parse({static_cast<uint8_t>(0x81 | rsv), 0x80, 1, 2, 3, 4});
        BOOST_TEST((step.status == HeaderStatus::error));
        BOOST_TEST((step.error == CloseCode::protocol_error));
    }
}

// §5.2: reserved opcodes 3-7 and B-F fail with 1002, with or without FIN.
BOOST_AUTO_TEST_CASE(reserved_opcodes_fail) {
    for (uint8_t opcode = 0; opcode < 16; ++opcode) {
        const bool reserved = (opcode >= 3 && opcode <= 7) || opcode >= 0xb;
        for (const uint8_t fin : {0x00, 0x80}) {
            const HeaderStep step = parse({static_cast<uint8_t>(fin | opcode), 0x80, 1, 2, 3, 4});
            const bool control_without_fin = opcode >= 8 && fin == 0;
            const bool fails = reserved || control_without_fin;
            BOOST_TEST((step.status == (fails ? HeaderStatus::error : HeaderStatus::header)), "opcode " << int(opcode));
            if (fails) {
                BOOST_TEST((step.error == CloseCode::protocol_error));
            }
        }
    }
}

// §5.5: control frames cannot be fragmented (FIN clear) or exceed 125 bytes, in any encoding.
BOOST_AUTO_TEST_CASE(bad_control_frames_fail) {
    for (const uint8_t opcode : {0x8, 0x9, 0xa}) {
        const HeaderStep no_fin = parse({opcode, 0x80, 1, 2, 3, 4});
        BOOST_TEST((no_fin.error == CloseCode::protocol_error));
        const HeaderStep len126 = parse({static_cast<uint8_t>(0x80 | opcode), 0x80 | 126, 0, 126, 1, 2, 3, 4});
        BOOST_TEST((len126.error == CloseCode::protocol_error));
        // The 16-bit form fails even for a small length: the 7-bit field already says > 125.
        const HeaderStep small_in_16 = parse({static_cast<uint8_t>(0x80 | opcode), 0x80 | 126, 0, 5, 1, 2, 3, 4});
        BOOST_TEST((small_in_16.error == CloseCode::protocol_error));
        const HeaderStep len127 = parse({static_cast<uint8_t>(0x80 | opcode), 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4});
        BOOST_TEST((len127.error == CloseCode::protocol_error));
    }
}

// §5.1: a server fails on an unmasked frame, a client on a masked one.
BOOST_AUTO_TEST_CASE(mask_rule_per_side) {
    const HeaderStep unmasked_at_server = parse({0x81, 0x05});
    BOOST_TEST((unmasked_at_server.status == HeaderStatus::error));
    BOOST_TEST((unmasked_at_server.error == CloseCode::protocol_error));
    const HeaderStep masked_at_client = parse({0x81, 0x85, 1, 2, 3, 4}, PeerMasking::forbidden);
    BOOST_TEST((masked_at_client.error == CloseCode::protocol_error));
    BOOST_TEST((parse({0x81, 0x05}, PeerMasking::forbidden).status == HeaderStatus::header));
}

// §5.2: "the most significant bit MUST be 0" in the 64-bit length.
BOOST_AUTO_TEST_CASE(length_top_bit_fails) {
    const HeaderStep step = parse({0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
    BOOST_TEST((step.status == HeaderStatus::error));
    BOOST_TEST((step.error == CloseCode::protocol_error));
    const HeaderStep largest = parse({0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4});
    BOOST_TEST((largest.status == HeaderStatus::header));
    BOOST_TEST(largest.header.payload_len == (1ULL << 63) - 1);
}

// Non-minimal length encodings are accepted and mean what they say.
BOOST_AUTO_TEST_CASE(non_minimal_lengths_accepted) {
    const HeaderStep in_16 = parse({0x82, 0x80 | 126, 0, 5, 1, 2, 3, 4});
    BOOST_TEST((in_16.status == HeaderStatus::header));
    BOOST_TEST(in_16.header.payload_len == 5u);
    BOOST_TEST(in_16.header.header_len == 8u);
    const HeaderStep in_64 = parse({0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4});
    BOOST_TEST(in_64.header.payload_len == 5u);
    BOOST_TEST(in_64.header.header_len == 14u);
}

// An error is sticky until reset(); reset() keeps the masking rule.
BOOST_AUTO_TEST_CASE(error_is_sticky_until_reset) {
    FrameHeaderParser parser;
    const Bytes bad = {0xc1, 0x80};
    BOOST_TEST((parser.feed(bad).status == HeaderStatus::error));
    const Bytes good = {0x81, 0x80, 1, 2, 3, 4};
    const HeaderStep again = parser.feed(good);
    BOOST_TEST((again.status == HeaderStatus::error));
    BOOST_TEST(again.consumed == 0u);
    parser.reset();
    BOOST_TEST((parser.feed(good).status == HeaderStatus::header));
    const Bytes unmasked = {0x81, 0x00};
    BOOST_TEST((parser.feed(unmasked).status == HeaderStatus::error));
}

// Only header bytes are taken; the next feed starts the next header.
BOOST_AUTO_TEST_CASE(back_to_back_frames) {
    FrameHeaderParser parser;
    const Bytes wire = {0x89, 0x80, 1, 2, 3, 4, 0x8a, 0x81, 5, 6, 7, 8, 0xee};
    const HeaderStep a = parser.feed(wire);
    BOOST_TEST((a.header.opcode == Opcode::ping));
    BOOST_TEST(a.consumed == 6u);
    const HeaderStep b = parser.feed(std::span(wire).subspan(a.consumed));
    BOOST_TEST((b.header.opcode == Opcode::pong));
    BOOST_TEST(b.consumed == 6u);
    BOOST_TEST(b.header.payload_len == 1u);
    BOOST_TEST((parser.feed(std::span<const uint8_t>()).status == HeaderStatus::need_more));
    BOOST_TEST(!parser.mid_header());
}

// Every header (good and bad, each length form) cut at every byte, at every pair of places
// and byte by byte gives the answer of the whole header.
BOOST_AUTO_TEST_CASE(every_split) {
    const MaskKey key = {0xa1, 0xb2, 0xc3, 0xd4};
    std::vector<std::pair<Bytes, PeerMasking>> cases = {
        {header_bytes(true, Opcode::text, 5, &key), PeerMasking::required},
        {header_bytes(false, Opcode::binary, 300, &key), PeerMasking::required},
        {header_bytes(true, Opcode::binary, 1ULL << 40, &key), PeerMasking::required},
        {header_bytes(true, Opcode::text, 5), PeerMasking::forbidden},
        {header_bytes(true, Opcode::binary, 65535), PeerMasking::forbidden},
        {header_bytes(true, Opcode::binary, 65536), PeerMasking::forbidden},
        {{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, PeerMasking::required},  // top bit
        {{0x82, 0xfe, 0, 5, 1, 2, 3, 4}, PeerMasking::required},                        // non-minimal
        {{0xc1, 0x85, 1, 2, 3, 4}, PeerMasking::required},                              // RSV1
        {{0x09, 0x80, 1, 2, 3, 4}, PeerMasking::required},                              // ping without FIN
        {{0x81, 0x05}, PeerMasking::required},                                          // unmasked
    };
    for (const auto& one_case : cases) {
        const Bytes& wire = one_case.first;
        const PeerMasking masking = one_case.second;
        const HeaderStep whole = parse(wire, masking);
        BOOST_TEST((whole.status != HeaderStatus::need_more));
        auto same = [&](const HeaderStep& step) {
            BOOST_TEST((step.status == whole.status));
            BOOST_TEST((step.error == whole.error));
            if (whole.status == HeaderStatus::header) {
                BOOST_TEST(step.consumed == wire.size());
                BOOST_TEST(same_header(step.header, whole.header));
            }
        };
        std::vector<size_t> every_byte;
        for (size_t a = 1; a < wire.size(); ++a) {
            every_byte.push_back(a);
            same(parse_pieces(wire, {a}, masking));
            for (size_t b = a + 1; b < wire.size(); ++b) {
                same(parse_pieces(wire, {a, b}, masking));
            }
        }
        same(parse_pieces(wire, every_byte, masking));
        // Cut short, the header only asks for more.
        for (size_t a = 1; a < wire.size() && whole.status == HeaderStatus::header; ++a) {
            const HeaderStep partial = parse(Bytes(wire.begin(), wire.begin() + static_cast<long>(a)), masking);
            BOOST_TEST((partial.status == HeaderStatus::need_more));
            BOOST_TEST(partial.consumed == a);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
