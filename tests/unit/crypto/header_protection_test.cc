#include "crypto/header_protection.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

namespace {

HpSample sample_of(const std::string& h) {
    const Bytes b = unhex(h);
    HpSample s{};
    std::copy(b.begin(), b.end(), s.begin());
    return s;
}

// A reference mask from the AEAD engine. GCM encrypts plaintext block i with
// AES(K, nonce || be32(i + 2)) (SP 800-38D §7.1), so for a sample whose last 4 bytes are
// 00000002, AES-ECB(K, sample) is the ciphertext of 16 zero bytes under nonce sample[0..11].
// ChaCha20-Poly1305 encrypts with block counter 1 (RFC 8439 §2.8): for a sample whose first
// 4 bytes are 01000000, the mask is the ciphertext of zeros under nonce sample[4..15].
HpMask reference_mask(AeadEngine& engine, const AeadKey& key, const HpSample& s) {
    const bool chacha = key.algorithm == AeadAlgorithm::chacha20_poly1305;
    const std::span<const uint8_t> nonce(s.data() + (chacha ? 4 : 0), 12);
    const uint8_t zeros[16] = {};
    uint8_t out[16], tag[16];
    AeadOp op{&key, nonce, {}, zeros, out, tag};
    BOOST_REQUIRE(engine.seal(std::span(&op, 1)) == 1u);
    return {out[0], out[1], out[2], out[3], out[4]};
}

HpSample reference_sample(AeadAlgorithm alg, size_t i) {
    HpSample s;
    for (size_t b = 0; b < 16; ++b) {
        s[b] = uint8_t(i * 31 + b * 7 + 1);
    }
    if (alg == AeadAlgorithm::chacha20_poly1305) {
        s[0] = 1, s[1] = 0, s[2] = 0, s[3] = 0;
    } else {
        s[12] = 0, s[13] = 0, s[14] = 0, s[15] = 2;
    }
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(header_protection)

BOOST_AUTO_TEST_CASE(rfc_appendix_masks) {
    // RFC 9001 A.2, A.3, A.5 and RFC 9369 A.2, A.3, A.5.
    struct Case {
        AeadAlgorithm alg;
        const char *hp, *sample, *mask;
    };
    const Case cases[] = {
        {AeadAlgorithm::aes128_gcm, "9f50449e04a0e810283a1e9933adedd2", "d1b1c98dd7689fb8ec11d242b123dc9b", "437b9aec36"},
        {AeadAlgorithm::aes128_gcm, "c206b8d9b9f0f37644430b490eeaa314", "2cd0991cd25b0aac406a5816b6394100", "2ec0d8356a"},
        {AeadAlgorithm::chacha20_poly1305, "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
         "5e5cd55c41f69080575d7999c25a5bfb", "aefefe7d03"},
        {AeadAlgorithm::aes128_gcm, "45b95e15235d6f45a6b19cbcb0294ba9", "ffe67b6abcdb4298b485dd04de806071", "94a0c95e80"},
        {AeadAlgorithm::aes128_gcm, "edf6d05c83121201b436e16877593c3a", "6f05d8a4398c47089698baeea26b91eb", "4dd92e91ea"},
        {AeadAlgorithm::chacha20_poly1305, "d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2",
         "e7b6b932bc27d786f4bc2bb20f2162ba", "97580e32bf"},
    };
    ImbManager mgr;
    for (const auto& c : cases) {
        HpKey key;
        BOOST_REQUIRE(init_hp_key(mgr, key, c.alg, unhex(c.hp)));
        const HpSample s = sample_of(c.sample);
        HpMask m;
        BOOST_REQUIRE(compute_masks(key, std::span(&s, 1), std::span(&m, 1)) == 1u);
        BOOST_TEST(hex(m) == c.mask, c.sample);
    }
    BOOST_TEST_MESSAGE("header protection: " << hp_kernels(mgr.simd_path()).aes_name << ", "
                                              << hp_kernels(mgr.simd_path()).chacha_name);
}

BOOST_AUTO_TEST_CASE(bursts_match_the_aead_reference) {
    // Every burst size 0..40 covers the 16-wide VAES, 8-wide AES-NI and single-block paths,
    // and ChaCha20's 16 lanes with partial tails.
    AeadEngine engine;
    ImbManager mgr;
    for (AeadAlgorithm alg : {AeadAlgorithm::aes128_gcm, AeadAlgorithm::aes256_gcm, AeadAlgorithm::chacha20_poly1305}) {
        Bytes raw(aead_key_len(alg));
        for (size_t i = 0; i < raw.size(); ++i) {
            raw[i] = uint8_t(0xa0 + i);
        }
        HpKey key;
        AeadKey aead_key;
        BOOST_REQUIRE(init_hp_key(mgr, key, alg, raw));
        BOOST_REQUIRE(engine.init_key(aead_key, alg, raw));
        for (size_t n = 0; n <= 40; ++n) {
            std::vector<HpSample> samples;
            for (size_t i = 0; i < n; ++i) {
                samples.push_back(reference_sample(alg, i + n));
            }
            std::vector<HpMask> masks(n + 1, HpMask{0xee, 0xee, 0xee, 0xee, 0xee});
            BOOST_REQUIRE(compute_masks(key, samples, masks) == n);
            for (size_t i = 0; i < n; ++i) {
                BOOST_TEST(hex(masks[i]) == hex(reference_mask(engine, aead_key, samples[i])),
                           aead_name(alg) << " burst " << n << " sample " << i);
            }
            BOOST_TEST(hex(masks[n]) == "eeeeeeeeee");  // nothing written past the burst
        }
    }
}

BOOST_AUTO_TEST_CASE(every_path_this_cpu_runs_gives_the_same_masks) {
    // The process path is tested whole by the suites' forced runs (SLIP_CPU_PATH); here every
    // path the CPU has is checked in one process against the RFC masks and against each other,
    // at burst sizes that reach each kernel's wide step, its 8-wide step and its tail.
    const CpuFeatures cpu = read_cpu_features();
    AeadEngine engine;
    size_t paths_run = 0;
    for (SimdPath path : kAllSimdPaths) {
        if (!cpu_supports(cpu, path)) {
            BOOST_TEST_MESSAGE("path " << simd_path_name(path) << ": not on this CPU");
            continue;
        }
        ++paths_run;
        ImbManager mgr(path, true);
        BOOST_REQUIRE(mgr.ok());
        for (AeadAlgorithm alg : {AeadAlgorithm::aes128_gcm, AeadAlgorithm::aes256_gcm, AeadAlgorithm::chacha20_poly1305}) {
            const Bytes raw(aead_key_len(alg), 0x5c);
            HpKey key;
            AeadKey aead_key;
            BOOST_REQUIRE(init_hp_key(mgr, key, alg, raw));
            BOOST_REQUIRE(engine.init_key(aead_key, alg, raw));
            BOOST_TEST(key.kernels == &hp_kernels(path));
            for (size_t n : {1u, 7u, 8u, 15u, 16u, 17u, 31u, 32u, 33u}) {
                std::vector<HpSample> samples;
                for (size_t i = 0; i < n; ++i) {
                    samples.push_back(reference_sample(alg, 3 * i + n));
                }
                std::vector<HpMask> masks(n);
                BOOST_REQUIRE(compute_masks(key, samples, masks) == n);
                for (size_t i = 0; i < n; ++i) {
                    BOOST_TEST(hex(masks[i]) == hex(reference_mask(engine, aead_key, samples[i])),
                               simd_path_name(path) << " " << aead_name(alg) << " burst " << n << " sample " << i);
                }
            }
        }
    }
    BOOST_TEST(paths_run >= 1u);  // sse at least: the baseline every supported CPU has
}

BOOST_AUTO_TEST_CASE(refuses_bad_keys_and_short_outputs) {
    ImbManager mgr;
    HpKey key;
    BOOST_TEST(!init_hp_key(mgr, key, AeadAlgorithm::aes128_gcm, Bytes(32)));
    BOOST_TEST(!init_hp_key(mgr, key, AeadAlgorithm::chacha20_poly1305, Bytes(16)));
    std::vector<HpSample> samples(4);
    std::vector<HpMask> masks(4);
    BOOST_TEST(compute_masks(key, samples, masks) == 0u);  // invalid key
    BOOST_REQUIRE(init_hp_key(mgr, key, AeadAlgorithm::aes256_gcm, Bytes(32, 1)));
    BOOST_TEST(compute_masks(key, samples, std::span(masks).first(3)) == 0u);
    BOOST_TEST(compute_masks(key, samples, masks) == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
