#include "crypto/address_token.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstring>

namespace slip::crypto {
namespace {

constexpr size_t kHeaderLen = 1 + kAeadNonceLen;
constexpr size_t kMaxClaimsLen = 1 + 8 + 1 + 16 + 2 + 1 + 20;

// Serialises claims; 0 when they are out of range.
size_t encode_claims(const TokenClaims& c, std::span<uint8_t, kMaxClaimsLen> out) {
    if ((c.addr_len != 4 && c.addr_len != 16) || c.odcid_len > c.odcid.size()) {
        return 0;
    }
    size_t n = 0;
    out[n++] = uint8_t(c.kind);
    for (int shift = 56; shift >= 0; shift -= 8) {
        out[n++] = uint8_t(c.issued_ms >> shift);
    }
    out[n++] = c.addr_len;
    std::memcpy(&out[n], c.addr.data(), c.addr_len);
    n += c.addr_len;
    out[n++] = uint8_t(c.port >> 8);
    out[n++] = uint8_t(c.port);
    out[n++] = c.odcid_len;
    std::memcpy(&out[n], c.odcid.data(), c.odcid_len);
    return n + c.odcid_len;
}

bool decode_claims(std::span<const uint8_t> in, TokenClaims& c) {
    if (in.size() < 1 + 8 + 1) {
        return false;
    }
    size_t n = 0;
    const uint8_t kind = in[n++];
    if (kind != uint8_t(TokenKind::retry) && kind != uint8_t(TokenKind::new_token)) {
        return false;
    }
    c.kind = TokenKind(kind);
    c.issued_ms = 0;
    for (int i = 0; i < 8; ++i) {
        c.issued_ms = c.issued_ms << 8 | in[n++];
    }
    c.addr_len = in[n++];
    if ((c.addr_len != 4 && c.addr_len != 16) || in.size() < n + c.addr_len + 3) {
        return false;
    }
    std::memcpy(c.addr.data(), &in[n], c.addr_len);
    n += c.addr_len;
    c.port = uint16_t(in[n] << 8 | in[n + 1]);
    n += 2;
    c.odcid_len = in[n++];
    if (c.odcid_len > c.odcid.size() || in.size() != n + c.odcid_len) {
        return false;
    }
    std::memcpy(c.odcid.data(), &in[n], c.odcid_len);
    return true;
}

}  // namespace

const char* to_string(TokenVerdict v) {
    switch (v) {
    case TokenVerdict::valid:
        return "valid";
    case TokenVerdict::malformed:
        return "malformed";
    case TokenVerdict::forged:
        return "forged";
    case TokenVerdict::expired:
        return "expired";
    case TokenVerdict::wrong_address:
        return "wrong_address";
    }
    return "?";
}

bool AddressTokenCodec::init(AeadEngine& engine, std::span<const uint8_t, 16> key, uint32_t nonce_prefix,
                             uint8_t key_id) {
    m_engine = &engine;
    m_nonce_prefix = nonce_prefix;
    m_key_id = key_id;
    m_counter = 0;
    return engine.init_key(m_key, AeadAlgorithm::aes128_gcm, key);
}

bool AddressTokenCodec::randomize(AeadEngine& engine, uint8_t key_id) {
    std::array<uint8_t, 20> r{};
    if (gnutls_rnd(GNUTLS_RND_KEY, r.data(), r.size()) < 0) {
        return false;
    }
    const uint32_t prefix = uint32_t(r[16]) << 24 | uint32_t(r[17]) << 16 | uint32_t(r[18]) << 8 | r[19];
    const bool ok = init(engine, std::span<const uint8_t, 16>(r.data(), 16), prefix, key_id);
    gnutls_memset(r.data(), 0, r.size());
    return ok;
}

size_t AddressTokenCodec::issue(const TokenClaims& claims, std::span<uint8_t> out) {
    std::array<uint8_t, kMaxClaimsLen> plain{};
    const size_t plain_len = encode_claims(claims, plain);
    const size_t total = kHeaderLen + plain_len + kAeadTagLen;
    if (m_engine == nullptr || plain_len == 0 || out.size() < total) {
        return 0;
    }
    // Nonce: 4-byte random prefix || 8-byte counter, unique per key (RFC 5116 §3.2).
    const uint64_t counter = m_counter++;
    out[0] = m_key_id;
    for (int i = 0; i < 4; ++i) {
        out[1 + i] = uint8_t(m_nonce_prefix >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; ++i) {
        out[5 + i] = uint8_t(counter >> (56 - 8 * i));
    }
    AeadOp op{&m_key, out.subspan(1, kAeadNonceLen), out.first(1), std::span<const uint8_t>(plain.data(), plain_len),
              out.subspan(kHeaderLen, plain_len + kAeadTagLen)};
    if (m_engine->seal(std::span(&op, 1)) != 1) {
        return 0;
    }
    return total;
}

TokenVerdict AddressTokenCodec::validate(std::span<const uint8_t> token, std::span<const uint8_t> addr,
                                         uint16_t port, uint64_t now_ms, const AddressTokenLifetimes& lifetimes,
                                         TokenClaims& claims) {
    if (m_engine == nullptr || token.size() < kHeaderLen + kAeadTagLen + 1 ||
        token.size() > kMaxAddressTokenLen || token[0] != m_key_id) {
        return TokenVerdict::malformed;
    }
    std::array<uint8_t, kMaxClaimsLen> plain{};
    const size_t plain_len = token.size() - kHeaderLen - kAeadTagLen;
    AeadOp op{&m_key, token.subspan(1, kAeadNonceLen), token.first(1), token.subspan(kHeaderLen),
              std::span<uint8_t>(plain.data(), plain_len)};
    if (m_engine->open(std::span(&op, 1)) != 1) {
        return TokenVerdict::forged;
    }
    if (!decode_claims(std::span<const uint8_t>(plain.data(), plain_len), claims)) {
        return TokenVerdict::malformed;  // authentic but not ours to read: a format from elsewhere
    }
    const uint64_t lifetime = claims.kind == TokenKind::retry ? lifetimes.retry_ms : lifetimes.new_token_ms;
    if (claims.issued_ms > now_ms + lifetimes.clock_skew_ms || now_ms - std::min(now_ms, claims.issued_ms) > lifetime) {
        return TokenVerdict::expired;
    }
    const bool same_addr = addr.size() == claims.addr_len && std::memcmp(addr.data(), claims.addr.data(), addr.size()) == 0;
    // RFC 9000 §8.1.3: a NEW_TOKEN token may come back from another port.
    if (!same_addr || (claims.kind == TokenKind::retry && port != claims.port)) {
        return TokenVerdict::wrong_address;
    }
    return TokenVerdict::valid;
}

}  // namespace slip::crypto
