#pragma once
// What the HTTP/1.1 server answers with: status lines and reason phrases (RFC 9110 §15),
// the Date field's IMF-fixdate (RFC 9110 §5.6.7), and a response head written into a
// caller-provided buffer (RFC 9112 §4, §5). No allocation: the server renders every head
// into one scratch buffer per instance and copies it into packet buffers at once.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "stack/app/byte_store.h"

namespace slip::apps::http {

// The reason phrase of `status` ("Not Found"); "Unknown" for a code we never send.
std::string_view reason_phrase(uint16_t status);
// The text body of an error answer: "404 Not Found\n" (stable storage).
std::string_view status_text(uint16_t status);

// "Sun, 06 Nov 1994 08:49:37 GMT": always this many characters (RFC 9110 §5.6.7).
inline constexpr size_t kImfFixdateLength = 29;
void format_imf_fixdate(int64_t unix_seconds, std::span<char, kImfFixdateLength> out);

// Wall-clock time, nanoseconds since the Unix epoch. nullptr in the options means
// std::chrono::system_clock.
using WallClock = int64_t (*)();

// The Date field's value (RFC 9110 §6.6.1: an origin server with a clock MUST send Date).
// Requests are timed by the engine's monotonic clock (Connections::now_ns, free); the wall
// clock is read, and the text formatted, only when a new second has begun: at most once a
// second, never per request.
class HttpDate {
public:
    explicit HttpDate(WallClock clock = nullptr) : m_clock(clock) {}
    // The value at monotonic time `now_ns`.
    std::string_view at(uint64_t now_ns);
    // How many times the wall clock was read (for tests).
    uint64_t refreshes() const { return m_refreshes; }

private:
    WallClock m_clock;
    bool m_valid = false;
    uint64_t m_next_ns = 0;  // monotonic time at which the wall clock's second changes
    uint64_t m_refreshes = 0;
    std::array<char, kImfFixdateLength> m_text{};
};

// How the content of an answer is made.
enum class BodyKind : uint8_t {
    none,
    bytes,    // copied from stable memory (static files, texts) in chunks, by copy_in
    pattern,  // the engine's pattern bytes from offset 0 (GET /bytes/N), referenced
};

// One answer as the server queues it: the fields it renders, and how far its content has
// been made into buffers.
struct Answer {
    uint16_t status = 200;
    // HEAD (RFC 9110 §9.3.2): the fields GET would send, no content.
    bool head_only = false;
    // 304 (RFC 9110 §15.4.5) and 1xx carry no Content-Length; everything else does.
    bool content_length_field = true;
    std::string_view content_type;
    std::string_view etag;   // with its quotes; empty: no ETag field
    std::string_view allow;  // empty: no Allow field (405 MUST have one, RFC 9110 §15.5.6)
    uint64_t length = 0;     // the content's length (Content-Length)
    BodyKind kind = BodyKind::none;
    const uint8_t* bytes = nullptr;  // BodyKind::bytes: `length` bytes that outlive the answer
    // The same bytes registered with the engine (sent by reference); nullptr: copied.
    const app::SharedBytes* shared = nullptr;
    uint64_t made = 0;               // content bytes already made into buffers
    bool head_made = false;          // the head is in buffers (sent, or waiting to be)

    uint64_t content_left() const { return head_only || kind == BodyKind::none ? 0 : length - made; }
};

// What a head says beyond the answer itself.
struct HeadContext {
    std::string_view date;    // the Date field's value
    std::string_view server;  // the Server field's value; empty: none
    bool close = false;       // Connection: close (RFC 9112 §9.6)
    bool keep_alive = false;  // Connection: keep-alive, to an HTTP/1.0 client that asked for it
};

// Writes a response head: the status line, fields, and the empty line.
class HeadWriter {
public:
    explicit HeadWriter(std::span<char> out) : m_out(out) {}
    // "HTTP/1.1 404 Not Found" (RFC 9112 §4: we speak HTTP/1.1 to HTTP/1.0 clients too).
    HeadWriter& status(uint16_t code);
    HeadWriter& field(std::string_view name, std::string_view value);
    HeadWriter& field(std::string_view name, uint64_t value);
    // The empty line; returns the head's length, 0 when it did not fit.
    size_t finish();
    std::string_view text() const { return {m_out.data(), m_len}; }

private:
    void put(std::string_view s);
    std::span<char> m_out;
    size_t m_len = 0;
    bool m_overflow = false;
};

// Renders `a`'s head into `out`; 0 when it does not fit.
size_t render_head(const Answer& a, const HeadContext& ctx, std::span<char> out);

}  // namespace slip::apps::http
