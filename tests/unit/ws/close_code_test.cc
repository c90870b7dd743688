#include "apps/ws/close_code.h"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

using namespace slip::apps::ws;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes close_payload(uint16_t code, std::string_view reason = {}) {
    Bytes payload = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
    payload.insert(payload.end(), reason.begin(), reason.end());
    return payload;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(close_code)

BOOST_AUTO_TEST_CASE(wire_values) {
    BOOST_TEST(to_wire(CloseCode::normal) == 1000);
    BOOST_TEST(to_wire(CloseCode::protocol_error) == 1002);
    BOOST_TEST(to_wire(CloseCode::invalid_payload) == 1007);
    BOOST_TEST(to_wire(CloseCode::message_too_big) == 1009);
    BOOST_TEST(to_wire(CloseCode::internal_error) == 1011);
    BOOST_TEST(to_wire(CloseCode::none) == 0);
}

// RFC 6455 §7.4.1-§7.4.2, over every 16-bit value.
BOOST_AUTO_TEST_CASE(codes_valid_on_the_wire) {
    for (uint32_t code = 0; code <= 0xffff; ++code) {
        const bool want = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                          (code >= 3000 && code <= 4999);
        if (close_code_valid_on_wire(static_cast<uint16_t>(code)) != want) {
            BOOST_FAIL("code " << code);
        }
    }
}

// §5.5.1: an empty body has no code; a single byte is an error.
BOOST_AUTO_TEST_CASE(empty_and_one_byte) {
    const ClosePayload empty = parse_close_payload({});
    BOOST_TEST((empty.error == CloseCode::none));
    BOOST_TEST(!empty.has_code);
    const uint8_t one[1] = {0x03};
    BOOST_TEST((parse_close_payload(one).error == CloseCode::protocol_error));
}

BOOST_AUTO_TEST_CASE(codes_in_payloads) {
    for (const uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
        const Bytes payload = close_payload(code);
        const ClosePayload parsed = parse_close_payload(payload);
        BOOST_TEST((parsed.error == CloseCode::none), "code " << code);
        BOOST_TEST(parsed.has_code);
        BOOST_TEST(parsed.code == code);
        BOOST_TEST(parsed.reason.empty());
    }
    for (const uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        const ClosePayload parsed = parse_close_payload(close_payload(code, "why"));
        BOOST_TEST((parsed.error == CloseCode::protocol_error), "code " << code);
        BOOST_TEST(!parsed.has_code);
    }
}

// §5.5.1: the reason is UTF-8; a bad or cut-short one fails with 1007.
BOOST_AUTO_TEST_CASE(reasons) {
    const Bytes good = close_payload(1000, "bye \xe2\x82\xac");
    const ClosePayload parsed = parse_close_payload(good);
    BOOST_TEST((parsed.error == CloseCode::none));
    BOOST_TEST(std::string(parsed.reason.begin(), parsed.reason.end()) == "bye \xe2\x82\xac");
    BOOST_TEST(parsed.reason.data() == good.data() + 2);
    BOOST_TEST((parse_close_payload(close_payload(1000, "\xff")).error == CloseCode::invalid_payload));
    BOOST_TEST((parse_close_payload(close_payload(1001, "ok\xe2\x82")).error == CloseCode::invalid_payload));
    BOOST_TEST((parse_close_payload(close_payload(3000, "\xed\xa0\x80")).error == CloseCode::invalid_payload));
    // A bad code is reported before a bad reason.
    BOOST_TEST((parse_close_payload(close_payload(1005, "\xff")).error == CloseCode::protocol_error));
}

BOOST_AUTO_TEST_CASE(build_and_parse_back) {
    std::array<uint8_t, kMaxControlPayload> out{};
    const size_t n = build_close_payload(out, 1000, "normal");
    BOOST_TEST(n == 8u);
    BOOST_TEST((Bytes(out.begin(), out.begin() + 8) == close_payload(1000, "normal")));
    const ClosePayload parsed = parse_close_payload(std::span(out).first(n));
    BOOST_TEST(parsed.code == 1000);
    BOOST_TEST(build_close_payload(out, 1011, "") == 2u);
    BOOST_TEST(out[0] == 0x03);
    BOOST_TEST(out[1] == 0xf3);
}

// The reason is cut to 123 bytes (§5.5) and to the buffer, never inside a code point.
BOOST_AUTO_TEST_CASE(build_cuts_reasons) {
    std::array<uint8_t, 200> big{};
    BOOST_TEST(build_close_payload(big, 1000, std::string(300, 'r')) == kMaxControlPayload);
    const std::string euro_at_edge = std::string(122, 'r') + "\xe2\x82\xac";
    BOOST_TEST(build_close_payload(big, 1000, euro_at_edge) == 2u + 122u);
    const std::string fits = std::string(120, 'r') + "\xe2\x82\xac";
    BOOST_TEST(build_close_payload(big, 1000, fits) == kMaxControlPayload);
    std::array<uint8_t, 5> small{};
    BOOST_TEST(build_close_payload(small, 1000, "\xc3\xa9\xc3\xa9") == 4u);  // é fits, the second not
    BOOST_TEST(small[2] == 0xc3);
    std::array<uint8_t, 1> tiny{};
    BOOST_TEST(build_close_payload(tiny, 1000, "x") == 0u);
    for (size_t size = 2; size < 20; ++size) {
        std::array<uint8_t, 20> buffer{};
        const size_t length = build_close_payload(std::span(buffer).first(size), 4000, "\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac" "abc");
        BOOST_TEST((parse_close_payload(std::span(buffer).first(length)).error == CloseCode::none), "size " << size);
    }
}

BOOST_AUTO_TEST_SUITE_END()
