#include "apps/http/chunked_decoder.h"

#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/http_parser_target.h"

using namespace slip::apps::http;
namespace samples = slip::test::http_samples;

namespace {

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Decoded {
    ChunkState state = ChunkState::more;
    uint16_t status = 0;
    size_t consumed = 0;  // over all segments
    std::string data;
    bool operator==(const Decoded&) const = default;
};

// Feeds each segment until it is read or the decoder finishes, as a server would.
Decoded decode_segments(const std::vector<std::string_view>& segments, const ChunkedLimits& limits = {}) {
    ChunkedDecoder decoder(limits);
    Decoded out;
    for (std::string_view segment : segments) {
        while (!segment.empty() && decoder.state() == ChunkState::more) {
            const ChunkResult r = decoder.feed(bytes(segment));
            for (const DataPiece& p : r.data()) {
                out.data += segment.substr(p.offset, p.length);
            }
            out.consumed += r.consumed;
            out.state = r.state;
            out.status = r.status;
            segment.remove_prefix(r.consumed);
        }
    }
    return out;
}

Decoded decode(std::string_view s, const ChunkedLimits& limits = {}) { return decode_segments({s}, limits); }

// Every two-segment cut and one byte at a time give the same result as the whole input.
void check_split_independent(std::string_view s, const ChunkedLimits& limits = {}) {
    const Decoded whole = decode(s, limits);
    for (size_t cut = 0; cut <= s.size(); ++cut) {
        BOOST_TEST_CONTEXT("cut at " << cut) {
            BOOST_TEST((decode_segments({s.substr(0, cut), s.substr(cut)}, limits) == whole));
        }
    }
    std::vector<std::string_view> single_bytes;
    for (size_t i = 0; i < s.size(); ++i) {
        single_bytes.push_back(s.substr(i, 1));
    }
    BOOST_TEST((decode_segments(single_bytes, limits) == whole));
}

void check_error(std::string_view s, uint16_t status, const ChunkedLimits& limits = {}) {
    const Decoded d = decode(s, limits);
    BOOST_TEST((d.state == ChunkState::error), "for: " << s);
    BOOST_TEST(d.status == status, "for: " << s);
    check_split_independent(s, limits);
}

std::string_view body_of(std::string_view request) { return request.substr(request.find("\r\n\r\n") + 4); }

}  // namespace

BOOST_AUTO_TEST_SUITE(chunked_decoder)

BOOST_AUTO_TEST_CASE(curl_upload) {
    const std::string_view body = body_of(samples::kCurlChunkedPut);
    const Decoded d = decode(body);
    BOOST_TEST((d.state == ChunkState::done));
    BOOST_TEST(d.data == "hello world");
    BOOST_TEST(d.consumed == body.size());
    check_split_independent(body);
}

BOOST_AUTO_TEST_CASE(extensions_and_trailers) {
    const std::string_view body = body_of(samples::kChunkedTrailers);
    const Decoded d = decode(body);
    BOOST_TEST((d.state == ChunkState::done));
    BOOST_TEST(d.data == "Wikipedia in\r\n\r\nchunks.");
    BOOST_TEST(d.consumed == body.size());
    check_split_independent(body);
}

BOOST_AUTO_TEST_CASE(sizes_in_hex_any_case_with_leading_zeros) {
    const std::string data(0x1aF, 'z');
    const std::string s = "01aF\r\n" + data + "\r\n000\r\n\r\n";
    const Decoded d = decode(s);
    BOOST_TEST((d.state == ChunkState::done));
    BOOST_TEST(d.data == data);
    BOOST_TEST(decode("0000000000000001\r\nx\r\n0\r\n\r\n").data == "x");  // 16 digits
    check_split_independent(s);
}

BOOST_AUTO_TEST_CASE(the_next_request_stays_in_the_segment) {
    const std::string body = "3\r\nabc\r\n0\r\n\r\n";
    const std::string s = body + std::string(samples::kWrkGet);
    ChunkedDecoder decoder;
    const ChunkResult r = decoder.feed(bytes(s));
    BOOST_TEST((r.state == ChunkState::done));
    BOOST_TEST(r.consumed == body.size());
    BOOST_TEST(r.piece_count == 1u);
    BOOST_TEST(r.pieces[0].offset == 3u);
    BOOST_TEST(r.pieces[0].length == 3u);
    BOOST_TEST(decoder.feed(bytes(s)).consumed == 0u);  // done stays done
    BOOST_TEST(decode(s).consumed == body.size());
    check_split_independent(s);
}

BOOST_AUTO_TEST_CASE(many_chunks_fill_the_pieces_and_continue) {
    std::string s;
    std::string expected;
    for (int i = 0; i < 20; ++i) {
        s += "1\r\n" + std::string(1, char('a' + i)) + "\r\n";
        expected += char('a' + i);
    }
    s += "0\r\n\r\n";
    ChunkedDecoder decoder;
    const ChunkResult r = decoder.feed(bytes(s));
    BOOST_TEST((r.state == ChunkState::more));
    BOOST_TEST(r.piece_count == kMaxDataPieces);
    BOOST_TEST(r.consumed < s.size());
    const Decoded d = decode(s);
    BOOST_TEST((d.state == ChunkState::done));
    BOOST_TEST(d.data == expected);
    BOOST_TEST(d.consumed == s.size());
    check_split_independent(s);
}

BOOST_AUTO_TEST_CASE(one_chunk_over_many_segments) {
    const Decoded d = decode_segments({"a\r\n01", "234", "5678", "9\r", "\n0\r", "\n\r", "\n"});
    BOOST_TEST((d.state == ChunkState::done));
    BOOST_TEST(d.data == "0123456789");
    BOOST_TEST((decode_segments({"5\r\nhel"}).state == ChunkState::more));
}

BOOST_AUTO_TEST_CASE(size_line_syntax_is_400) {
    for (std::string_view s : {"\r\n", "x\r\n", "-1\r\n", "0x5\r\nhello\r\n", "+5\r\n", " 5\r\n", "5 \r\n",
                               "5\t\r\n", "5 x\r\n", "5\n", "5\rx", ";a\r\n", "5;a\x01\r\n", "5;a\nb\r\n",
                               "5;\x7f\r\n"}) {
        check_error(s, 400);
    }
    // BWS before ";" is allowed (RFC 9112 §7.1.1).
    BOOST_TEST(decode("5 \t; a=b\r\nhello\r\n0\r\n\r\n").data == "hello");
}

BOOST_AUTO_TEST_CASE(data_must_end_in_crlf) {
    for (std::string_view s : {"5\r\nhelloX\r\n", "5\r\nhello\n0\r\n\r\n", "5\r\nhello\r0\r\n", "5\r\nhello\r\r\n"}) {
        check_error(s, 400);
    }
}

BOOST_AUTO_TEST_CASE(more_than_16_size_digits_is_400) {
    check_error("00000000000000001\r\nx\r\n", 400);
    // 16 digits fit in 64 bits without overflow, whatever their value.
    ChunkedLimits unlimited;
    unlimited.max_body = std::numeric_limits<uint64_t>::max();
    const Decoded d = decode("ffffffffffffffff\r\nabc", unlimited);
    BOOST_TEST((d.state == ChunkState::more));
    BOOST_TEST(d.data == "abc");
    check_error("1ffffffffffffffff\r\n", 400, unlimited);
}

BOOST_AUTO_TEST_CASE(body_at_the_limit_and_one_over) {
    ChunkedLimits limits;
    limits.max_body = 10;
    const std::string_view at_limit = "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n";
    const Decoded d = decode(at_limit, limits);
    BOOST_TEST((d.state == ChunkState::done));
    BOOST_TEST(d.data == "abcdefghij");
    check_split_independent(at_limit, limits);
    check_error("6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n", 413, limits);
    check_error("b\r\n", 413, limits);
    // Reported while the size is read: no data of the oversized chunk is handed out.
    BOOST_TEST(decode("6\r\nabcdef\r\n5\r\nghijk", limits).data == "abcdef");
    check_error(std::string_view("fffffffffffffff\r\n"), 413);  // the default limit
}

BOOST_AUTO_TEST_CASE(extension_at_the_limit_and_one_over) {
    ChunkedLimits limits;
    limits.max_extension = 8;
    // The extension is everything between the size and CRLF: ";a=12345" is 8 bytes.
    BOOST_TEST(decode("1;a=12345\r\nx\r\n0;b=1234\r\n\r\n", limits).data == "x");
    BOOST_TEST((decode("1;a=12345\r\nx\r\n0;b=1234\r\n\r\n", limits).state == ChunkState::done));
    check_split_independent("1;a=12345\r\nx\r\n0;b=1234\r\n\r\n", limits);
    check_error("1;a=123456\r\nx\r\n", 400, limits);
    check_error("1  ;a=1234\r\nx\r\n", 400, limits);
}

BOOST_AUTO_TEST_CASE(trailer_syntax_is_400) {
    for (std::string_view s : {"0\r\nX: a\n\r\n", "0\r\nX: a\r\n b\r\n\r\n", "0\r\n: a\r\n\r\n", "0\r\nX a\r\n\r\n",
                               "0\r\nX : a\r\n\r\n", "0\r\n\r\r", "0\r\n\n", "0\r\nX: a\x01\r\n\r\n",
                               "0\r\nX: a\rb\r\n\r\n", "0\r\n X: a\r\n\r\n"}) {
        check_error(s, 400);
    }
    BOOST_TEST((decode("0\r\nX:\r\nY: \xc3\xa9\r\n\r\n").state == ChunkState::done));
}

BOOST_AUTO_TEST_CASE(trailer_at_the_limit_and_one_over) {
    ChunkedLimits limits;
    limits.max_trailer = 12;
    // The trailer section with its final CRLF: "X: 12345\r\n" (10) and "\r\n" (2).
    const std::string_view at_limit = "0\r\nX: 12345\r\n\r\n";
    BOOST_TEST((decode(at_limit, limits).state == ChunkState::done));
    check_split_independent(at_limit, limits);
    check_error("0\r\nX: 123456\r\n\r\n", 400, limits);
    limits.max_trailer = 2;
    BOOST_TEST((decode("0\r\n\r\n", limits).state == ChunkState::done));
}

BOOST_AUTO_TEST_CASE(finished_decoders_stay_finished_until_reset) {
    ChunkedDecoder decoder;
    BOOST_TEST((decoder.feed(bytes("zz")).state == ChunkState::error));
    const ChunkResult again = decoder.feed(bytes("0\r\n\r\n"));
    BOOST_TEST((again.state == ChunkState::error));
    BOOST_TEST(again.status == 400);
    BOOST_TEST(again.consumed == 0u);
    decoder.reset();
    BOOST_TEST((decoder.feed(bytes("0\r\n\r\n")).state == ChunkState::done));
    BOOST_TEST(decoder.body_size() == 0u);
}

BOOST_AUTO_TEST_CASE(body_size_counts_the_chunks) {
    ChunkedDecoder decoder;
    decoder.feed(bytes("3\r\nabc\r\n2\r\nde"));
    BOOST_TEST(decoder.body_size() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
