// QUIC handshakes between the engine's own client and server connections (stack/quic) over
// the in-memory link with virtual time (tests/sim/quic/quic_link.h): a clean handshake with
// keys discarded when RFC 9001 §4.9 says, the 3x anti-amplification limit (RFC 9000 §8.1),
// whole flights lost (PTO, RFC 9002 §6.2), random loss and reordering over many seeds, the
// idle timeout, an orderly close and garbage that is dropped and counted.
#include <boost/test/unit_test.hpp>

#include "tests/sim/quic/quic_link.h"

using namespace slip::test::quic_sim;

namespace {

constexpr uint64_t kSecond = 1000 * kNanosPerMilli;

void check_done(QuicLink& link) {
    BOOST_TEST((link.client().state() == ConnectionState::established));
    BOOST_TEST((link.server().state() == ConnectionState::established));
    BOOST_TEST(link.client().handshake_confirmed());
    BOOST_TEST(link.server().handshake_confirmed());
    // RFC 9001 §4.9: Initial and Handshake keys are gone on both sides once confirmed.
    for (Connection* c : {&link.client(), &link.server()}) {
        BOOST_TEST(c->handshake().keys_discarded(PacketNumberSpace::initial));
        BOOST_TEST(c->handshake().keys_discarded(PacketNumberSpace::handshake));
        BOOST_TEST(c->handshake().keys(PacketNumberSpace::application).has_write);
    }
    BOOST_TEST(link.amplification_respected());
    BOOST_TEST(link.stuck_steps() == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quic_handshake_sim)

BOOST_AUTO_TEST_CASE(a_clean_handshake) {
    QuicLink link;
    BOOST_REQUIRE(link.run_until_established(kSecond));
    check_done(link);
    // One round trip for the client's first flight and the server's answer, one for the
    // client's Finished: done within a few one-way delays of 10 ms.
    BOOST_TEST(link.now() - 1'000'000'000 < 100 * kNanosPerMilli);
    BOOST_TEST(link.client().counters().dropped_auth_failed == 0u);
    BOOST_TEST(link.server().counters().dropped_auth_failed == 0u);
    // Then quiet: the acknowledgments settle and nothing is sent for nothing.
    link.run_for(kSecond);
    const size_t before = link.datagrams(true) + link.datagrams(false);
    link.run_for(5 * kSecond);
    BOOST_TEST(link.datagrams(true) + link.datagrams(false) == before);
    BOOST_TEST((link.client().state() == ConnectionState::established));
}

// RFC 9000 §8.1: the client's first datagram is 1200 bytes, so the server may send 3600
// before the client answers; its flight is larger (certificate), so it must wait.
BOOST_AUTO_TEST_CASE(the_server_keeps_to_three_times_what_it_received) {
    QuicLink link;
    BOOST_REQUIRE(link.run_until_established(kSecond));
    check_done(link);
    BOOST_TEST(link.server().address_validated());
}

// Whole flights lost: the client's first Initial, then the server's first two datagrams.
// The probe timeouts (RFC 9002 §6.2) bring both back.
BOOST_AUTO_TEST_CASE(lost_flights_come_back_on_probe_timeouts) {
    Direction c2s;
    c2s.drop = [](size_t n) { return n == 0; };
    Direction s2c;
    s2c.drop = [](size_t n) { return n < 2; };
    QuicLink link(c2s, s2c);
    BOOST_REQUIRE(link.run_until_established(10 * kSecond));
    check_done(link);
    BOOST_TEST(link.client().recovery().pto_count() == 0u);  // reset once acknowledged
}

BOOST_AUTO_TEST_CASE(five_percent_loss_with_reordering_over_many_seeds) {
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction d;
            d.loss = 0.05;
            d.reorder = 0.1;
            QuicLink link(d, d, seed);
            BOOST_REQUIRE(link.run_until_established(30 * kSecond));
            check_done(link);
        }
    }
}

BOOST_AUTO_TEST_CASE(heavy_loss_still_completes) {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            Direction d;
            d.loss = 0.3;
            QuicLink link(d, d, seed);
            BOOST_REQUIRE(link.run_until_established(120 * kSecond));
            check_done(link);
        }
    }
}

// RFC 9000 §10.1: both sides close silently after the idle timeout (the smaller one).
BOOST_AUTO_TEST_CASE(idle_connections_close) {
    ConnectionOptions server = QuicLink::default_options(Role::server);
    server.params.max_idle_timeout_ms = 2000;
    QuicLink link({}, {}, 1, QuicLink::default_options(Role::client), server);
    BOOST_REQUIRE(link.run_until_established(kSecond));
    link.run_for(kSecond);
    BOOST_TEST((link.client().state() == ConnectionState::established));
    link.run_for(2 * kSecond);
    BOOST_TEST((link.client().state() == ConnectionState::closed));
    BOOST_TEST((link.server().state() == ConnectionState::closed));
}

// RFC 9000 §10.2: the closer sends CONNECTION_CLOSE and lingers (closing), the peer drains;
// both are over after three PTOs.
BOOST_AUTO_TEST_CASE(an_orderly_close) {
    QuicLink link;
    BOOST_REQUIRE(link.run_until_established(kSecond));
    link.client().close(TransportError::no_error, 0, link.now());
    BOOST_TEST((link.client().state() == ConnectionState::closing));
    link.run_for(50 * kNanosPerMilli);
    BOOST_TEST((link.server().state() == ConnectionState::draining));
    BOOST_TEST(link.server().closed_by_peer());
    BOOST_TEST((link.server().close_error() == TransportError::no_error));
    link.run_for(5 * kSecond);
    BOOST_TEST((link.client().state() == ConnectionState::closed));
    BOOST_TEST((link.server().state() == ConnectionState::closed));
}

// Datagrams that are not packets of this connection are dropped and counted; the
// connection goes on.
BOOST_AUTO_TEST_CASE(garbage_is_dropped_and_counted) {
    QuicLink link;
    BOOST_REQUIRE(link.run_until_established(kSecond));
    link.inject_to_server({0x00, 0x01, 0x02});  // no fixed bit: not a version 1 packet
    std::vector<uint8_t> forged(60, 0x41);      // a short header for an unknown CID
    link.inject_to_server(forged);
    std::vector<uint8_t> wrong_key = {0x41};   // our CID, but nothing the keys open
    const ConnectionId cid = link.server().local_cid();
    wrong_key.insert(wrong_key.end(), cid.span().begin(), cid.span().end());
    wrong_key.resize(60, 0x33);
    link.inject_to_server(wrong_key);
    link.run_for(100 * kNanosPerMilli);
    const ConnectionCounters& c = link.server().counters();
    BOOST_TEST(c.dropped_malformed >= 1u);
    BOOST_TEST(c.dropped_unknown_cid >= 1u);
    BOOST_TEST(c.dropped_auth_failed >= 1u);
    BOOST_TEST((link.server().state() == ConnectionState::established));
}

BOOST_AUTO_TEST_SUITE_END()
