#include "apps/ws/utf8.h"

#include <cstring>

namespace slip::apps::ws {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// A lead byte's continuation count and the range of its first continuation byte (RFC 3629
// §4, the "UTF8-octets" ABNF). Returns false for bytes that cannot start a code point:
// continuation bytes 80-BF, overlong leads C0-C1, and F5-FF (beyond U+10FFFF).
bool start_sequence(uint8_t lead, uint8_t& pending, uint8_t& low, uint8_t& high) {
    low = 0x80;
    high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        pending = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        pending = 2;
        if (lead == 0xe0) {
            low = 0xa0;  // E0 80-9F would be an overlong 2-byte form
        } else if (lead == 0xed) {
            high = 0x9f;  // ED A0-BF would be U+D800-DFFF, the UTF-16 surrogates
        }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        pending = 3;
        if (lead == 0xf0) {
            low = 0x90;  // F0 80-8F would be an overlong 3-byte form
        } else if (lead == 0xf4) {
            high = 0x8f;  // F4 90-BF would be above U+10FFFF
        }
    } else {
        return false;
    }
    return true;
}

}  // namespace

bool Utf8Validator::feed(std::span<const uint8_t> bytes) {
    if (m_failed) {
        return false;
    }
    const uint8_t* at = bytes.data();
    const uint8_t* const end = at + bytes.size();
    while (at != end) {
        if (m_pending == 0) {
            // ASCII fast path: a word without any high bit is eight complete code points.
            while (end - at >= 8) {
                uint64_t word;
                std::memcpy(&word, at, sizeof word);
                if ((word & kHighBits) != 0) {
                    break;
                }
                at += 8;
            }
            while (at != end && *at < 0x80) {
                ++at;
            }
            if (at == end) {
                break;
            }
        }
        if (!feed_slow(at, end)) {
            m_failed = true;
            return false;
        }
    }
    return true;
}

// One multi-byte code point from `at` (a lead byte, or the continuation bytes an earlier call
// left owing), up to its end or the end of the input.
bool Utf8Validator::feed_slow(const uint8_t*& at, const uint8_t* end) {
    if (m_pending == 0 && !start_sequence(*at++, m_pending, m_low, m_high)) {
        return false;
    }
    while (m_pending != 0 && at != end) {
        const uint8_t byte = *at++;
        if (byte < m_low || byte > m_high) {
            return false;
        }
        --m_pending;
        m_low = 0x80;
        m_high = 0xbf;
    }
    return true;
}

bool utf8_valid(std::span<const uint8_t> bytes) {
    Utf8Validator validator;
    return validator.feed(bytes) && validator.complete();
}

}  // namespace slip::apps::ws
