#pragma once
// Incremental UTF-8 validation (RFC 3629 §4), for WebSocket text messages and Close reasons
// (RFC 6455 §5.6, §8.1): a message arrives in frames and the frames in TCP segments split
// anywhere, so the state of an unfinished code point carries from one call to the next.
//
// Rejected, as §3 and §10 of RFC 3629 require: overlong forms (C0, C1, E0 80-9F, F0 80-8F),
// UTF-16 surrogates (ED A0-BF: U+D800-DFFF), code points above U+10FFFF (F4 90-BF, F5-FF),
// continuation bytes without a lead byte, and lead bytes cut short by a non-continuation.
// ASCII runs are checked eight bytes at a time (echo benchmarks push text through here).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace slip::apps::ws {

class Utf8Validator {
public:
    // Checks the next bytes of the text. Returns false once the text so far is invalid; the
    // failure is sticky until reset().
    bool feed(std::span<const uint8_t> bytes);
    bool feed(std::string_view text) {
        return feed(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }

    // Valid so far and ending on a code point boundary: the text may end here (RFC 6455
    // §8.1: a message that ends inside a code point is invalid).
    bool complete() const { return m_pending == 0 && !m_failed; }
    bool failed() const { return m_failed; }

    void reset() { *this = Utf8Validator{}; }

private:
    bool feed_slow(const uint8_t*& at, const uint8_t* end);

    // Continuation bytes still owed by the current code point (0-3), and the range the next
    // one must fall in: narrower than 80-BF right after E0, ED, F0 and F4 (RFC 3629 §4).
    uint8_t m_pending = 0;
    uint8_t m_low = 0x80;
    uint8_t m_high = 0xbf;
    bool m_failed = false;
};

// The whole text at once: valid and complete.
bool utf8_valid(std::span<const uint8_t> bytes);
inline bool utf8_valid(std::string_view text) {
    return utf8_valid(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace slip::apps::ws
