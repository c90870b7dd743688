#include "crypto/tcp_secrets.h"

#include <boost/test/unit_test.hpp>

#include <set>

#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

namespace {
const Bytes kLocal4 = unhex("0a000002");
const Bytes kRemote4 = unhex("0a000001");
const Bytes kLocal6 = unhex("fd000000000000000000000000000002");
const Bytes kRemote6 = unhex("fd000000000000000000000000000001");

TcpSecrets fixed_secrets() {
    return TcpSecrets(SipKey{1, 2}, SipKey{3, 4});
}
}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_secrets)

// RFC 6528 §3: the same 4-tuple advances with the clock M; different tuples land far apart.
BOOST_AUTO_TEST_CASE(isn_is_clock_plus_tuple_hash) {
    const auto s = fixed_secrets();
    const TcpFourTuple t{kLocal4, kRemote4, 80, 40000};
    const uint32_t at0 = s.isn(t, 0);
    BOOST_TEST(s.isn(t, 250000) == at0 + 250000);  // one second of 4 us ticks later
    BOOST_TEST(s.isn(t, 0xffffffffu) == uint32_t(at0 + 0xffffffffu));  // wraps like sequence space
    std::set<uint32_t> seen;
    for (uint16_t port = 40000; port < 41000; ++port) {
        seen.insert(s.isn({kLocal4, kRemote4, 80, port}, 0));
    }
    BOOST_TEST(seen.size() == 1000u);
    BOOST_TEST(s.isn({kLocal6, kRemote6, 80, 40000}, 0) != at0);
    // The key matters: another boot's secret gives other numbers.
    const TcpSecrets other(SipKey{5, 6}, SipKey{3, 4});
    BOOST_TEST(other.isn(t, 0) != at0);
}

BOOST_AUTO_TEST_CASE(ipv4_and_ipv6_inputs_never_collide_by_layout) {
    const auto s = fixed_secrets();
    // 4+4 address bytes vs a 16+16 layout that starts with the same bytes.
    BOOST_TEST(s.isn({kLocal4, kRemote4, 1, 2}, 0) != s.isn({kLocal6, kRemote6, 1, 2}, 0));
}

BOOST_AUTO_TEST_CASE(syn_cookie_mac_binds_every_input) {
    const auto s = fixed_secrets();
    const TcpFourTuple t{kLocal4, kRemote4, 80, 40000};
    const uint32_t mac = s.syn_cookie_mac(t, 1000, 7, 0x25);
    BOOST_TEST(s.syn_cookie_mac(t, 1000, 7, 0x25) == mac);  // deterministic
    BOOST_TEST(s.syn_cookie_mac(t, 1001, 7, 0x25) != mac);  // client ISN
    BOOST_TEST(s.syn_cookie_mac(t, 1000, 8, 0x25) != mac);  // time slot
    BOOST_TEST(s.syn_cookie_mac(t, 1000, 7, 0x26) != mac);  // encoded options
    BOOST_TEST(s.syn_cookie_mac({kLocal4, kRemote4, 80, 40001}, 1000, 7, 0x25) != mac);
    const TcpSecrets rotated(SipKey{1, 2}, SipKey{9, 9});
    BOOST_TEST(rotated.syn_cookie_mac(t, 1000, 7, 0x25) != mac);
}

// RFC 7413 §4.1.2: the cookie depends on the client's address (and ours) and the key only.
BOOST_AUTO_TEST_CASE(fast_open_cookie_binds_addresses_and_key) {
    const TcpSecrets s(SipKey{1, 2}, SipKey{3, 4}, SipKey{5, 6});
    const uint64_t cookie = s.fast_open_cookie(kRemote4, kLocal4);
    BOOST_TEST(s.fast_open_cookie(kRemote4, kLocal4) == cookie);
    BOOST_TEST(s.fast_open_cookie(kLocal4, kRemote4) != cookie);  // direction matters
    BOOST_TEST(s.fast_open_cookie(unhex("0a000003"), kLocal4) != cookie);
    BOOST_TEST(s.fast_open_cookie(kRemote6, kLocal6) != cookie);
    const TcpSecrets rotated(SipKey{1, 2}, SipKey{3, 4}, SipKey{5, 7});
    BOOST_TEST(rotated.fast_open_cookie(kRemote4, kLocal4) != cookie);
}

BOOST_AUTO_TEST_CASE(randomized_secrets_work) {
    TcpSecrets a, b;
    BOOST_REQUIRE(a.randomize());
    BOOST_REQUIRE(b.randomize());
    const TcpFourTuple t{kLocal4, kRemote4, 80, 40000};
    BOOST_TEST(a.isn(t, 0) != b.isn(t, 0));
    BOOST_TEST(a.fast_open_cookie(kRemote4, kLocal4) != b.fast_open_cookie(kRemote4, kLocal4));
}

BOOST_AUTO_TEST_SUITE_END()
