#pragma once
// Finds where an HTTP/1.1 request head ends (RFC 9112 §2.1: the request-line and the field
// lines, then an empty line), fed segment by segment as the bytes arrive. It checks only
// the line structure, which is what decides how long the head is: every line ends in CRLF
// (a bare LF or a bare CR is a 400 at once, so "\n\n" never waits for the size limit) and
// the head stays within the caller's limit (431). parse_request_head checks everything
// else once the head is complete and contiguous.
#include <cstddef>
#include <cstdint>
#include <span>

namespace slip::apps::http {

// RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received before the
// request-line (some clients send one after a POST body). A few are skipped; one more is a
// 400. parse_request_head skips the same number, so the bytes the scanner delimits parse as
// they are.
inline constexpr size_t kMaxLeadingEmptyLines = 4;
inline constexpr size_t kDefaultMaxHead = 8192;

enum class ScanState : uint8_t {
    open,      // the head has not ended yet: feed the next segment
    complete,  // the head ended within this segment (at its empty line's LF)
    bad,       // answer with ScanResult::status and close
};

struct ScanResult {
    // Bytes of this segment that belong to the head. Open: the whole segment. Complete: up
    // to and including the LF of the empty line; the rest of the segment is the body or the
    // next pipelined request. Bad: up to and including the byte that made the head bad.
    size_t used = 0;
    ScanState state = ScanState::open;
    uint16_t status = 0;  // bad only: 400 (bare LF or CR, too many empty lines) or 431
};

class HeadScanner {
public:
    // max_head: the most bytes a head may take, leading empty lines and the final CRLF
    // included. A head that reaches it without ending is a 431 right away, so the caller
    // never holds a full buffer with the head still open.
    explicit HeadScanner(size_t max_head = kDefaultMaxHead) : m_max_head(max_head) {}

    // Once complete or bad, further feeds return the same state with used == 0.
    ScanResult feed(std::span<const uint8_t> segment);

    // Bytes of the head seen so far (the head's length once complete).
    size_t head_size() const { return m_size; }
    ScanState state() const { return m_state; }

    // For the next request on the same connection; the limit stays.
    void reset();

private:
    ScanResult finish(size_t used, ScanState state, uint16_t status);

    size_t m_max_head;
    size_t m_size = 0;
    uint8_t m_leading_empty_lines = 0;
    bool m_after_cr = false;        // the last byte was a CR: only LF may follow
    bool m_line_has_content = false;
    bool m_request_line_begun = false;  // an empty line after this ends the head
    ScanState m_state = ScanState::open;
    uint16_t m_status = 0;
};

}  // namespace slip::apps::http
