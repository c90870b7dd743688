#pragma once
// The HTTP/1.1 parser's fuzz target, shared by the libFuzzer build and the deterministic
// smoke test: a request (head and body) through the HeadScanner (whole and in pieces), the
// head through parse_request_head and what follows through the ChunkedDecoder (whole and in
// pieces), with their invariants checked; a violation aborts.
//
// Input: [piece byte][limits byte][request bytes...]
//   piece byte:  the largest piece is 1 + (b % 64) bytes (0: one byte at a time); each
//                piece's length also mixes in the first byte of that piece.
//   limits byte: bit 0, a 96-byte head limit; bit 1, small HeadLimits (target 16, 3 fields,
//                field line 40); bit 2, small ChunkedLimits (body 16, extension 8,
//                trailer 24); otherwise the defaults.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/http/chunked_decoder.h"
#include "apps/http/head_scanner.h"
#include "apps/http/request_head.h"

namespace slip::test {

struct HttpFuzzOutcome {
    apps::http::ScanState scan = apps::http::ScanState::open;
    uint16_t scan_status = 0;
    bool head_parsed = false;  // parse_request_head ran (the scanner found a complete head)
    apps::http::HeadStatus head = apps::http::HeadStatus::bad_request;
    apps::http::ChunkState chunk = apps::http::ChunkState::more;
    uint16_t chunk_status = 0;
    uint64_t chunk_data_bytes = 0;
};

// Runs one input and returns what each stage concluded; aborts on a broken invariant.
HttpFuzzOutcome http_parser_fuzz_run(const uint8_t* data, size_t size);

// The libFuzzer entry's body: http_parser_fuzz_run, returning 0.
int http_parser_fuzz_one(const uint8_t* data, size_t size);

// Requests as real clients send them (the unit suites check how they parse, the smoke test
// mutates them), and a few chunked bodies that exercise extensions and trailers.
namespace http_samples {

// curl 7.88.1: curl http://localhost:8080/
inline constexpr std::string_view kCurlGet =
    "GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
// curl -d 'name=ab&x=1' http://localhost:8080/submit
inline constexpr std::string_view kCurlPost =
    "POST /submit HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
    "Content-Length: 11\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nname=ab&x=1";
// curl -T - http://localhost:8080/upload (stdin: an unknown length, so chunked)
inline constexpr std::string_view kCurlChunkedPut =
    "PUT /upload HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
    "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
// wrk 4.2 (wrk.format: the request line and Host only)
inline constexpr std::string_view kWrkGet = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
// h2load --h1 (nghttp2 1.52): its own field names are lower case
inline constexpr std::string_view kH2loadGet =
    "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nuser-agent: h2load nghttp2/1.52.0\r\n\r\n";
// ab -n 1 (ApacheBench 2.3): HTTP/1.0, so the connection closes after the response
inline constexpr std::string_view kAbGet =
    "GET / HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n";
// A browser's WebSocket handshake (RFC 6455 §1.3)
inline constexpr std::string_view kWebSocketUpgrade =
    "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\nSec-WebSocket-Version: 13\r\n\r\n";
// A conditional GET as a browser revalidates a cached page
inline constexpr std::string_view kBrowserRevalidate =
    "GET /app.js HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n"
    "Accept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nIf-None-Match: \"5f3a-1b2c\"\r\n"
    "Cache-Control: max-age=0\r\n\r\n";
// Chunked with extensions and a trailer section (RFC 9112 §7.1.1, §7.1.2)
inline constexpr std::string_view kChunkedTrailers =
    "POST /log HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: Digest\r\n\r\n"
    "4;name=value\r\nWiki\r\n5 ; q=\"a b\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
    "00\r\nDigest: sha-256=abc\r\nX-Note:\tdone\r\n\r\n";
// Two pipelined requests in one segment (wrk --pipeline style)
inline constexpr std::string_view kPipelined =
    "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
// Refused on purpose, so the seeds also start from each error path
inline constexpr std::string_view kGzipChunked =
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";
inline constexpr std::string_view kHttp2Version = "GET / HTTP/2.0\r\nHost: h\r\n\r\n";

inline constexpr std::array<std::string_view, 12> kAll = {
    kCurlGet,  kCurlPost,          kCurlChunkedPut,  kWrkGet,    kH2loadGet,   kAbGet,
    kWebSocketUpgrade, kBrowserRevalidate, kChunkedTrailers, kPipelined, kGzipChunked, kHttp2Version,
};

}  // namespace http_samples

}  // namespace slip::test
