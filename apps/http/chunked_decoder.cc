#include "apps/http/chunked_decoder.h"

#include <algorithm>

namespace slip::apps::http {

namespace {

constexpr uint8_t kCr = '\r';
constexpr uint8_t kLf = '\n';
constexpr uint16_t kBadRequest = 400;
constexpr uint16_t kContentTooLarge = 413;

int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_bws(uint8_t c) { return c == ' ' || c == '\t'; }

// RFC 9110 §5.6.2 tchar.
bool is_tchar(uint8_t c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
        case '-': case '.': case '^': case '_': case '`': case '|': case '~':
            return true;
        default:
            return false;
    }
}

// Field-value and chunk-ext bytes: VCHAR, obs-text, SP and HTAB; no other control.
bool is_text(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

}  // namespace

bool ChunkedDecoder::fail(uint16_t status) {
    m_step = Step::error;
    m_status = status;
    return false;
}

ChunkState ChunkedDecoder::state() const {
    if (m_step == Step::done) return ChunkState::done;
    if (m_step == Step::error) return ChunkState::error;
    return ChunkState::more;
}

// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (RFC 9112 §7.1), all but the data.
bool ChunkedDecoder::step_size_line(uint8_t c) {
    switch (m_step) {
        case Step::size:
            if (const int digit = hex_value(c); digit >= 0) {
                if (++m_digits > kMaxChunkSizeDigits) {
                    return fail(kBadRequest);
                }
                m_chunk_size = m_chunk_size << 4 | uint64_t(digit);
                // m_body never exceeds max_body, so the subtraction cannot wrap.
                return m_chunk_size <= m_limits.max_body - m_body || fail(kContentTooLarge);
            }
            if (m_digits == 0) {
                return fail(kBadRequest);
            }
            if (c == kCr) {
                m_step = Step::size_lf;
                return true;
            }
            // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
            if (c != ';' && !is_bws(c)) {
                return fail(kBadRequest);
            }
            m_step = c == ';' ? Step::extension : Step::size_space;
            return ++m_extension_len <= m_limits.max_extension || fail(kBadRequest);
        case Step::size_space:
            if (c != ';' && !is_bws(c)) {
                return fail(kBadRequest);
            }
            m_step = c == ';' ? Step::extension : Step::size_space;
            return ++m_extension_len <= m_limits.max_extension || fail(kBadRequest);
        case Step::extension:
            // Names and values are not checked one by one: we act on no extension (§7.1.1
            // lets a recipient ignore them), only their length and characters are bounded.
            if (c == kCr) {
                m_step = Step::size_lf;
                return true;
            }
            return (is_text(c) && ++m_extension_len <= m_limits.max_extension) || fail(kBadRequest);
        case Step::size_lf:
            if (c != kLf) {
                return fail(kBadRequest);
            }
            m_body += m_chunk_size;
            m_digits = 0;
            m_extension_len = 0;
            // last-chunk = 1*("0") [ chunk-ext ] CRLF, then the trailer section.
            m_step = m_chunk_size == 0 ? Step::trailer_start : Step::data;
            return true;
        case Step::data_cr:
            m_step = Step::data_lf;
            return c == kCr || fail(kBadRequest);
        case Step::data_lf:
            m_step = Step::size;
            return c == kLf || fail(kBadRequest);
        default:
            return fail(kBadRequest);
    }
}

// trailer-section = *( field-line CRLF ), then CRLF (RFC 9112 §7.1.2). Read loosely: a
// token name, a colon, text; no obs-fold (a line starting with whitespace), no bare CR or
// LF, and the whole section bounded. We pass no trailer field on, so none is kept.
bool ChunkedDecoder::step_trailer(uint8_t c) {
    if (++m_trailer_len > m_limits.max_trailer) {
        return fail(kBadRequest);
    }
    switch (m_step) {
        case Step::trailer_start:
            if (c == kCr) {
                m_step = Step::end_lf;
                return true;
            }
            m_step = Step::trailer_name;
            return is_tchar(c) || fail(kBadRequest);
        case Step::trailer_name:
            if (c == ':') {
                m_step = Step::trailer_value;
                return true;
            }
            return is_tchar(c) || fail(kBadRequest);
        case Step::trailer_value:
            if (c == kCr) {
                m_step = Step::trailer_lf;
                return true;
            }
            return is_text(c) || fail(kBadRequest);
        case Step::trailer_lf:
            m_step = Step::trailer_start;
            return c == kLf || fail(kBadRequest);
        case Step::end_lf:
            m_step = Step::done;
            return c == kLf || fail(kBadRequest);
        default:
            return fail(kBadRequest);
    }
}

ChunkResult ChunkedDecoder::feed(std::span<const uint8_t> input) {
    ChunkResult r;
    const uint8_t* p = input.data();
    const size_t n = input.size();
    size_t i = 0;
    while (i < n && m_step != Step::done && m_step != Step::error) {
        if (m_step == Step::data) {
            if (r.piece_count == kMaxDataPieces) {
                break;  // the caller feeds the rest again
            }
            const size_t take = size_t(std::min<uint64_t>(m_chunk_size, n - i));
            r.pieces[r.piece_count++] = {i, take};
            i += take;
            m_chunk_size -= take;
            if (m_chunk_size == 0) {
                m_step = Step::data_cr;
            }
            continue;
        }
        const uint8_t c = p[i++];
        if (m_step >= Step::trailer_start) {
            step_trailer(c);
        } else {
            step_size_line(c);
        }
    }
    r.consumed = i;
    r.state = state();
    r.status = m_status;
    return r;
}

}  // namespace slip::apps::http
