#include "apps/ws/utf8.h"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace slip::apps::ws;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// The validator's verdict fed in the pieces `cuts` separate, each from its own exact heap block.
enum class Verdict { complete, incomplete, invalid };

Verdict check(const Bytes& text, const std::vector<size_t>& cuts = {}) {
    Utf8Validator validator;
    size_t start = 0;
    for (size_t i = 0; i <= cuts.size(); ++i) {
        const size_t end = i < cuts.size() ? cuts[i] : text.size();
        const auto exact = std::make_unique<uint8_t[]>(end - start);
        std::copy(text.begin() + static_cast<long>(start), text.begin() + static_cast<long>(end), exact.get());
        if (!validator.feed(std::span<const uint8_t>(exact.get(), end - start))) {
            BOOST_TEST(validator.failed());
            BOOST_TEST(!validator.complete());
            return Verdict::invalid;
        }
        start = end;
    }
    return validator.complete() ? Verdict::complete : Verdict::incomplete;
}

// An encoder from RFC 3629 §3, for code points the tests enumerate.
Bytes encode(uint32_t cp) {
    if (cp < 0x80) return {static_cast<uint8_t>(cp)};
    if (cp < 0x800) return {static_cast<uint8_t>(0xc0 | (cp >> 6)), static_cast<uint8_t>(0x80 | (cp & 0x3f))};
    if (cp < 0x10000) {
        return {static_cast<uint8_t>(0xe0 | (cp >> 12)), static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f)),
                static_cast<uint8_t>(0x80 | (cp & 0x3f))};
    }
    return {static_cast<uint8_t>(0xf0 | (cp >> 18)), static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3f)),
            static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f)), static_cast<uint8_t>(0x80 | (cp & 0x3f))};
}

// The verdict at every single cut, and byte by byte, equals the whole verdict.
void same_at_every_split(const Bytes& text, Verdict whole) {
    std::vector<size_t> every;
    for (size_t cut = 1; cut < text.size(); ++cut) {
        every.push_back(cut);
        BOOST_TEST((check(text, {cut}) == whole), "cut at " << cut);
    }
    BOOST_TEST((check(text, every) == whole));
}

void expect(std::string_view text, Verdict verdict) {
    const Bytes bytes = bytes_of(text);
    BOOST_TEST((check(bytes) == verdict), "text of " << bytes.size() << " bytes");
    same_at_every_split(bytes, verdict);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(utf8)

// Markus Kuhn's UTF-8 decoder capability and stress test, section 1: correct text.
BOOST_AUTO_TEST_CASE(correct_text) {
    expect("", Verdict::complete);
    expect("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", Verdict::complete);  // κόσμε
    expect("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!", Verdict::complete);
    expect("\xf0\x9f\x98\x80 and \xe2\x82\xac", Verdict::complete);
}

// Section 2: boundary conditions. First and last code points of each length, and the edges
// around the surrogates and U+10FFFF.
BOOST_AUTO_TEST_CASE(boundary_code_points) {
    expect(std::string(1, '\0'), Verdict::complete);
    expect("\xc2\x80", Verdict::complete);          // U+0080
    expect("\xe0\xa0\x80", Verdict::complete);      // U+0800
    expect("\xf0\x90\x80\x80", Verdict::complete);  // U+10000
    expect("\x7f", Verdict::complete);
    expect("\xdf\xbf", Verdict::complete);          // U+07FF
    expect("\xef\xbf\xbf", Verdict::complete);      // U+FFFF (a noncharacter, still valid UTF-8)
    expect("\xef\xbf\xbe", Verdict::complete);      // U+FFFE
    expect("\xf4\x8f\xbf\xbf", Verdict::complete);  // U+10FFFF
    expect("\xed\x9f\xbf", Verdict::complete);      // U+D7FF
    expect("\xee\x80\x80", Verdict::complete);      // U+E000
    expect("\xef\xbf\xbd", Verdict::complete);      // U+FFFD
    expect("\xf4\x90\x80\x80", Verdict::invalid);   // U+110000
    expect("\xf7\xbf\xbf\xbf", Verdict::invalid);   // U+1FFFFF in the old 4-byte form
    expect("\xf8\x88\x80\x80\x80", Verdict::invalid);      // 5-byte form
    expect("\xfc\x84\x80\x80\x80\x80", Verdict::invalid);  // 6-byte form
}

// Section 3: malformed sequences. Stray continuation bytes, lonely lead bytes followed by a
// space, sequences missing their last byte (at the end: incomplete; followed by more: invalid),
// and bytes that never appear.
BOOST_AUTO_TEST_CASE(malformed_sequences) {
    for (int byte = 0x80; byte <= 0xbf; ++byte) {
        expect(std::string(1, static_cast<char>(byte)), Verdict::invalid);
        expect("a" + std::string(1, static_cast<char>(byte)) + "b", Verdict::invalid);
    }
    expect("\x80\xbf\x80\xbf", Verdict::invalid);
    for (int lead = 0xc0; lead <= 0xfd; ++lead) {
        expect(std::string(1, static_cast<char>(lead)) + " ", Verdict::invalid);
    }
    expect("\xc2", Verdict::incomplete);
    expect("\xe0\xa0", Verdict::incomplete);
    expect("\xe1", Verdict::incomplete);
    expect("\xf0\x90\x80", Verdict::incomplete);
    expect("\xf4\x8f", Verdict::incomplete);
    expect("abc\xf1\x80\x80", Verdict::incomplete);
    // Kuhn 3.4: all ten truncated sequences concatenated.
    expect("\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf", Verdict::invalid);
    expect("\xc2\xc2\x80", Verdict::invalid);
    expect("\xe2\x82" "a", Verdict::invalid);
    expect("\xfe", Verdict::invalid);
    expect("\xff", Verdict::invalid);
    expect("\xfe\xfe\xff\xff", Verdict::invalid);
}

// Section 4: overlong forms of "/" and NUL, and the largest overlong of each length.
BOOST_AUTO_TEST_CASE(overlong_forms) {
    expect("\xc0\xaf", Verdict::invalid);
    expect("\xe0\x80\xaf", Verdict::invalid);
    expect("\xf0\x80\x80\xaf", Verdict::invalid);
    expect("\xf8\x80\x80\x80\xaf", Verdict::invalid);
    expect("\xc1\xbf", Verdict::invalid);
    expect("\xe0\x9f\xbf", Verdict::invalid);
    expect("\xf0\x8f\xbf\xbf", Verdict::invalid);
    expect("\xc0\x80", Verdict::invalid);
    expect("\xe0\x80\x80", Verdict::invalid);
    expect("\xf0\x80\x80\x80", Verdict::invalid);
    // Rejected at the first byte that makes it overlong, before the sequence ends.
    expect("\xe0\x80", Verdict::invalid);
    expect("\xf0\x80", Verdict::invalid);
}

// Section 5: UTF-16 surrogates, single and paired.
BOOST_AUTO_TEST_CASE(surrogates) {
    for (const char* s : {"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xae\x80", "\xed\xaf\xbf", "\xed\xb0\x80",
                          "\xed\xbe\x80", "\xed\xbf\xbf", "\xed\xa0\x80\xed\xb0\x80", "\xed\xaf\xbf\xed\xbf\xbf"}) {
        expect(s, Verdict::invalid);
    }
    expect("\xed\xa0", Verdict::invalid);
}

// Every code point, encoded: valid except U+D800-DFFF; cut short, incomplete (or invalid,
// for a surrogate's first two bytes).
BOOST_AUTO_TEST_CASE(every_code_point) {
    for (uint32_t cp = 0; cp <= 0x10ffff; ++cp) {
        const Bytes bytes = encode(cp);
        const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
        Utf8Validator validator;
        const bool fed = validator.feed(bytes);
        if (fed != !surrogate || validator.complete() == surrogate) {
            BOOST_FAIL("code point " << cp);
        }
        if (bytes.size() > 1 && !surrogate) {
            Utf8Validator cut;
            if (!cut.feed(std::span(bytes).first(bytes.size() - 1)) || cut.complete()) {
                BOOST_FAIL("code point " << cp << " cut short");
            }
        }
    }
}

// Every pair of bytes against a rule read off RFC 3629's ABNF.
BOOST_AUTO_TEST_CASE(every_two_byte_sequence) {
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const Bytes bytes = {static_cast<uint8_t>(a), static_cast<uint8_t>(b)};
            const bool cont_b = b >= 0x80 && b <= 0xbf;
            Verdict want = Verdict::invalid;
            if (a < 0x80) {
                want = b < 0x80 ? Verdict::complete : (b >= 0xc2 && b <= 0xf4) ? Verdict::incomplete : Verdict::invalid;
            } else if (a >= 0xc2 && a <= 0xdf) {
                want = cont_b ? Verdict::complete : Verdict::invalid;
            } else if (a == 0xe0) {
                want = b >= 0xa0 && b <= 0xbf ? Verdict::incomplete : Verdict::invalid;
            } else if (a == 0xed) {
                want = b >= 0x80 && b <= 0x9f ? Verdict::incomplete : Verdict::invalid;
            } else if ((a >= 0xe1 && a <= 0xef) || (a >= 0xf1 && a <= 0xf3)) {
                want = cont_b ? Verdict::incomplete : Verdict::invalid;
            } else if (a == 0xf0) {
                want = b >= 0x90 && b <= 0xbf ? Verdict::incomplete : Verdict::invalid;
            } else if (a == 0xf4) {
                want = b >= 0x80 && b <= 0x8f ? Verdict::incomplete : Verdict::invalid;
            }
            if (check(bytes) != want || check(bytes, {1}) != want) {
                BOOST_FAIL("bytes " << a << " " << b);
            }
        }
    }
}

// The eight-byte ASCII path: a bad byte at every position of long ASCII text, at every start
// alignment, is found; a multi-byte character there is accepted and the fast path resumes.
BOOST_AUTO_TEST_CASE(ascii_fast_path) {
    for (size_t length = 0; length <= 40; ++length) {
        for (size_t at = 0; at < length; ++at) {
            Bytes text(length, 'a');
            text[at] = 0xff;
            BOOST_TEST_REQUIRE((check(text) == Verdict::invalid));
            BOOST_TEST_REQUIRE((check(text, {at / 2}) == Verdict::invalid));
            Bytes good(length, 'z');
            good.insert(good.begin() + static_cast<long>(at), {0xe2, 0x82, 0xac});
            BOOST_TEST_REQUIRE((check(good) == Verdict::complete));
            good.push_back(0xc3);
            BOOST_TEST_REQUIRE((check(good) == Verdict::incomplete));
        }
        BOOST_TEST((check(Bytes(length, 'q')) == Verdict::complete));
    }
    BOOST_TEST(utf8_valid(std::string(1000, 'x')));
    BOOST_TEST(!utf8_valid(std::string(999, 'x') + "\x80"));
    BOOST_TEST(!utf8_valid(std::string_view("\xc3")));
}

// A failure is sticky until reset(); reset() starts a new text.
BOOST_AUTO_TEST_CASE(sticky_failure_and_reset) {
    Utf8Validator validator;
    BOOST_TEST(validator.complete());
    BOOST_TEST(validator.feed(std::string_view("\xe2")));
    BOOST_TEST(!validator.complete());
    BOOST_TEST(!validator.failed());
    BOOST_TEST(!validator.feed(std::string_view("x")));
    BOOST_TEST(!validator.feed(std::string_view("fine")));
    BOOST_TEST(validator.failed());
    validator.reset();
    BOOST_TEST(validator.complete());
    BOOST_TEST(validator.feed(std::string_view("\x82\xac")) == false);
}

BOOST_AUTO_TEST_SUITE_END()
