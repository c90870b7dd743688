#include "crypto/hkdf.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

BOOST_AUTO_TEST_SUITE(hkdf)

BOOST_AUTO_TEST_CASE(wycheproof_hkdf_sha256) {
    size_t valid = 0, invalid = 0;
    const auto rows = read_rows("wycheproof/hkdf_sha256_test.txt");
    BOOST_REQUIRE_EQUAL(rows.size(), 86u);
    for (const auto& r : rows) {
        BOOST_REQUIRE_EQUAL(r.size(), 7u);
        const Bytes ikm = unhex(r[2]), salt = unhex(r[3]), info = unhex(r[4]), okm = unhex(r[6]);
        Bytes out(std::stoul(r[5]), 0xee);
        const bool ok = slip::crypto::hkdf(HashAlgorithm::sha256, salt, ikm, info, out);
        if (r[1] == "valid") {
            ++valid;
            BOOST_TEST(ok, "tcId " << r[0]);
            BOOST_TEST(hex(out) == hex(okm), "tcId " << r[0]);
        } else {
            ++invalid;  // output longer than 255 * HashLen (RFC 5869 §2.3)
            BOOST_TEST(!ok, "tcId " << r[0]);
        }
    }
    BOOST_TEST_MESSAGE("HKDF-SHA256 Wycheproof: " << valid << " valid, " << invalid << " invalid");
    BOOST_TEST(valid == 83u);
    BOOST_TEST(invalid == 3u);
}

BOOST_AUTO_TEST_CASE(rfc5869_case1_extract_and_expand) {
    // RFC 5869 Appendix A.1, step by step.
    const Bytes ikm(22, 0x0b), salt = unhex("000102030405060708090a0b0c"), info = unhex("f0f1f2f3f4f5f6f7f8f9");
    Bytes prk(32), okm(42);
    BOOST_REQUIRE(hkdf_extract(HashAlgorithm::sha256, salt, ikm, prk));
    BOOST_TEST(hex(prk) == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    BOOST_REQUIRE(hkdf_expand(HashAlgorithm::sha256, prk, info, okm));
    BOOST_TEST(hex(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

BOOST_AUTO_TEST_CASE(hmac_sha384) {
    // RFC 4231 test case 2 (HMAC-SHA-384).
    const std::string key = "Jefe", data = "what do ya want for nothing?";
    Bytes out(48);
    BOOST_REQUIRE(hmac(HashAlgorithm::sha384, std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                       std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()), out));
    BOOST_TEST(hex(out) ==
               "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
    Bytes wrong(32);
    BOOST_TEST(!hmac(HashAlgorithm::sha384, {}, {}, wrong));
}

BOOST_AUTO_TEST_CASE(expand_label_rfc9001_a1) {
    // RFC 9001 A.1: HKDF-Expand-Label(initial_secret, "client in", "", 32). The RFC also
    // lists the HkdfLabel bytes (00200f746c73313320636c69656e7420696e00) this encodes.
    const Bytes initial = unhex("7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44");
    Bytes out(32);
    BOOST_REQUIRE(hkdf_expand_label(HashAlgorithm::sha256, initial, "client in", {}, out));
    BOOST_TEST(hex(out) == "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    // Label too long for the one-byte length once "tls13 " is prepended.
    BOOST_TEST(!hkdf_expand_label(HashAlgorithm::sha256, initial, std::string(250, 'a'), {}, out));
    // Output longer than 255 * HashLen.
    Bytes huge(255 * 32 + 1);
    BOOST_TEST(!hkdf_expand_label(HashAlgorithm::sha256, initial, "x", {}, huge));
    // PRK shorter than HashLen is refused (RFC 5869 §2.3).
    BOOST_TEST(!hkdf_expand(HashAlgorithm::sha384, initial, {}, out));
}

BOOST_AUTO_TEST_SUITE_END()
