#pragma once
// The server's side of the WebSocket opening handshake (RFC 6455 §4.2): the checks on the
// client's Sec-WebSocket-Key, Sec-WebSocket-Version and token-list headers, and the
// Sec-WebSocket-Accept value. The HTTP request itself is parsed elsewhere; these take header
// values as given (the caller trims optional whitespace around them, RFC 9110 §5.5).
// No allocation: results go to caller buffers.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace slip::apps::ws {

// §1.3, §4.2.2: appended to the key before hashing.
inline constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
inline constexpr size_t kKeyLen = 24;     // base64 of 16 bytes
inline constexpr size_t kAcceptLen = 28;  // base64 of a 20-byte SHA-1 digest
inline constexpr size_t kMaxHashedKeyLen = 64;
inline constexpr std::string_view kVersion = "13";

// §4.2.1 item 5: "a base64-encoded value that, when decoded, is 16 bytes in length": 22
// characters of the RFC 4648 §4 alphabet and "==". The 22nd carries 2 bits and must leave
// its 4 pad bits zero (canonical encoding, RFC 4648 §3.5), so it is one of A, Q, g, w.
bool valid_key(std::string_view key);

// §4.2.1 item 6: exactly "13"; otherwise the server answers 426 with
// "Sec-WebSocket-Version: 13" (§4.2.2, §4.4).
bool valid_version(std::string_view version);

// Whether a comma-separated header value (RFC 9110 §5.6.1) holds `token`, compared without
// case: "Connection" must hold "Upgrade" and "Upgrade" must hold "websocket" (§4.2.1 items
// 3-4), among other tokens ("keep-alive, Upgrade").
bool header_has_token(std::string_view value, std::string_view token);

// §4.2.2 step 5.4: base64(SHA-1(key + kAcceptGuid)), computed with GnuTLS's SHA-1. `key` is
// hashed as received (check it with valid_key() first). Returns false for a key longer than
// kMaxHashedKeyLen or a failed hash; `out` is then unspecified.
bool compute_accept(std::string_view key, std::span<char, kAcceptLen> out);

// RFC 4648 §4 base64 with padding.
constexpr size_t base64_len(size_t bytes) { return (bytes + 2) / 3 * 4; }
// Writes base64_len(in.size()) characters and returns that count, or 0 if `out` is smaller.
size_t base64_encode(std::span<const uint8_t> in, std::span<char> out);

}  // namespace slip::apps::ws
