#include "apps/http/head_scanner.h"

#include <algorithm>

namespace slip::apps::http {

namespace {
constexpr uint8_t kCr = '\r';
constexpr uint8_t kLf = '\n';
}  // namespace

ScanResult HeadScanner::finish(size_t used, ScanState state, uint16_t status) {
    m_state = state;
    m_status = status;
    return {used, state, status};
}

void HeadScanner::reset() {
    *this = HeadScanner(m_max_head);
}

ScanResult HeadScanner::feed(std::span<const uint8_t> segment) {
    if (m_state != ScanState::open) {
        return {0, m_state, m_status};
    }
    const uint8_t* p = segment.data();
    const size_t n = segment.size();
    size_t i = 0;
    while (i < n) {
        const uint8_t c = p[i++];
        ++m_size;
        if (m_after_cr) {
            // RFC 9112 §2.2: a CR not followed by LF is a bare CR; we reject it.
            if (c != kLf) {
                return finish(i, ScanState::bad, 400);
            }
            m_after_cr = false;
            if (m_line_has_content) {
                m_line_has_content = false;
            } else if (m_request_line_begun) {
                return finish(i, ScanState::complete, 0);  // the empty line after the fields
            } else if (++m_leading_empty_lines > kMaxLeadingEmptyLines) {
                return finish(i, ScanState::bad, 400);
            }
        } else if (c == kCr) {
            m_after_cr = true;
        } else if (c == kLf) {
            // RFC 9112 §2.2 lets a recipient take a bare LF as a line end; we do not, so a
            // head of "\n\n" fails here instead of holding the buffer until the limit.
            return finish(i, ScanState::bad, 400);
        } else {
            m_line_has_content = true;
            m_request_line_begun = true;
            // The rest of the line up to the next CR or LF, within the limit, in one run.
            const size_t stop = i + std::min(n - i, m_max_head > m_size ? m_max_head - m_size : 0);
            const size_t start = i;
            while (i < stop && p[i] != kCr && p[i] != kLf) {
                ++i;
            }
            m_size += i - start;
        }
        if (m_size >= m_max_head) {
            return finish(i, ScanState::bad, 431);
        }
    }
    return {n, ScanState::open, 0};
}

}  // namespace slip::apps::http
