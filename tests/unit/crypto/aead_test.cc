#include "crypto/aead.h"
#include "crypto/cpu_features.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <ostream>
#include <cstring>
#include <vector>

#include "tests/unit/crypto/vectors.h"

namespace slip::crypto {
// Boost.Test prints both sides of a failed comparison.
std::ostream& operator<<(std::ostream& os, AeadStatus s) {
    return os << to_string(s);
}
}  // namespace slip::crypto

using namespace slip::crypto;
using namespace slip::test;

namespace {

struct WycheproofCase {
    std::string id;
    std::string result;
    Bytes key, iv, aad, msg, ct, tag;
};

std::vector<WycheproofCase> load_aead(const std::string& file) {
    std::vector<WycheproofCase> cases;
    for (const auto& r : read_rows("wycheproof/" + file)) {
        BOOST_REQUIRE_EQUAL(r.size(), 8u);
        cases.push_back({r[0], r[1], unhex(r[2]), unhex(r[3]), unhex(r[4]), unhex(r[5]), unhex(r[6]), unhex(r[7])});
    }
    return cases;
}

AeadAlgorithm gcm_for(size_t key_len) {
    return key_len == 16 ? AeadAlgorithm::aes128_gcm : AeadAlgorithm::aes256_gcm;
}

struct Counts {
    size_t valid = 0, invalid = 0, skipped = 0;
};

// Seals and opens one case (both out of place, inline tag) and checks the expectation.
void check_case(AeadEngine& engine, AeadAlgorithm alg, const WycheproofCase& c, Counts& counts) {
    AeadKey key;
    BOOST_REQUIRE_MESSAGE(engine.init_key(key, alg, c.key), "tcId " << c.id);
    Bytes sealed(c.msg.size() + kAeadTagLen, 0xee);
    AeadOp seal_op{&key, c.iv, c.aad, c.msg, sealed};
    engine.seal(std::span(&seal_op, 1));
    BOOST_REQUIRE_MESSAGE(seal_op.status == AeadStatus::ok, "tcId " << c.id << " " << to_string(seal_op.status));

    Bytes wire = c.ct;
    wire.insert(wire.end(), c.tag.begin(), c.tag.end());
    Bytes plain(c.ct.size(), 0xee);
    AeadOp open_op{&key, c.iv, c.aad, wire, plain};
    engine.open(std::span(&open_op, 1));
    if (c.result == "valid") {
        ++counts.valid;
        BOOST_TEST(hex(sealed) == hex(wire), "tcId " << c.id);
        BOOST_TEST(open_op.status == AeadStatus::ok, "tcId " << c.id);
        BOOST_TEST(hex(plain) == hex(c.msg), "tcId " << c.id);
    } else {
        ++counts.invalid;
        BOOST_TEST(open_op.status == AeadStatus::auth_failed, "tcId " << c.id << " " << to_string(open_op.status));
        BOOST_TEST(std::all_of(plain.begin(), plain.end(), [](uint8_t b) { return b == 0; }), "tcId " << c.id);
    }
}

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = uint8_t(seed + i * 7);
    }
    return b;
}

const AeadAlgorithm kAll[] = {AeadAlgorithm::aes128_gcm, AeadAlgorithm::aes256_gcm,
                              AeadAlgorithm::chacha20_poly1305};

}  // namespace

BOOST_AUTO_TEST_SUITE(aead)

BOOST_AUTO_TEST_CASE(reports_code_path) {
    AeadEngine engine;
    BOOST_REQUIRE(engine.ok());
    BOOST_TEST_MESSAGE(describe(detect_crypto_path()));
    BOOST_TEST(engine.arch() != IMB_ARCH_NONE);
}

BOOST_AUTO_TEST_CASE(wycheproof_aes_gcm) {
    AeadEngine engine;
    Counts counts;
    size_t skipped_iv = 0, skipped_key192 = 0;
    const auto cases = load_aead("aes_gcm_test.txt");
    BOOST_REQUIRE_EQUAL(cases.size(), 316u);
    for (const auto& c : cases) {
        // Only 12-byte IVs, 16-byte tags and 128/256-bit keys are in scope (RFC 9001 §5.3).
        if (c.key.size() == 24) {
            ++skipped_key192;
            continue;
        }
        if (c.iv.size() != kAeadNonceLen) {
            // Out of scope, but it must be refused, not processed.
            AeadKey key;
            BOOST_REQUIRE(engine.init_key(key, gcm_for(c.key.size()), c.key));
            Bytes out(c.msg.size() + kAeadTagLen);
            AeadOp op{&key, c.iv, c.aad, c.msg, out};
            engine.seal(std::span(&op, 1));
            BOOST_TEST(op.status == AeadStatus::bad_nonce, "tcId " << c.id);
            ++skipped_iv;
            continue;
        }
        BOOST_REQUIRE_EQUAL(c.tag.size(), kAeadTagLen);
        check_case(engine, gcm_for(c.key.size()), c, counts);
    }
    BOOST_TEST_MESSAGE("AES-GCM Wycheproof: " << counts.valid << " valid, " << counts.invalid << " invalid checked; skipped "
                                              << skipped_iv << " non-12-byte IV (128/256-bit keys) and " << skipped_key192
                                              << " AES-192");
    // The only skips: AES-192 (not a QUIC AEAD) and IVs other than 12 bytes.
    BOOST_TEST(skipped_key192 == 103u);
    BOOST_TEST(skipped_iv == 80u);
    BOOST_TEST(counts.valid + counts.invalid + skipped_iv + skipped_key192 == cases.size());
}

BOOST_AUTO_TEST_CASE(wycheproof_chacha20_poly1305) {
    AeadEngine engine;
    Counts counts;
    size_t bad_nonce = 0;
    const auto cases = load_aead("chacha20_poly1305_test.txt");
    BOOST_REQUIRE_EQUAL(cases.size(), 325u);
    for (const auto& c : cases) {
        if (c.iv.size() != kAeadNonceLen) {
            // Invalid nonce sizes: refused with bad_nonce, never processed (and never "valid").
            BOOST_TEST(c.result == "invalid");
            AeadKey key;
            BOOST_REQUIRE(engine.init_key(key, AeadAlgorithm::chacha20_poly1305, c.key));
            Bytes wire = c.ct;
            wire.insert(wire.end(), c.tag.begin(), c.tag.end());
            Bytes plain(c.ct.size(), 0xee);
            AeadOp op{&key, c.iv, c.aad, wire, plain};
            engine.open(std::span(&op, 1));
            BOOST_TEST(op.status == AeadStatus::bad_nonce, "tcId " << c.id);
            ++bad_nonce;
            continue;
        }
        check_case(engine, AeadAlgorithm::chacha20_poly1305, c, counts);
    }
    BOOST_TEST_MESSAGE("ChaCha20-Poly1305 Wycheproof: " << counts.valid << " valid, " << counts.invalid
                                                        << " invalid, " << bad_nonce << " rejected nonce sizes");
    BOOST_TEST(counts.valid == 256u);
    BOOST_TEST(counts.valid + counts.invalid + bad_nonce == cases.size());
}

BOOST_AUTO_TEST_CASE(in_place_and_out_of_place_agree) {
    AeadEngine engine;
    for (AeadAlgorithm alg : kAll) {
        AeadKey key;
        BOOST_REQUIRE(engine.init_key(key, alg, pattern(aead_key_len(alg), 1)));
        const Bytes nonce = pattern(12, 9), aad = pattern(20, 3), msg = pattern(1350, 5);
        // Out of place, detached tag.
        Bytes ct(msg.size());
        uint8_t tag[16];
        AeadOp a{&key, nonce, aad, msg, ct, tag};
        // In place, inline tag: the packet buffer holds the plaintext and room for the tag.
        Bytes buf = msg;
        buf.resize(msg.size() + kAeadTagLen);
        AeadOp b{&key, nonce, aad, std::span<const uint8_t>(buf.data(), msg.size()), buf};
        AeadOp burst[] = {a, b};
        BOOST_TEST(engine.seal(burst) == 2u);
        BOOST_TEST(hex(buf.data(), msg.size()) == hex(ct), aead_name(alg));
        BOOST_TEST(hex(buf.data() + msg.size(), 16) == hex(tag, 16), aead_name(alg));
        // Open in place (inline) and out of place (detached).
        Bytes back(msg.size());
        AeadOp c{&key, nonce, aad, ct, back, tag};
        AeadOp d{&key, nonce, aad, buf, std::span<uint8_t>(buf.data(), msg.size())};
        AeadOp open_burst[] = {c, d};
        BOOST_TEST(engine.open(open_burst) == 2u);
        BOOST_TEST(hex(back) == hex(msg));
        BOOST_TEST(hex(buf.data(), msg.size()) == hex(msg));
    }
}

BOOST_AUTO_TEST_CASE(bad_ops_do_not_affect_the_burst) {
    AeadEngine engine;
    for (AeadAlgorithm alg : kAll) {
        AeadKey key, bad_key;
        BOOST_REQUIRE(engine.init_key(key, alg, pattern(aead_key_len(alg), 1)));
        BOOST_TEST(!engine.init_key(bad_key, alg, pattern(aead_key_len(alg) + 1, 1)));  // wrong key size
        const Bytes nonce = pattern(12, 9), short_nonce = pattern(8, 9), aad = pattern(20, 3);
        constexpr size_t kOps = 8, kLen = 200;
        std::vector<Bytes> msgs, wires(kOps), plains(kOps);
        std::vector<AeadOp> ops;
        for (size_t i = 0; i < kOps; ++i) {
            msgs.push_back(pattern(kLen + i, uint8_t(i)));
            wires[i].resize(msgs[i].size() + kAeadTagLen);
            ops.push_back({&key, nonce, aad, msgs[i], wires[i]});
        }
        BOOST_REQUIRE(engine.seal(ops) == kOps);

        std::vector<AeadOp> opens;
        for (size_t i = 0; i < kOps; ++i) {
            plains[i].assign(msgs[i].size(), 0xee);
            opens.push_back({&key, nonce, aad, wires[i], plains[i]});
        }
        Bytes wrong_tag = wires[1];
        wrong_tag.back() ^= 1;
        opens[1].input = wrong_tag;
        opens[2].input = std::span<const uint8_t>(wires[2].data(), 10);  // truncated below a tag
        opens[3].input = std::span<const uint8_t>(wires[3].data(), wires[3].size() - 1);  // truncated
        opens[4].nonce = short_nonce;
        opens[5].key = &bad_key;
        Bytes wrong_aad = aad;
        wrong_aad[0] ^= 0x80;
        opens[6].aad = wrong_aad;
        BOOST_TEST(engine.open(opens) == 2u, aead_name(alg));
        BOOST_TEST((opens[0].status == AeadStatus::ok));
        BOOST_TEST((opens[1].status == AeadStatus::auth_failed));
        BOOST_TEST((opens[2].status == AeadStatus::bad_length));
        BOOST_TEST((opens[3].status == AeadStatus::bad_length));
        BOOST_TEST((opens[4].status == AeadStatus::bad_nonce));
        BOOST_TEST((opens[5].status == AeadStatus::bad_key));
        BOOST_TEST((opens[6].status == AeadStatus::auth_failed));
        BOOST_TEST((opens[7].status == AeadStatus::ok));
        BOOST_TEST(hex(plains[0]) == hex(msgs[0]));
        BOOST_TEST(hex(plains[7]) == hex(msgs[7]));
        for (size_t i = 1; i <= 6; ++i) {
            // No plaintext from a failed open: zeroed (ran and failed) or zeroed before running.
            BOOST_TEST(std::all_of(plains[i].begin(), plains[i].end(), [](uint8_t b) { return b == 0; }),
                       aead_name(alg) << " op " << i);
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_seal_sizes) {
    AeadEngine engine;
    AeadKey key;
    BOOST_REQUIRE(engine.init_key(key, AeadAlgorithm::aes128_gcm, pattern(16, 1)));
    const Bytes nonce = pattern(12, 9), long_nonce = pattern(16, 9), msg = pattern(64, 2);
    Bytes out(msg.size() + kAeadTagLen), short_out(msg.size()), ok_out(msg.size() + kAeadTagLen);
    Bytes overlap_buf(200);
    AeadOp ops[] = {
        {&key, nonce, {}, msg, short_out},                                        // no room for the tag
        {&key, long_nonce, {}, msg, out},                                         // nonce size
        {nullptr, nonce, {}, msg, out},                                           // no key
        {&key, nonce, {}, std::span<const uint8_t>(overlap_buf.data(), 64),       // partial overlap
         std::span<uint8_t>(overlap_buf.data() + 8, 80)},
        {&key, nonce, {}, msg, ok_out},
    };
    BOOST_TEST(engine.seal(ops) == 1u);
    BOOST_TEST((ops[0].status == AeadStatus::bad_length));
    BOOST_TEST((ops[1].status == AeadStatus::bad_nonce));
    BOOST_TEST((ops[2].status == AeadStatus::bad_key));
    BOOST_TEST((ops[3].status == AeadStatus::overlap));
    BOOST_TEST((ops[4].status == AeadStatus::ok));
}

BOOST_AUTO_TEST_CASE(large_mixed_burst) {
    // More ChaCha20-Poly1305 ops than one job chunk, mixed with GCM, every second one tampered.
    AeadEngine engine;
    AeadKey gcm, chacha;
    BOOST_REQUIRE(engine.init_key(gcm, AeadAlgorithm::aes256_gcm, pattern(32, 4)));
    BOOST_REQUIRE(engine.init_key(chacha, AeadAlgorithm::chacha20_poly1305, pattern(32, 5)));
    constexpr size_t kOps = 150;
    std::vector<Bytes> msgs(kOps), wires(kOps), plains(kOps), nonces(kOps);
    std::vector<AeadOp> ops(kOps);
    for (size_t i = 0; i < kOps; ++i) {
        msgs[i] = pattern(i * 11 % 1400, uint8_t(i));
        nonces[i] = pattern(12, uint8_t(i * 3));
        wires[i].resize(msgs[i].size() + kAeadTagLen);
        ops[i] = {i % 3 == 0 ? &gcm : &chacha, nonces[i], {}, msgs[i], wires[i]};
    }
    BOOST_REQUIRE(engine.seal(ops) == kOps);
    for (size_t i = 0; i < kOps; ++i) {
        if (i % 2 == 1) {
            wires[i][wires[i].size() / 2] ^= 4;
        }
        plains[i].assign(msgs[i].size(), 0xee);
        ops[i].input = wires[i];
        ops[i].output = plains[i];
    }
    BOOST_TEST(engine.open(ops) == kOps / 2);
    for (size_t i = 0; i < kOps; ++i) {
        if (i % 2 == 0) {
            BOOST_TEST((ops[i].status == AeadStatus::ok), "op " << i);
            BOOST_TEST(hex(plains[i]) == hex(msgs[i]), "op " << i);
        } else {
            BOOST_TEST((ops[i].status == AeadStatus::auth_failed), "op " << i);
            BOOST_TEST(std::all_of(plains[i].begin(), plains[i].end(), [](uint8_t b) { return b == 0; }), "op " << i);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
