#include "apps/http/response.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

namespace slip::apps::http {

namespace {

struct StatusEntry {
    uint16_t code;
    std::string_view text;  // "404 Not Found\n": the code, the reason phrase, a newline
};

// RFC 9110 §15 (and RFC 6585 §5 for 431): the codes this server sends.
constexpr StatusEntry kStatuses[] = {
    {100, "100 Continue\n"},
    {101, "101 Switching Protocols\n"},
    {200, "200 OK\n"},
    {204, "204 No Content\n"},
    {304, "304 Not Modified\n"},
    {400, "400 Bad Request\n"},
    {404, "404 Not Found\n"},
    {405, "405 Method Not Allowed\n"},
    {408, "408 Request Timeout\n"},
    {413, "413 Content Too Large\n"},
    {414, "414 URI Too Long\n"},
    {431, "431 Request Header Fields Too Large\n"},
    {500, "500 Internal Server Error\n"},
    {501, "501 Not Implemented\n"},
    {503, "503 Service Unavailable\n"},
    {505, "505 HTTP Version Not Supported\n"},
};

constexpr std::string_view kUnknown = "500 Unknown\n";

constexpr std::string_view kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

void two_digits(char* out, unsigned v) {
    out[0] = char('0' + v / 10 % 10);
    out[1] = char('0' + v % 10);
}

int64_t system_wall_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string_view status_text(uint16_t status) {
    for (const StatusEntry& e : kStatuses) {
        if (e.code == status) {
            return e.text;
        }
    }
    return kUnknown;
}

std::string_view reason_phrase(uint16_t status) {
    const std::string_view t = status_text(status);
    return t.substr(4, t.size() - 5);
}

// The proleptic Gregorian calendar from days since 1970-01-01 (the civil_from_days
// algorithm: eras of 400 years, years starting in March so the leap day comes last).
void format_imf_fixdate(int64_t unix_seconds, std::span<char, kImfFixdateLength> out) {
    const int64_t days = floor_div(unix_seconds, 86400);
    const int64_t secs = unix_seconds - days * 86400;
    const int64_t z = days + 719468;
    const int64_t era = floor_div(z, 146097);
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const unsigned day = unsigned(doy - (153 * mp + 2) / 5 + 1);
    const unsigned month = unsigned(mp < 10 ? mp + 3 : mp - 9);
    const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    const int64_t weekday = days - floor_div(days, 7) * 7;

    char* p = out.data();
    std::memcpy(p, kDays[weekday].data(), 3);
    std::memcpy(p + 3, ", ", 2);
    two_digits(p + 5, day);
    p[7] = ' ';
    std::memcpy(p + 8, kMonths[month - 1].data(), 3);
    p[11] = ' ';
    // Four digits: years outside 0..9999 are clamped (no clock of ours gets there).
    const unsigned y = unsigned(std::clamp<int64_t>(year, 0, 9999));
    two_digits(p + 12, y / 100);
    two_digits(p + 14, y % 100);
    p[16] = ' ';
    two_digits(p + 17, unsigned(secs / 3600));
    p[19] = ':';
    two_digits(p + 20, unsigned(secs / 60 % 60));
    p[22] = ':';
    two_digits(p + 23, unsigned(secs % 60));
    std::memcpy(p + 25, " GMT", 4);
}

std::string_view HttpDate::at(uint64_t now_ns) {
    if (!m_valid || now_ns >= m_next_ns) {
        const int64_t wall = m_clock != nullptr ? m_clock() : system_wall_ns();
        const int64_t seconds = floor_div(wall, 1'000'000'000);
        const int64_t into_second = wall - seconds * 1'000'000'000;
        format_imf_fixdate(seconds, m_text);
        // The next refresh when the wall clock's second ends, as the monotonic clock sees it.
        m_next_ns = now_ns + uint64_t(1'000'000'000 - into_second);
        m_valid = true;
        ++m_refreshes;
    }
    return {m_text.data(), m_text.size()};
}

void HeadWriter::put(std::string_view s) {
    if (m_overflow || s.size() > m_out.size() - m_len) {
        m_overflow = true;
        return;
    }
    if (!s.empty()) {
        std::memcpy(m_out.data() + m_len, s.data(), s.size());
        m_len += s.size();
    }
}

HeadWriter& HeadWriter::status(uint16_t code) {
    char digits[8];
    const auto r = std::to_chars(digits, digits + sizeof digits, code);
    put("HTTP/1.1 ");
    put(std::string_view(digits, size_t(r.ptr - digits)));
    put(" ");
    put(reason_phrase(code));
    put("\r\n");
    return *this;
}

HeadWriter& HeadWriter::field(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
    return *this;
}

HeadWriter& HeadWriter::field(std::string_view name, uint64_t value) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, value);
    return field(name, std::string_view(digits, size_t(r.ptr - digits)));
}

size_t HeadWriter::finish() {
    put("\r\n");
    return m_overflow ? 0 : m_len;
}

size_t render_head(const Answer& a, const HeadContext& ctx, std::span<char> out) {
    HeadWriter w(out);
    w.status(a.status);
    if (!ctx.server.empty()) {
        w.field("Server", ctx.server);
    }
    w.field("Date", ctx.date);
    if (!a.content_type.empty()) {
        w.field("Content-Type", a.content_type);
    }
    if (a.content_length_field) {
        w.field("Content-Length", a.length);
    }
    if (!a.etag.empty()) {
        w.field("ETag", a.etag);
    }
    if (!a.allow.empty()) {
        w.field("Allow", a.allow);
    }
    if (ctx.close) {
        w.field("Connection", "close");
    } else if (ctx.keep_alive) {
        w.field("Connection", "keep-alive");
    }
    return w.finish();
}

}  // namespace slip::apps::http
