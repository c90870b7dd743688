#pragma once
// A strict parser of one HTTP/1.1 request head (RFC 9112 §3, §5, §6; RFC 9110 §5, §7.2),
// over the contiguous bytes a HeadScanner delimited. No allocation, no copies: every view in
// RequestHead points into the caller's buffer, which must outlive it. A request the parser
// accepts has unambiguous framing (RFC 9112 §6.3): either no body, a Content-Length, or
// chunked; everything that could be read two ways is refused with the status to answer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "apps/http/head_scanner.h"

namespace slip::apps::http {

// The fixed capacity of RequestHead's field array; HeadLimits::max_headers is capped to it.
inline constexpr size_t kMaxHeaderFields = 64;

// The outcome: ok, or the status code the server must answer with (then close, RFC 9112
// §9.6 lets it: a request it could not parse leaves the connection's framing unknown).
enum class HeadStatus : uint16_t {
    ok = 0,
    bad_request = 400,             // syntax, Host, Content-Length / Transfer-Encoding framing
    uri_too_long = 414,            // request-target longer than max_target
    fields_too_large = 431,        // more than max_headers fields, or one field line too long
    not_implemented = 501,         // a transfer coding other than chunked (RFC 9112 §6.1)
    version_not_supported = 505,   // "HTTP/" DIGIT "." DIGIT, but neither 1.0 nor 1.1
};

constexpr uint16_t status_code(HeadStatus s) { return static_cast<uint16_t>(s); }

struct HeadLimits {
    size_t max_target = 4096;                // bytes of request-target; longer is 414
    size_t max_headers = kMaxHeaderFields;   // field lines; more is 431
    size_t max_field_line = 4096;            // bytes of "name: value" without CRLF; longer is 431
};

// Methods are case-sensitive (RFC 9110 §9.1): "get" is a method of its own, `other`.
enum class Method : uint8_t { get, head, post, put, delete_, options, patch, connect, trace, other };

struct HeaderField {
    std::string_view name;   // as received; compare case-insensitively
    std::string_view value;  // leading and trailing OWS removed (RFC 9112 §5)
};

// The request-line and what the parser derived from the fields. Each parse resets these;
// the field storage in RequestHead is only overwritten (field_count bounds what is valid),
// so a parse does not clear 2 KiB of views first.
struct RequestFacts {
    Method method = Method::other;
    std::string_view method_token;  // the method as received, also for known methods
    std::string_view target;        // request-target as received (not decoded)
    uint8_t version_minor = 1;      // HTTP/1.0 or HTTP/1.1

    bool has_host = false;
    std::string_view host;
    bool has_content_length = false;
    uint64_t content_length = 0;     // valid when has_content_length
    bool chunked = false;            // Transfer-Encoding: chunked (then no Content-Length)
    bool connection_close = false;   // close after the response (RFC 9112 §9.3)
    bool upgrade_websocket = false;  // Upgrade lists "websocket" and Connection lists "upgrade"
    bool expect_continue = false;    // Expect: 100-continue in an HTTP/1.1 request
    // The first line's value of each; empty when absent. All lines stay in the fields.
    std::string_view sec_websocket_key;
    std::string_view sec_websocket_version;
    std::string_view if_none_match;
    size_t field_count = 0;

    bool has_body() const { return chunked || (has_content_length && content_length > 0); }
};

struct RequestHead : RequestFacts {
    std::array<HeaderField, kMaxHeaderFields> fields;  // [0, field_count) are this request's

    std::span<const HeaderField> headers() const { return {fields.data(), field_count}; }
    // The value of the first field named `name` (case-insensitive), empty when none.
    std::string_view find(std::string_view name) const;
};

// Parses `head`: exactly the bytes the HeadScanner delimited, from the first byte (leading
// empty lines included, up to kMaxLeadingEmptyLines) through the empty line's CRLF. Anything
// after that empty line is a 400. `out`'s facts are reset first; on an error its contents
// are unspecified. Choices beyond the RFCs' MUSTs:
//  - Transfer-Encoding with Content-Length is a 400 (RFC 9112 §6.1 allows processing it).
//  - Transfer-Encoding whose final coding is not chunked is a 400 (RFC 9112 §6.3 point 4);
//    chunked last after other codings ("gzip, chunked") is a 501: we decode no other coding.
//    Transfer-Encoding in an HTTP/1.0 request is a 400 (its framing is faulty, §6.1).
//  - A field line starting with whitespace (obs-fold, RFC 9112 §5.2, or before the first
//    field, §2.2), a bare CR or LF, and control characters other than HTAB in a field value
//    are all 400.
//  - request-target: visible ASCII only (no raw bytes >= 0x80); its form is not checked.
HeadStatus parse_request_head(std::span<const uint8_t> head, const HeadLimits& limits, RequestHead& out);

// ASCII case-insensitive equality, for field names and list tokens.
bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace slip::apps::http
