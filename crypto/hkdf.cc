#include "crypto/hkdf.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>
#include <cstring>

namespace slip::crypto {
namespace {

gnutls_mac_algorithm_t gnutls_alg(HashAlgorithm alg) {
    return alg == HashAlgorithm::sha256 ? GNUTLS_MAC_SHA256 : GNUTLS_MAC_SHA384;
}

// HMAC over several pieces without concatenating them first.
bool hmac_parts(HashAlgorithm alg, std::span<const uint8_t> key, std::initializer_list<std::span<const uint8_t>> parts,
                uint8_t* out) {
    // An empty HMAC key is the same as HashLen zero bytes (RFC 2104 §2 pads keys with zeros);
    // GnuTLS is given the padded form so no empty-key corner is involved.
    std::array<uint8_t, kMaxHashLen> zeros{};
    if (key.empty()) {
        key = std::span<const uint8_t>(zeros.data(), hash_len(alg));
    }
    gnutls_hmac_hd_t h = nullptr;
    if (gnutls_hmac_init(&h, gnutls_alg(alg), key.data(), key.size()) < 0) {
        return false;
    }
    bool ok = true;
    for (auto part : parts) {
        if (!part.empty() && gnutls_hmac(h, part.data(), part.size()) < 0) {
            ok = false;
        }
    }
    gnutls_hmac_deinit(h, out);
    return ok;
}

}  // namespace

size_t hash_len(HashAlgorithm alg) {
    return alg == HashAlgorithm::sha256 ? 32 : 48;
}

bool hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::span<const uint8_t> data, std::span<uint8_t> out) {
    if (out.size() != hash_len(alg)) {
        return false;
    }
    return hmac_parts(alg, key, {data}, out.data());
}

bool hkdf_extract(HashAlgorithm alg, std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
                  std::span<uint8_t> prk) {
    // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM).
    return hmac(alg, salt, ikm, prk);
}

bool hkdf_expand(HashAlgorithm alg, std::span<const uint8_t> prk, std::span<const uint8_t> info,
                 std::span<uint8_t> okm) {
    const size_t n = hash_len(alg);
    if (okm.size() > 255 * n || prk.size() < n) {
        return false;
    }
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), OKM = first L bytes of T(1)|T(2)|...
    std::array<uint8_t, kMaxHashLen> t{};
    size_t t_len = 0;
    for (size_t done = 0, i = 1; done < okm.size(); ++i) {
        const uint8_t counter = uint8_t(i);
        if (!hmac_parts(alg, prk, {std::span<const uint8_t>(t.data(), t_len), info, std::span(&counter, 1)},
                        t.data())) {
            return false;
        }
        t_len = n;
        const size_t take = okm.size() - done < n ? okm.size() - done : n;
        std::memcpy(okm.data() + done, t.data(), take);
        done += take;
    }
    return true;
}

bool hkdf(HashAlgorithm alg, std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
          std::span<const uint8_t> info, std::span<uint8_t> okm) {
    std::array<uint8_t, kMaxHashLen> prk{};
    const std::span<uint8_t> p(prk.data(), hash_len(alg));
    return hkdf_extract(alg, salt, ikm, p) && hkdf_expand(alg, p, info, okm);
}

bool hkdf_expand_label(HashAlgorithm alg, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out) {
    constexpr std::string_view kPrefix = "tls13 ";
    const size_t label_len = kPrefix.size() + label.size();
    if (label_len > 255 || context.size() > 255 || out.size() > 0xffff) {
        return false;
    }
    // RFC 8446 §7.1 HkdfLabel, at most 2 + 1 + 255 + 1 + 255 bytes.
    std::array<uint8_t, 514> info{};
    size_t at = 0;
    info[at++] = uint8_t(out.size() >> 8);
    info[at++] = uint8_t(out.size());
    info[at++] = uint8_t(label_len);
    std::memcpy(&info[at], kPrefix.data(), kPrefix.size());
    at += kPrefix.size();
    std::memcpy(&info[at], label.data(), label.size());
    at += label.size();
    info[at++] = uint8_t(context.size());
    if (!context.empty()) {
        std::memcpy(&info[at], context.data(), context.size());
        at += context.size();
    }
    return hkdf_expand(alg, secret, std::span<const uint8_t>(info.data(), at), out);
}

}  // namespace slip::crypto
