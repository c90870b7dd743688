#include "crypto/quic_keys.h"

#include <cstring>
#include <string_view>

namespace slip::crypto {
namespace {

// RFC 9001 §5.2
constexpr uint8_t kSaltV1[] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                               0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
// RFC 9369 §3.3.1
constexpr uint8_t kSaltV2[] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                               0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

// RFC 9001 §5.8
constexpr uint8_t kRetryKeyV1[] = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a,
                                   0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e};
constexpr uint8_t kRetryNonceV1[] = {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb};
// RFC 9369 §3.3.3
constexpr uint8_t kRetryKeyV2[] = {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2,
                                   0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92};
constexpr uint8_t kRetryNonceV2[] = {0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a};

struct Labels {
    std::string_view key, iv, hp, ku;
};

// RFC 9001 §5.1 and §6.1; RFC 9369 §3.3.2.
Labels labels_for(QuicVersion version) {
    if (version == QuicVersion::v2) {
        return {"quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku"};
    }
    return {"quic key", "quic iv", "quic hp", "quic ku"};
}

bool known(QuicVersion version) {
    return version == QuicVersion::v1 || version == QuicVersion::v2;
}

}  // namespace

HashAlgorithm hash_for(AeadAlgorithm alg) {
    return alg == AeadAlgorithm::aes256_gcm ? HashAlgorithm::sha384 : HashAlgorithm::sha256;
}

bool initial_secrets(QuicVersion version, std::span<const uint8_t> client_dcid, Secret& client, Secret& server) {
    if (!known(version) || client_dcid.size() > kMaxCidLen) {
        return false;
    }
    const std::span<const uint8_t> salt = version == QuicVersion::v2 ? std::span(kSaltV2) : std::span(kSaltV1);
    std::array<uint8_t, 32> initial{};
    client.len = server.len = 32;
    // RFC 9001 §5.2: initial_secret = HKDF-Extract(initial_salt, dcid), then "client in" /
    // "server in" with SHA-256 whatever the version.
    return hkdf_extract(HashAlgorithm::sha256, salt, client_dcid, initial) &&
           hkdf_expand_label(HashAlgorithm::sha256, initial, "client in", {}, std::span(client.bytes.data(), 32)) &&
           hkdf_expand_label(HashAlgorithm::sha256, initial, "server in", {}, std::span(server.bytes.data(), 32));
}

bool derive_packet_keys(QuicVersion version, AeadAlgorithm alg, std::span<const uint8_t> secret, PacketKeys& keys) {
    const HashAlgorithm hash = hash_for(alg);
    if (!known(version) || secret.size() != hash_len(hash)) {
        return false;
    }
    const Labels labels = labels_for(version);
    const size_t key_len = aead_key_len(alg);
    keys.algorithm = alg;
    keys.key.fill(0);
    keys.hp.fill(0);
    return hkdf_expand_label(hash, secret, labels.key, {}, std::span(keys.key.data(), key_len)) &&
           hkdf_expand_label(hash, secret, labels.iv, {}, keys.iv) &&
           hkdf_expand_label(hash, secret, labels.hp, {}, std::span(keys.hp.data(), key_len));
}

bool initial_keys(QuicVersion version, std::span<const uint8_t> client_dcid, PacketKeys& client, PacketKeys& server) {
    Secret cs, ss;
    return initial_secrets(version, client_dcid, cs, ss) &&
           derive_packet_keys(version, AeadAlgorithm::aes128_gcm, cs.span(), client) &&
           derive_packet_keys(version, AeadAlgorithm::aes128_gcm, ss.span(), server);
}

bool next_secret(QuicVersion version, AeadAlgorithm alg, std::span<const uint8_t> secret, Secret& next) {
    const HashAlgorithm hash = hash_for(alg);
    if (!known(version) || secret.size() != hash_len(hash)) {
        return false;
    }
    next.len = secret.size();
    return hkdf_expand_label(hash, secret, labels_for(version).ku, {}, std::span(next.bytes.data(), next.len));
}

std::array<uint8_t, kAeadNonceLen> packet_nonce(std::span<const uint8_t, kAeadNonceLen> iv, uint64_t packet_number) {
    std::array<uint8_t, kAeadNonceLen> nonce;
    std::memcpy(nonce.data(), iv.data(), kAeadNonceLen);
    for (size_t i = 0; i < 8; ++i) {
        nonce[kAeadNonceLen - 1 - i] ^= uint8_t(packet_number >> (8 * i));
    }
    return nonce;
}

bool retry_integrity_tag(AeadEngine& engine, QuicVersion version, std::span<const uint8_t> original_dcid,
                         std::span<const uint8_t> retry_without_tag, std::span<uint8_t, kAeadTagLen> tag) {
    if (!known(version) || original_dcid.size() > kMaxCidLen || retry_without_tag.size() > kMaxRetryLen) {
        return false;
    }
    // RFC 9001 §5.8 Retry Pseudo-Packet: ODCID Length (8), ODCID, then the Retry packet up to
    // (not including) the tag. It is the AAD of an AES-128-GCM seal of nothing.
    std::array<uint8_t, 1 + kMaxCidLen + kMaxRetryLen> pseudo;
    pseudo[0] = uint8_t(original_dcid.size());
    std::memcpy(&pseudo[1], original_dcid.data(), original_dcid.size());
    std::memcpy(&pseudo[1 + original_dcid.size()], retry_without_tag.data(), retry_without_tag.size());
    const size_t pseudo_len = 1 + original_dcid.size() + retry_without_tag.size();

    const bool v2 = version == QuicVersion::v2;
    AeadKey key;
    if (!engine.init_key(key, AeadAlgorithm::aes128_gcm, v2 ? std::span(kRetryKeyV2) : std::span(kRetryKeyV1))) {
        return false;
    }
    AeadOp op{&key, v2 ? std::span(kRetryNonceV2) : std::span(kRetryNonceV1),
              std::span<const uint8_t>(pseudo.data(), pseudo_len), {}, {}, tag.data()};
    return engine.seal(std::span(&op, 1)) == 1;
}

bool verify_retry(AeadEngine& engine, QuicVersion version, std::span<const uint8_t> original_dcid,
                  std::span<const uint8_t> retry_packet) {
    if (retry_packet.size() < kAeadTagLen) {
        return false;
    }
    std::array<uint8_t, kAeadTagLen> expected{};
    const size_t body = retry_packet.size() - kAeadTagLen;
    if (!retry_integrity_tag(engine, version, original_dcid, retry_packet.first(body), expected)) {
        return false;
    }
    uint8_t diff = 0;  // constant time
    for (size_t i = 0; i < kAeadTagLen; ++i) {
        diff = uint8_t(diff | (expected[i] ^ retry_packet[body + i]));
    }
    return diff == 0;
}

}  // namespace slip::crypto
