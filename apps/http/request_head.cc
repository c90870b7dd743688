#include "apps/http/request_head.h"

#include <algorithm>
#include <limits>

namespace slip::apps::http {

namespace {

constexpr uint8_t kCr = '\r';
constexpr uint8_t kLf = '\n';

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
constexpr std::array<bool, 256> make_tchar_table() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[size_t(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[size_t(c)] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[uint8_t(c)] = true;
    return t;
}
constexpr std::array<bool, 256> kTchar = make_tchar_table();

// RFC 3986 §3.2.2 and §3.2.3, what a Host value (uri-host [":" port]) may hold: unreserved,
// pct-encoded, sub-delims, ":" and the brackets of an IP-literal. No userinfo ("@"), no path.
constexpr std::array<bool, 256> make_host_table() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[size_t(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[size_t(c)] = true;
    for (char c : std::string_view("-._~%!$&'()*+,;=:[]")) t[uint8_t(c)] = true;
    return t;
}
constexpr std::array<bool, 256> kHostChar = make_host_table();

bool is_ows(char c) { return c == ' ' || c == '\t'; }

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return kTchar[uint8_t(c)]; });
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// RFC 9110 §5.5: field-vchar (VCHAR / obs-text) with SP and HTAB between. NUL, CR, LF and
// the other controls (and DEL) are refused rather than replaced with SP.
bool is_field_value(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
        const uint8_t c = uint8_t(ch);
        return c == '\t' || (c >= 0x20 && c != 0x7f);
    });
}

// Calls fn(element) for each element of a comma-separated list (RFC 9110 §5.6.1), OWS
// trimmed; empty elements are passed too (each caller decides). Stops when fn returns false.
template <class Fn>
bool for_each_element(std::string_view list, Fn&& fn) {
    while (true) {
        const size_t comma = list.find(',');
        if (!fn(trim_ows(list.substr(0, comma)))) {
            return false;
        }
        if (comma == std::string_view::npos) {
            return true;
        }
        list.remove_prefix(comma + 1);
    }
}

Method method_of(std::string_view m) {
    struct Known {
        std::string_view token;
        Method method;
    };
    static constexpr Known kKnown[] = {
        {"GET", Method::get},         {"HEAD", Method::head},   {"POST", Method::post},
        {"PUT", Method::put},         {"DELETE", Method::delete_}, {"OPTIONS", Method::options},
        {"PATCH", Method::patch},     {"CONNECT", Method::connect}, {"TRACE", Method::trace},
    };
    for (const Known& k : kKnown) {
        if (k.token == m) {
            return k.method;
        }
    }
    return Method::other;
}

// What the field lines say about framing and the connection, gathered across lines
// (a list field may be split over several lines, RFC 9110 §5.3) and judged at the end.
struct FieldSummary {
    unsigned host_lines = 0;
    bool te_present = false;
    unsigned te_codings = 0;   // non-empty elements over all Transfer-Encoding lines
    unsigned te_chunked = 0;   // how many of them are chunked
    bool te_chunked_last = false;
    bool te_bad = false;       // an element that is not a coding, or chunked with parameters
    bool close = false;
    bool keep_alive = false;
    bool connection_upgrade = false;
    bool upgrade_websocket = false;
    bool expect_continue = false;
    bool websocket_key_seen = false;
    bool websocket_version_seen = false;
    bool if_none_match_seen = false;
};

// RFC 9112 §6.3 point 5: a list of identical values, or repeated identical lines, is one
// length; differing values or anything but digits is a 400. Overflow is a 400 too.
HeadStatus apply_content_length(std::string_view value, RequestHead& out) {
    bool ok = true;
    for_each_element(value, [&](std::string_view element) {
        if (element.empty()) {
            return ok = false;
        }
        uint64_t n = 0;
        for (char c : element) {
            if (c < '0' || c > '9' || n > (std::numeric_limits<uint64_t>::max() - uint64_t(c - '0')) / 10) {
                return ok = false;
            }
            n = n * 10 + uint64_t(c - '0');
        }
        if (out.has_content_length && out.content_length != n) {
            return ok = false;
        }
        out.has_content_length = true;
        out.content_length = n;
        return true;
    });
    return ok ? HeadStatus::ok : HeadStatus::bad_request;
}

void apply_transfer_encoding(std::string_view value, FieldSummary& s) {
    s.te_present = true;
    for_each_element(value, [&](std::string_view element) {
        if (element.empty()) {
            return true;
        }
        const size_t end = std::min(element.find(';'), element.size());
        const std::string_view coding = trim_ows(element.substr(0, end));
        const bool chunked = equals_ignore_case(coding, "chunked");
        // RFC 9112 §7: chunked takes no parameters.
        if (!is_token(coding) || (chunked && end != element.size())) {
            s.te_bad = true;
        }
        ++s.te_codings;
        s.te_chunked += chunked ? 1 : 0;
        s.te_chunked_last = chunked;
        return true;
    });
}

void apply_connection(std::string_view value, FieldSummary& s) {
    for_each_element(value, [&](std::string_view token) {
        s.close |= equals_ignore_case(token, "close");
        s.keep_alive |= equals_ignore_case(token, "keep-alive");
        s.connection_upgrade |= equals_ignore_case(token, "upgrade");
        return true;
    });
}

void apply_upgrade(std::string_view value, FieldSummary& s) {
    for_each_element(value, [&](std::string_view protocol) {
        s.upgrade_websocket |= equals_ignore_case(protocol, "websocket");
        return true;
    });
}

void apply_expect(std::string_view value, FieldSummary& s) {
    for_each_element(value, [&](std::string_view expectation) {
        s.expect_continue |= equals_ignore_case(expectation, "100-continue");
        return true;
    });
}

// Records what the fields the server acts on say. Name comparison is case-insensitive
// (RFC 9110 §5.1).
HeadStatus apply_field(const HeaderField& f, RequestHead& out, FieldSummary& s) {
    const std::string_view n = f.name;
    const std::string_view v = f.value;
    if (equals_ignore_case(n, "host")) {
        if (++s.host_lines == 1) {
            out.host = v;
        }
        const bool valid = std::all_of(v.begin(), v.end(), [](char c) { return kHostChar[uint8_t(c)]; });
        return valid ? HeadStatus::ok : HeadStatus::bad_request;  // RFC 9112 §3.2
    }
    if (equals_ignore_case(n, "content-length")) {
        return apply_content_length(v, out);
    }
    if (equals_ignore_case(n, "transfer-encoding")) {
        apply_transfer_encoding(v, s);
    } else if (equals_ignore_case(n, "connection")) {
        apply_connection(v, s);
    } else if (equals_ignore_case(n, "upgrade")) {
        apply_upgrade(v, s);
    } else if (equals_ignore_case(n, "expect")) {
        apply_expect(v, s);
    } else if (!s.websocket_key_seen && equals_ignore_case(n, "sec-websocket-key")) {
        s.websocket_key_seen = true;
        out.sec_websocket_key = v;
    } else if (!s.websocket_version_seen && equals_ignore_case(n, "sec-websocket-version")) {
        s.websocket_version_seen = true;
        out.sec_websocket_version = v;
    } else if (!s.if_none_match_seen && equals_ignore_case(n, "if-none-match")) {
        s.if_none_match_seen = true;
        out.if_none_match = v;
    }
    return HeadStatus::ok;
}

// The checks that need every field: Host, and one unambiguous framing (RFC 9112 §6.1, §6.3).
HeadStatus finish_fields(const FieldSummary& s, RequestHead& out) {
    // RFC 9112 §3.2: HTTP/1.1 without Host, or more than one Host line, is a 400.
    if (s.host_lines > 1 || (out.version_minor == 1 && s.host_lines == 0)) {
        return HeadStatus::bad_request;
    }
    out.has_host = s.host_lines == 1;
    if (s.te_present) {
        // Content-Length with Transfer-Encoding: §6.1 lets us reject rather than guess.
        // HTTP/1.0 with Transfer-Encoding: §6.1 says its framing is faulty.
        if (out.has_content_length || out.version_minor == 0) {
            return HeadStatus::bad_request;
        }
        // §6.3 point 4: chunked must be the final coding, and §6.1 applied only once.
        if (s.te_bad || s.te_codings == 0 || !s.te_chunked_last || s.te_chunked > 1) {
            return HeadStatus::bad_request;
        }
        // A coding before chunked that we would have to undo: §6.1 SHOULD 501.
        if (s.te_codings > 1) {
            return HeadStatus::not_implemented;
        }
        out.chunked = true;
    }
    // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 closes unless "keep-alive".
    out.connection_close = s.close || (out.version_minor == 0 && !s.keep_alive);
    out.upgrade_websocket = s.upgrade_websocket && s.connection_upgrade;
    // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
    out.expect_continue = s.expect_continue && out.version_minor == 1;
    return HeadStatus::ok;
}

// RFC 9112 §3: method SP request-target SP HTTP-version, single spaces, nothing else.
HeadStatus parse_request_line(std::string_view line, const HeadLimits& limits, RequestHead& out) {
    const size_t method_end = line.find(' ');
    if (method_end == std::string_view::npos || !is_token(line.substr(0, method_end))) {
        return HeadStatus::bad_request;
    }
    out.method_token = line.substr(0, method_end);
    out.method = method_of(out.method_token);
    const size_t target_end = line.find(' ', method_end + 1);
    if (target_end == std::string_view::npos || target_end == method_end + 1) {
        return HeadStatus::bad_request;
    }
    out.target = line.substr(method_end + 1, target_end - method_end - 1);
    if (out.target.size() > limits.max_target) {
        return HeadStatus::uri_too_long;
    }
    if (!std::all_of(out.target.begin(), out.target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        return HeadStatus::bad_request;
    }
    // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
    const std::string_view version = line.substr(target_end + 1);
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) || version[6] != '.' ||
        !is_digit(version[7])) {
        return HeadStatus::bad_request;
    }
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
        return HeadStatus::version_not_supported;
    }
    out.version_minor = uint8_t(version[7] - '0');
    return HeadStatus::ok;
}

// RFC 9112 §5: field-name ":" OWS field-value OWS.
HeadStatus parse_field_line(std::string_view line, const HeadLimits& limits, RequestHead& out) {
    if (line.size() > limits.max_field_line) {
        return HeadStatus::fields_too_large;
    }
    if (out.field_count >= std::min(limits.max_headers, kMaxHeaderFields)) {
        return HeadStatus::fields_too_large;
    }
    // §5.1: no whitespace between name and colon; §5.2 obs-fold and §2.2 a first field
    // line starting with whitespace are both lines that begin with SP or HTAB.
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
        return HeadStatus::bad_request;
    }
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) {
        return HeadStatus::bad_request;
    }
    out.fields[out.field_count++] = {line.substr(0, colon), value};
    return HeadStatus::ok;
}

// The next line of `text` from `pos`, without its CRLF; false when no CRLF ends it or a
// bare LF does. A bare CR inside a line is left for the character checks to refuse.
bool next_line(std::string_view text, size_t& pos, std::string_view& line) {
    const size_t lf = text.find(char(kLf), pos);
    if (lf == std::string_view::npos || lf == pos || text[lf - 1] != char(kCr)) {
        return false;
    }
    line = text.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    return true;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; };
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view RequestHead::find(std::string_view name) const {
    for (const HeaderField& f : headers()) {
        if (equals_ignore_case(f.name, name)) {
            return f.value;
        }
    }
    return {};
}

HeadStatus parse_request_head(std::span<const uint8_t> head, const HeadLimits& limits, RequestHead& out) {
    static_cast<RequestFacts&>(out) = RequestFacts{};
    const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
    size_t pos = 0;
    // RFC 9112 §2.2: empty lines before the request-line, as many as the scanner skips.
    for (size_t skipped = 0; skipped < kMaxLeadingEmptyLines && text.substr(pos, 2) == "\r\n"; ++skipped) {
        pos += 2;
    }
    std::string_view line;
    if (!next_line(text, pos, line)) {
        return HeadStatus::bad_request;
    }
    if (const HeadStatus st = parse_request_line(line, limits, out); st != HeadStatus::ok) {
        return st;
    }
    FieldSummary summary;
    while (true) {
        if (!next_line(text, pos, line)) {
            return HeadStatus::bad_request;  // no CRLF: the head did not end, or a bare LF
        }
        if (line.empty()) {
            break;
        }
        if (const HeadStatus st = parse_field_line(line, limits, out); st != HeadStatus::ok) {
            return st;
        }
        if (const HeadStatus st = apply_field(out.fields[out.field_count - 1], out, summary); st != HeadStatus::ok) {
            return st;
        }
    }
    if (pos != text.size()) {
        return HeadStatus::bad_request;  // bytes after the empty line are not the head's
    }
    return finish_fields(summary, out);
}

}  // namespace slip::apps::http
