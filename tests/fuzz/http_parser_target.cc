#include "tests/fuzz/http_parser_target.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

using namespace slip::apps::http;

namespace slip::test {

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "http_parser_fuzz: invariant broken: %s\n", what);
        std::abort();
    }
}

// Piece lengths from the input: at most 1 + (piece_byte % 64), varied by the piece's first byte.
size_t next_piece(std::span<const uint8_t> rest, uint8_t piece_byte) {
    const size_t largest = 1 + piece_byte % 64;
    const size_t len = 1 + (rest[0] ^ piece_byte) % largest;
    return std::min(len, rest.size());
}

struct Limits {
    size_t max_head = kDefaultMaxHead;
    HeadLimits head;
    ChunkedLimits chunked;
};

Limits limits_from(uint8_t b) {
    Limits l;
    if (b & 1) {
        l.max_head = 96;
    }
    if (b & 2) {
        l.head = {.max_target = 16, .max_headers = 3, .max_field_line = 40};
    }
    if (b & 4) {
        l.chunked = {.max_body = 16, .max_extension = 8, .max_trailer = 24};
    }
    return l;
}

// The scanner over the whole input at once and in pieces must agree on the state, the
// status and where the head ends.
ScanResult scan_both_ways(std::span<const uint8_t> input, size_t max_head, uint8_t piece_byte) {
    HeadScanner whole(max_head);
    const ScanResult w = whole.feed(input);
    check(w.used <= input.size(), "scanner used more than its input");
    check(w.state != ScanState::open || w.used == input.size(), "open scanner left bytes");
    check(w.state != ScanState::complete || w.used == whole.head_size(), "head_size is not the head");
    check(w.state != ScanState::bad || w.status == 400 || w.status == 431, "scanner status");

    HeadScanner pieces(max_head);
    size_t offset = 0;
    size_t used = 0;
    ScanResult last{};
    while (offset < input.size() && last.state == ScanState::open) {
        const size_t len = next_piece(input.subspan(offset), piece_byte);
        last = pieces.feed(input.subspan(offset, len));
        check(last.used <= len, "scanner used more than its piece");
        check(last.state != ScanState::open || last.used == len, "open scanner left bytes of a piece");
        used += last.used;
        offset += len;
    }
    check(last.state == w.state && last.status == w.status && used == w.used, "scanner depends on the split");
    check(pieces.feed(input).used == 0 || w.state == ScanState::open, "finished scanner read more");
    return w;
}

// Every view of an accepted head lies inside it, and the framing is one of the three kinds.
void check_accepted_head(std::span<const uint8_t> head, const HeadLimits& limits, const RequestHead& r) {
    const char* begin = reinterpret_cast<const char*>(head.data());
    const char* end = begin + head.size();
    const auto inside = [&](std::string_view v) {
        return v.empty() || (v.data() >= begin && v.data() + v.size() <= end);
    };
    check(inside(r.method_token) && !r.method_token.empty(), "method outside the head");
    check(inside(r.target) && !r.target.empty() && r.target.size() <= limits.max_target, "target");
    check(r.version_minor <= 1, "version");
    check(r.field_count <= std::min(limits.max_headers, kMaxHeaderFields), "field count");
    for (const HeaderField& f : r.headers()) {
        check(inside(f.name) && !f.name.empty() && inside(f.value), "field outside the head");
        check(f.name.size() + 1 <= limits.max_field_line, "field line over the limit");
    }
    check(inside(r.host) && inside(r.sec_websocket_key) && inside(r.sec_websocket_version) &&
              inside(r.if_none_match), "derived view outside the head");
    check(!(r.chunked && r.has_content_length), "two framings");
    check(r.has_host || r.version_minor == 0, "HTTP/1.1 without Host");
    // What the parser accepts, the scanner delimits exactly.
    HeadScanner scanner(head.size());
    const ScanResult s = scanner.feed(head);
    check(s.state == ScanState::complete && s.used == head.size(), "accepted head the scanner does not end");
}

struct Decoded {
    ChunkResult last;
    size_t consumed = 0;
    std::vector<uint8_t> data;
    uint64_t body_size = 0;
};

// One feed's invariants, and its data appended.
void take_feed(std::span<const uint8_t> input, const ChunkResult& r, Decoded& out) {
    check(r.consumed <= input.size(), "decoder consumed more than its input");
    check(r.piece_count <= kMaxDataPieces, "piece count");
    check(r.state != ChunkState::more || r.consumed == input.size() || r.piece_count == kMaxDataPieces,
          "decoder stopped early");
    check(r.state != ChunkState::more || input.empty() || r.consumed > 0, "decoder made no progress");
    check(r.state != ChunkState::error || r.status == 400 || r.status == 413, "decoder status");
    size_t prev_end = 0;
    for (const DataPiece& p : r.data()) {
        check(p.length > 0 && p.offset >= prev_end && p.offset + p.length <= r.consumed, "piece outside");
        prev_end = p.offset + p.length;
        out.data.insert(out.data.end(), input.begin() + long(p.offset), input.begin() + long(p.offset + p.length));
    }
    out.consumed += r.consumed;
    out.last = r;
}

// Feeds `piece` until it is all read or the decoder finishes.
void feed_all(ChunkedDecoder& decoder, std::span<const uint8_t> piece, Decoded& out) {
    do {
        const ChunkResult r = decoder.feed(piece);
        take_feed(piece, r, out);
        piece = piece.subspan(r.consumed);
        if (r.state != ChunkState::more) {
            return;
        }
    } while (!piece.empty());
}

Decoded decode_both_ways(std::span<const uint8_t> body, const ChunkedLimits& limits, uint8_t piece_byte) {
    ChunkedDecoder whole_decoder(limits);
    Decoded whole;
    feed_all(whole_decoder, body, whole);
    whole.body_size = whole_decoder.body_size();
    check(whole.data.size() <= limits.max_body && whole.body_size <= limits.max_body, "body over max_body");

    ChunkedDecoder piece_decoder(limits);
    Decoded pieces;
    size_t offset = 0;
    while (offset < body.size() && piece_decoder.state() == ChunkState::more) {
        const size_t len = next_piece(body.subspan(offset), piece_byte);
        feed_all(piece_decoder, body.subspan(offset, len), pieces);
        offset += len;
    }
    check(piece_decoder.state() == whole_decoder.state() && pieces.consumed == whole.consumed &&
              pieces.last.status == whole.last.status && pieces.data == whole.data &&
              piece_decoder.body_size() == whole.body_size,
          "decoder depends on the split");
    return whole;
}

}  // namespace

HttpFuzzOutcome http_parser_fuzz_run(const uint8_t* data, size_t size) {
    HttpFuzzOutcome outcome;
    if (size < 2) {
        return outcome;
    }
    const uint8_t piece_byte = data[0];
    const Limits limits = limits_from(data[1]);
    const std::span<const uint8_t> input(data + 2, size - 2);

    const ScanResult scan = scan_both_ways(input, limits.max_head, piece_byte);
    outcome.scan = scan.state;
    outcome.scan_status = scan.status;

    std::span<const uint8_t> body = input;
    if (scan.state == ScanState::complete) {
        const std::span<const uint8_t> head = input.first(scan.used);
        RequestHead request;
        outcome.head_parsed = true;
        outcome.head = parse_request_head(head, limits.head, request);
        if (outcome.head == HeadStatus::ok) {
            check_accepted_head(head, limits.head, request);
        }
        body = input.subspan(scan.used);
    } else {
        // Arbitrary bytes straight into the parser too: it must not depend on the scanner.
        RequestHead request;
        if (parse_request_head(input, limits.head, request) == HeadStatus::ok) {
            check_accepted_head(input, limits.head, request);
        }
    }
    const Decoded decoded = decode_both_ways(body, limits.chunked, piece_byte);
    outcome.chunk = decoded.last.state;
    outcome.chunk_status = decoded.last.status;
    outcome.chunk_data_bytes = decoded.data.size();
    return outcome;
}

int http_parser_fuzz_one(const uint8_t* data, size_t size) {
    http_parser_fuzz_run(data, size);
    return 0;
}

}  // namespace slip::test
