#include "crypto/siphash.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <bit>
#include <cstring>

namespace slip::crypto {
namespace {

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = v << 8 | p[i];
    }
    return v;
}

struct SipState {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    void compress(uint64_t m) {  // c = 2 rounds per message word
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

}  // namespace

SipKey SipKey::from_bytes(std::span<const uint8_t, 16> bytes) {
    return {load_le64(bytes.data()), load_le64(bytes.data() + 8)};
}

bool SipKey::randomize() {
    std::array<uint8_t, 16> bytes{};
    if (gnutls_rnd(GNUTLS_RND_KEY, bytes.data(), bytes.size()) < 0) {
        return false;
    }
    *this = from_bytes(bytes);
    gnutls_memset(bytes.data(), 0, bytes.size());
    return true;
}

uint64_t siphash24(const SipKey& key, std::span<const uint8_t> data) {
    // The initialisation constants spell "somepseudorandomlygeneratedbytes".
    SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull, key.k0 ^ 0x6c7967656e657261ull,
               key.k1 ^ 0x7465646279746573ull};
    const size_t whole = data.size() & ~size_t(7);
    for (size_t i = 0; i < whole; i += 8) {
        s.compress(load_le64(data.data() + i));
    }
    // Last word: the remaining bytes, and the length's low byte in the top byte.
    uint64_t last = uint64_t(data.size() & 0xff) << 56;
    for (size_t i = whole; i < data.size(); ++i) {
        last |= uint64_t(data[i]) << (8 * (i - whole));
    }
    s.compress(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) {  // d = 4 finalisation rounds
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace slip::crypto
