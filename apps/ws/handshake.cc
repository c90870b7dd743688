#include "apps/ws/handshake.h"

#include <gnutls/crypto.h>

#include <algorithm>
#include <array>

namespace slip::apps::ws {

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr size_t kSha1Len = 20;

bool base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

bool valid_key(std::string_view key) {
    if (key.size() != kKeyLen || key.substr(22) != "==") {
        return false;
    }
    for (size_t i = 0; i < 21; ++i) {
        if (!base64_char(key[i])) {
            return false;
        }
    }
    // The last data character holds the final 2 bits of byte 16 and 4 zero pad bits.
    const char last = key[21];
    return last == 'A' || last == 'Q' || last == 'g' || last == 'w';
}

bool valid_version(std::string_view version) { return version == kVersion; }

bool header_has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const size_t comma = value.find(',');
        const std::string_view element = trim_ows(value.substr(0, comma));
        if (equal_ignoring_case(element, token)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        value.remove_prefix(comma + 1);
    }
    return false;
}

bool compute_accept(std::string_view key, std::span<char, kAcceptLen> out) {
    if (key.size() > kMaxHashedKeyLen) {
        return false;
    }
    std::array<char, kMaxHashedKeyLen + kAcceptGuid.size()> text;
    const auto guid_at = std::copy(key.begin(), key.end(), text.begin());
    std::copy(kAcceptGuid.begin(), kAcceptGuid.end(), guid_at);
    std::array<uint8_t, kSha1Len> digest;
    if (gnutls_hash_fast(GNUTLS_DIG_SHA1, text.data(), key.size() + kAcceptGuid.size(), digest.data()) != 0) {
        return false;
    }
    return base64_encode(digest, out) == kAcceptLen;
}

size_t base64_encode(std::span<const uint8_t> in, std::span<char> out) {
    const size_t length = base64_len(in.size());
    if (out.size() < length) {
        return 0;
    }
    size_t at = 0;
    size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const uint32_t group = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
        out[at++] = kBase64Alphabet[(group >> 18) & 0x3f];
        out[at++] = kBase64Alphabet[(group >> 12) & 0x3f];
        out[at++] = kBase64Alphabet[(group >> 6) & 0x3f];
        out[at++] = kBase64Alphabet[group & 0x3f];
    }
    const size_t tail = in.size() - i;
    if (tail > 0) {
        // RFC 4648 §4: the last group is zero-filled and the missing characters are "=".
        uint32_t group = uint32_t{in[i]} << 16;
        if (tail == 2) {
            group |= uint32_t{in[i + 1]} << 8;
        }
        out[at++] = kBase64Alphabet[(group >> 18) & 0x3f];
        out[at++] = kBase64Alphabet[(group >> 12) & 0x3f];
        out[at++] = tail == 2 ? kBase64Alphabet[(group >> 6) & 0x3f] : '=';
        out[at++] = '=';
    }
    return at;
}

}  // namespace slip::apps::ws
