#include "crypto/address_token.h"

#include <boost/test/unit_test.hpp>

#include <cstring>

#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

namespace {

const Bytes kAddr4 = unhex("0a000001");
const Bytes kAddr6 = unhex("fd000000000000000000000000000001");
const Bytes kOdcid = unhex("8394c8f03e515708");
const AddressTokenLifetimes kLife{};

TokenClaims claims_for(TokenKind kind, const Bytes& addr, uint16_t port, uint64_t now) {
    TokenClaims c;
    c.kind = kind;
    c.issued_ms = now;
    c.addr_len = uint8_t(addr.size());
    std::memcpy(c.addr.data(), addr.data(), addr.size());
    c.port = port;
    if (kind == TokenKind::retry) {
        c.odcid_len = uint8_t(kOdcid.size());
        std::memcpy(c.odcid.data(), kOdcid.data(), kOdcid.size());
    }
    return c;
}

struct Codec {
    AeadEngine engine;
    AddressTokenCodec codec;
    Codec() { BOOST_REQUIRE(codec.randomize(engine)); }
    Bytes issue(const TokenClaims& c) {
        Bytes t(kMaxAddressTokenLen);
        const size_t n = codec.issue(c, t);
        BOOST_REQUIRE(n > 0u);
        t.resize(n);
        return t;
    }
    TokenVerdict check(const Bytes& t, const Bytes& addr, uint16_t port, uint64_t now) {
        TokenClaims out;
        return codec.validate(t, addr, port, now, kLife, out);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(address_token)

BOOST_AUTO_TEST_CASE(retry_token_round_trip_carries_odcid) {
    Codec c;
    const Bytes t = c.issue(claims_for(TokenKind::retry, kAddr4, 4433, 1000));
    TokenClaims out;
    BOOST_TEST(int(c.codec.validate(t, kAddr4, 4433, 1500, kLife, out)) == int(TokenVerdict::valid));
    BOOST_TEST(int(out.kind) == int(TokenKind::retry));
    BOOST_TEST(hex(std::span(out.odcid).first(out.odcid_len)) == hex(kOdcid));
    BOOST_TEST(out.issued_ms == 1000u);
}

BOOST_AUTO_TEST_CASE(retry_token_bound_to_address_port_and_time) {
    Codec c;
    const Bytes t = c.issue(claims_for(TokenKind::retry, kAddr6, 4433, 1000));
    BOOST_TEST(int(c.check(t, kAddr6, 4433, 1000)) == int(TokenVerdict::valid));
    BOOST_TEST(int(c.check(t, kAddr6, 4434, 1000)) == int(TokenVerdict::wrong_address));
    BOOST_TEST(int(c.check(t, kAddr4, 4433, 1000)) == int(TokenVerdict::wrong_address));
    BOOST_TEST(int(c.check(t, kAddr6, 4433, 1000 + kLife.retry_ms + 1)) == int(TokenVerdict::expired));
    BOOST_TEST(int(c.check(t, kAddr6, 4433, 0)) == int(TokenVerdict::valid));  // within clock skew
}

BOOST_AUTO_TEST_CASE(new_token_survives_a_port_change_and_lives_longer) {
    Codec c;
    const Bytes t = c.issue(claims_for(TokenKind::new_token, kAddr4, 5000, 1000));
    BOOST_TEST(int(c.check(t, kAddr4, 6000, 1000 + 3600 * 1000)) == int(TokenVerdict::valid));
    BOOST_TEST(int(c.check(t, kAddr6, 6000, 2000)) == int(TokenVerdict::wrong_address));
    BOOST_TEST(int(c.check(t, kAddr4, 5000, 1000 + kLife.new_token_ms + 1)) == int(TokenVerdict::expired));
}

BOOST_AUTO_TEST_CASE(tampered_truncated_or_foreign_tokens_are_refused) {
    Codec c;
    const Bytes t = c.issue(claims_for(TokenKind::retry, kAddr4, 4433, 1000));
    for (size_t i = 0; i < t.size(); ++i) {
        Bytes bad = t;
        bad[i] ^= 0x01;
        const auto v = c.check(bad, kAddr4, 4433, 1000);
        BOOST_TEST((v == TokenVerdict::forged || v == TokenVerdict::malformed), "byte " << i);
    }
    for (size_t len = 0; len < t.size(); ++len) {
        const Bytes cut(t.begin(), t.begin() + ptrdiff_t(len));
        BOOST_TEST(int(c.check(cut, kAddr4, 4433, 1000)) != int(TokenVerdict::valid), "length " << len);
    }
    Codec other;  // another server's key
    BOOST_TEST(int(other.check(t, kAddr4, 4433, 1000)) == int(TokenVerdict::forged));
    BOOST_TEST(int(c.check(Bytes(300, 0xaa), kAddr4, 4433, 1000)) == int(TokenVerdict::malformed));
}

BOOST_AUTO_TEST_CASE(every_token_has_a_fresh_nonce) {
    Codec c;
    const auto claims = claims_for(TokenKind::new_token, kAddr4, 1, 1);
    const Bytes a = c.issue(claims);
    const Bytes b = c.issue(claims);
    BOOST_TEST(hex(a) != hex(b));
    BOOST_TEST(int(c.check(a, kAddr4, 1, 1)) == int(TokenVerdict::valid));
    BOOST_TEST(int(c.check(b, kAddr4, 1, 1)) == int(TokenVerdict::valid));
}

BOOST_AUTO_TEST_CASE(bad_claims_or_short_buffer_issue_nothing) {
    Codec c;
    auto claims = claims_for(TokenKind::retry, kAddr4, 1, 1);
    Bytes small(10);
    BOOST_TEST(c.codec.issue(claims, small) == 0u);
    claims.addr_len = 5;
    Bytes out(kMaxAddressTokenLen);
    BOOST_TEST(c.codec.issue(claims, out) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
