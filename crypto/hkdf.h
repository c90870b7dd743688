#pragma once
// HMAC (RFC 2104) and HKDF (RFC 5869) over SHA-256/SHA-384 through GnuTLS, plus TLS 1.3's
// HKDF-Expand-Label (RFC 8446 §7.1) that QUIC derives its keys with (RFC 9001 §5.1).
// Key schedule work, not the packet path: GnuTLS may allocate inside.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace slip::crypto {

enum class HashAlgorithm : uint8_t { sha256, sha384 };

inline constexpr size_t kMaxHashLen = 48;
size_t hash_len(HashAlgorithm alg);  // 32 or 48

// out.size() must be hash_len(alg).
bool hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::span<const uint8_t> data, std::span<uint8_t> out);

// RFC 5869 §2.2. An empty salt means HashLen zero bytes. prk.size() must be hash_len(alg).
bool hkdf_extract(HashAlgorithm alg, std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
                  std::span<uint8_t> prk);

// RFC 5869 §2.3: fills okm; fails when okm is longer than 255 * HashLen or prk is shorter
// than HashLen.
bool hkdf_expand(HashAlgorithm alg, std::span<const uint8_t> prk, std::span<const uint8_t> info,
                 std::span<uint8_t> okm);

// Extract then Expand.
bool hkdf(HashAlgorithm alg, std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
          std::span<const uint8_t> info, std::span<uint8_t> okm);

// RFC 8446 §7.1: HKDF-Expand(secret, HkdfLabel, out.size()) with
//   struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; }
bool hkdf_expand_label(HashAlgorithm alg, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out);

}  // namespace slip::crypto
