#pragma once
// The QUIC packet-protection key schedule (RFC 9001 §5), for QUIC v1 and v2 (RFC 9369):
// Initial secrets from the client's first Destination Connection ID, key/IV/HP from a
// traffic secret, the per-packet nonce, key update and the Retry integrity tag.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/aead.h"
#include "crypto/hkdf.h"

namespace slip::crypto {

enum class QuicVersion : uint32_t {
    v1 = 0x00000001,  // RFC 9000
    v2 = 0x6b3343cf,  // RFC 9369 §3.1
};

inline constexpr size_t kMaxCidLen = 20;  // RFC 9000 §17.2
inline constexpr size_t kMaxRetryLen = 4096;

// A traffic secret: HashLen bytes of the cipher suite's hash (32 or 48).
struct Secret {
    std::array<uint8_t, kMaxHashLen> bytes{};
    size_t len = 0;
    std::span<const uint8_t> span() const { return {bytes.data(), len}; }
};

struct PacketKeys {
    AeadAlgorithm algorithm = AeadAlgorithm::aes128_gcm;
    std::array<uint8_t, 32> key{};  // first aead_key_len(algorithm) bytes used
    std::array<uint8_t, kAeadNonceLen> iv{};
    std::array<uint8_t, 32> hp{};  // same length as key
    std::span<const uint8_t> key_span() const { return {key.data(), aead_key_len(algorithm)}; }
    std::span<const uint8_t> hp_span() const { return {hp.data(), aead_key_len(algorithm)}; }
};

// TLS 1.3 cipher suite hash (RFC 8446 B.4): SHA-384 for AES-256-GCM, SHA-256 otherwise.
HashAlgorithm hash_for(AeadAlgorithm alg);

// RFC 9001 §5.2 (v1 salt) / RFC 9369 §3.3.1 (v2 salt): client in / server in, SHA-256.
bool initial_secrets(QuicVersion version, std::span<const uint8_t> client_dcid, Secret& client, Secret& server);

// RFC 9001 §5.1: key, iv and hp from a traffic secret ("quic key"/"quicv2 key", ...).
bool derive_packet_keys(QuicVersion version, AeadAlgorithm alg, std::span<const uint8_t> secret, PacketKeys& keys);

// Both Initial directions (AES-128-GCM, RFC 9001 §5.2).
bool initial_keys(QuicVersion version, std::span<const uint8_t> client_dcid, PacketKeys& client, PacketKeys& server);

// RFC 9001 §6.1: the next secret after a key update ("quic ku" / "quicv2 ku"); the header
// protection key is not updated.
bool next_secret(QuicVersion version, AeadAlgorithm alg, std::span<const uint8_t> secret, Secret& next);

// RFC 9001 §5.3: the 62-bit packet number, big endian, left-padded to 12 bytes, XOR the IV.
std::array<uint8_t, kAeadNonceLen> packet_nonce(std::span<const uint8_t, kAeadNonceLen> iv, uint64_t packet_number);

// RFC 9001 §5.8 / RFC 9369 §3.3.3: AES-128-GCM tag over the Retry pseudo-packet
// (ODCID length, ODCID, Retry packet without its tag). Retry packets above kMaxRetryLen
// are refused.
bool retry_integrity_tag(AeadEngine& engine, QuicVersion version, std::span<const uint8_t> original_dcid,
                         std::span<const uint8_t> retry_without_tag, std::span<uint8_t, kAeadTagLen> tag);

// Checks the last 16 bytes of a whole Retry packet against the tag computed over the rest.
bool verify_retry(AeadEngine& engine, QuicVersion version, std::span<const uint8_t> original_dcid,
                  std::span<const uint8_t> retry_packet);

}  // namespace slip::crypto
