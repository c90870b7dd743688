#pragma once
// QUIC address-validation tokens (RFC 9000 §8.1): what a server puts in a Retry packet
// (§8.1.2) or a NEW_TOKEN frame (§8.1.3) and later accepts in a client's Initial as proof
// that the client owns its address. Only this server can read or make them:
//
//   token = key_id (1) || nonce (12) || AES-128-GCM(claims) || tag (16), AAD = key_id
//   claims = kind (1) || issued_ms (8) || addr_len (1) || addr || port (2)
//            || odcid_len (1) || odcid
//
// The nonce is a random per-key prefix and a counter, so issuing costs one AEAD call and no
// syscall. A Retry token is bound to the client's address and port and lives seconds; a
// NEW_TOKEN token is bound to the address only (the port may change between connections,
// §8.1.3) and lives longer. Time is the caller's (milliseconds, any epoch shared by issue
// and validate).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/aead.h"

namespace slip::crypto {

enum class TokenKind : uint8_t { retry = 1, new_token = 2 };

struct TokenClaims {
    TokenKind kind = TokenKind::retry;
    uint64_t issued_ms = 0;
    std::array<uint8_t, 16> addr{};
    uint8_t addr_len = 0;  // 4 or 16
    uint16_t port = 0;
    std::array<uint8_t, 20> odcid{};  // Retry: the client's original DCID (RFC 9000 §7.3)
    uint8_t odcid_len = 0;
};

inline constexpr size_t kMaxAddressTokenLen = 1 + kAeadNonceLen + (1 + 8 + 1 + 16 + 2 + 1 + 20) + kAeadTagLen;

struct AddressTokenLifetimes {
    uint64_t retry_ms = 10'000;
    uint64_t new_token_ms = 24ull * 3600 * 1000;
    uint64_t clock_skew_ms = 1000;  // tokens "issued" further in the future are refused
};

enum class TokenVerdict : uint8_t { valid, malformed, forged, expired, wrong_address };
const char* to_string(TokenVerdict v);

class AddressTokenCodec {
public:
    // A random key and nonce prefix. False when the engine or the generator failed.
    bool randomize(AeadEngine& engine, uint8_t key_id = 0);
    // A fixed key (tests, or several servers sharing one key).
    bool init(AeadEngine& engine, std::span<const uint8_t, 16> key, uint32_t nonce_prefix, uint8_t key_id = 0);

    // The token's length, or 0 when `out` is too short or the claims are out of range.
    size_t issue(const TokenClaims& claims, std::span<uint8_t> out);

    // Checks the token against the address it arrived from; fills `claims` when valid.
    TokenVerdict validate(std::span<const uint8_t> token, std::span<const uint8_t> addr, uint16_t port,
                          uint64_t now_ms, const AddressTokenLifetimes& lifetimes, TokenClaims& claims);

private:
    AeadEngine* m_engine = nullptr;
    AeadKey m_key;
    uint32_t m_nonce_prefix = 0;
    uint64_t m_counter = 0;
    uint8_t m_key_id = 0;
};

}  // namespace slip::crypto
