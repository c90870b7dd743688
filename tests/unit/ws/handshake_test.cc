#include "apps/ws/handshake.h"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

using namespace slip::apps::ws;

namespace {

std::string accept_for(std::string_view key) {
    std::array<char, kAcceptLen> out{};
    BOOST_TEST_REQUIRE(compute_accept(key, out));
    return std::string(out.begin(), out.end());
}

std::string base64(std::string_view text) {
    std::array<char, 16> out{};
    const size_t n = base64_encode(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), out);
    return std::string(out.data(), n);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(handshake)

// RFC 6455 §1.3: the worked example.
BOOST_AUTO_TEST_CASE(rfc_accept_example) {
    BOOST_TEST(valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
    BOOST_TEST(accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

// More pairs, computed independently (Python's hashlib and base64).
BOOST_AUTO_TEST_CASE(other_accept_values) {
    BOOST_TEST(accept_for("x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    BOOST_TEST(accept_for("AQIDBAUGBwgJCgsMDQ4PEA==") == "C/0nmHhBztSRGR1CwL6Tf4ZjwpY=");
    BOOST_TEST(accept_for("") == "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w=");
    std::array<char, kAcceptLen> out{};
    BOOST_TEST(!compute_accept(std::string(kMaxHashedKeyLen + 1, 'A'), out));
    BOOST_TEST(compute_accept(std::string(kMaxHashedKeyLen, 'A'), out));
}

// RFC 4648 §10 test vectors, and a buffer too small.
BOOST_AUTO_TEST_CASE(base64_vectors) {
    BOOST_TEST(base64("") == "");
    BOOST_TEST(base64("f") == "Zg==");
    BOOST_TEST(base64("fo") == "Zm8=");
    BOOST_TEST(base64("foo") == "Zm9v");
    BOOST_TEST(base64("foob") == "Zm9vYg==");
    BOOST_TEST(base64("fooba") == "Zm9vYmE=");
    BOOST_TEST(base64("foobar") == "Zm9vYmFy");
    BOOST_TEST(base64("\xff\xfe\xfd") == "//79");
    BOOST_TEST(base64_len(16) == kKeyLen);
    BOOST_TEST(base64_len(20) == kAcceptLen);
    std::array<char, 7> small{};
    const uint8_t six[6] = {1, 2, 3, 4, 5, 6};
    BOOST_TEST(base64_encode(six, small) == 0u);
}

// §4.2.1 item 5: 16 bytes in canonical base64, nothing else.
BOOST_AUTO_TEST_CASE(key_validation) {
    BOOST_TEST(valid_key("AQIDBAUGBwgJCgsMDQ4PEA=="));
    BOOST_TEST(valid_key("+++++++++++++++//////w=="));
    BOOST_TEST(valid_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    BOOST_TEST(!valid_key(""));
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZQ="));     // 23
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZQ==="));   // 25
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZQAA"));    // no padding: 18 bytes
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZ=Q="));    // padding inside
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZQ=A"));
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25j-Q=="));    // base64url's alphabet
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25j_Q=="));
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25j Q=="));
    BOOST_TEST(!valid_key(" dGhlIHNhbXBsZSBub25jZQ=="));
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZR=="));    // non-zero pad bits
    BOOST_TEST(!valid_key("dGhlIHNhbXBsZSBub25jZB=="));
    BOOST_TEST(!valid_key(std::string_view("dGhlIHNhbXBsZSBub25j\0Q==", 24)));
}

// §4.2.1 item 6.
BOOST_AUTO_TEST_CASE(version_validation) {
    BOOST_TEST(valid_version("13"));
    BOOST_TEST(!valid_version("8"));
    BOOST_TEST(!valid_version("13 "));
    BOOST_TEST(!valid_version("130"));
    BOOST_TEST(!valid_version(""));
    BOOST_TEST(!valid_version("13, 8"));
}

// RFC 9110 §5.6.1 lists, tokens compared without case (§4.2.1 items 3-4).
BOOST_AUTO_TEST_CASE(token_lists) {
    BOOST_TEST(header_has_token("Upgrade", "upgrade"));
    BOOST_TEST(header_has_token("keep-alive, Upgrade", "upgrade"));
    BOOST_TEST(header_has_token("keep-alive,upgrade", "Upgrade"));
    BOOST_TEST(header_has_token(" \tUPGRADE\t ", "upgrade"));
    BOOST_TEST(header_has_token(",,websocket,", "WebSocket"));
    BOOST_TEST(!header_has_token("Upgrade2", "upgrade"));
    BOOST_TEST(!header_has_token("up grade", "upgrade"));
    BOOST_TEST(!header_has_token("", "upgrade"));
    BOOST_TEST(!header_has_token("keep-alive", "upgrade"));
    BOOST_TEST(!header_has_token("websocket/13x", "websocket"));
}

BOOST_AUTO_TEST_SUITE_END()
