// TCP Fast Open (RFC 7413), scripted segment by segment against one TcpLayer (see
// tests/support/tcp_script.h): the test plays the client to the engine's listener and
// the server to the engine's connects. Each script states the RFC rule it checks; where
// the implementation departs from RFC 7413 the test asserts what the code does and says
// so in a DEVIATION message.
#include <boost/test/unit_test.hpp>

#include <optional>
#include <ostream>

#include "tests/support/tcp_script.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcpf;

namespace slip::stack::tcp {
inline std::ostream& boost_test_print_type(std::ostream& os, TcpState s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, CloseReason r) { return os << to_string(r); }
}  // namespace slip::stack::tcp

namespace {

constexpr uint16_t kPeer = TcpScript::kPeerPort;
constexpr uint16_t kEngine = TcpScript::kEnginePort;
// Cookies the scripted server hands the engine's client side (RFC 7413 §4.1.1: 4 to 16 bytes).
const Bytes kCookie{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
const Bytes kCookie2{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
const Bytes kCookie3{0xc0, 0xff, 0xee, 0x00, 0xc0, 0xff, 0xee, 0x01};
const Bytes kBogus{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef};

// The peer's SYN as Linux sends it, `len` bytes of peer_stream after it.
In peer_syn(const TcpScript& s, uint32_t len = 0) {
    return In(S, 0, 0, len).mss(1460).sack_ok().ts(s.peer_tsval(), 0).ws(7);
}

// The peer's SYN-ACK to an engine connect from `engine_port`, acknowledging `ack`.
In peer_syn_ack(const TcpScript& s, uint16_t engine_port, uint32_t ack, uint16_t mss = 1460) {
    return In(S | A, 0, ack).mss(mss).sack_ok().tsval(s.peer_tsval()).ws(7).port(engine_port);
}

// RFC 7413 §4.2.1: a SYN with an empty Fast Open option asks for a cookie, the SYN-ACK
// brings one (§4.1.2: 8 bytes here). The half-open connection is then reset (RFC 9293
// §3.10.7.4: SYN-RECEIVED of a passive open goes back to LISTEN), leaving the listener
// as it was. `from` is the peer port to use.
Bytes fetch_cookie(TcpScript& s, uint16_t from) {
    s.inject(peer_syn(s).tfo().from(from));
    BOOST_REQUIRE(s.expect(Out(S | A, 0, 1).tfo_cookie_len(8)));
    const Bytes cookie = *s.last().tfo;
    s.inject(In(R, 1).from(from));
    BOOST_REQUIRE(s.expect_nothing());
    return cookie;
}

// The engine's client side learns kCookie (and the MSS `mss`) from a cookie-request
// connection on `engine_port`, left established.
void learn_cookie(TcpScript& s, uint16_t engine_port, uint16_t mss = 1460) {
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = engine_port, .fast_open = true}, 0,
                            Out(S, 0).mss(1460).tfo_cookie_len(0)));
    s.advance_ms(20);
    s.inject(peer_syn_ack(s, engine_port, 1, mss).tfo(kCookie));
    BOOST_REQUIRE(s.expect(Out(A, 1, 1).no_tfo()));
    BOOST_REQUIRE(s.expect_state(TcpState::established));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_fast_open_script)

// ---- Server side (RFC 7413 §4.1.2, §4.2.2) ----

BOOST_AUTO_TEST_CASE(a_server_hands_out_a_cookie_on_request) {
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    // §4.2.1 step 1-2: a SYN with an empty Fast Open option; the SYN-ACK answers with a
    // cookie beside the usual options.
    const uint32_t syn_ts = s.peer_tsval();
    s.inject(peer_syn(s).tfo());
    BOOST_TEST(s.expect(Out(S | A, 0, 1).win(65535).mss(1460).sack_ok().ts_ecr(syn_ts).ws(1).tfo_cookie_len(8)));
    const Bytes cookie = *s.last().tfo;
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 0));
    BOOST_TEST(s.app().accepted == 0);  // an ordinary handshake: accepted with its ACK
    // The SYN-ACK timer fires. §4.2.2: "If the SYN-ACK timer fires, the server SHOULD
    // retransmit a SYN-ACK segment with neither data nor Fast Open options": the same
    // SYN-ACK (RFC 6298 §2.1: after 1 s) without the cookie.
    s.advance_ms(999);
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(1);
    BOOST_TEST(s.expect(Out(S | A, 0, 1).win(65535).mss(1460).sack_ok().ts_ecr(syn_ts).ws(1).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 1));  // counted once per connection
    s.inject(In(A, 1, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST(s.expect_state(TcpState::established));
    // §4.1.2: the cookie is a MAC of the client's (and server's) IP address, not of the
    // port: a request from another port of the same client gets the same cookie.
    s.inject(peer_syn(s).tfo().from(kPeer + 1));
    BOOST_TEST(s.expect(Out(S | A, 0, 1).tfo_cookie(cookie)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 2));
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(b_server_valid_cookie_with_data) {
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    const Bytes cookie = fetch_cookie(s, kPeer + 1);
    // The application answers as soon as the request arrives.
    int replies = 0;
    s.app().after_data = [&](TcpHandle, Instant) {
        if (replies++ == 0) {
            BOOST_TEST(s.send(300));
        }
    };
    // §4.2.2 server steps 1-5: the cookie is valid, so the data is buffered and handed to
    // the application, and the SYN-ACK acknowledges the SYN and the data (101). A valid
    // cookie draws no new one.
    const uint32_t syn_ts = s.peer_tsval();
    s.inject(peer_syn(s, 100).tfo(cookie));
    BOOST_TEST(s.expect(Out(S | A, 0, 101).mss(1460).sack_ok().ts_ecr(syn_ts).ws(1).no_tfo()));
    // §3 step 3: the server may send its response before the handshake completes (within
    // the initial congestion window, §4.2.2): it follows the SYN-ACK at once.
    BOOST_TEST(s.expect(Out(P | A, 1, 101, 300).win(32768).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST((s.app().received == peer_bytes(0, 100)));
    BOOST_REQUIRE(s.app().first_data_state.has_value());
    BOOST_TEST(*s.app().first_data_state == TcpState::syn_received);  // before the third ACK
    BOOST_TEST(s.expect_state(TcpState::syn_received));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 1));  // fetch_cookie's only
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 0));
    BOOST_TEST(s.tcp().gauges().syn_received == 1u);
    // §4.2.2 "Server: Receiving ACK": the ACK of the SYN (and here of the response too)
    // ends the handshake; the application, told with the SYN, is not told again.
    s.advance_ms(50);
    s.inject(In(A, 101, 301));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST(s.tcp().gauges().syn_received == 0u);
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->snd_una.raw() == (s.engine_iss(kEngine, kPeer) + 301).raw());
    // The connection goes on as any other.
    s.inject(In(P | A, 101, 301, 50));
    BOOST_TEST(s.expect(Out(A, 301, 151)));
    BOOST_TEST((s.app().received == peer_bytes(0, 150)));
    BOOST_TEST(replies == 2);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(c_server_invalid_cookie_with_data) {
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    // §4.2.2 step 3: IsCookieValid() fails, so only the SYN is acknowledged and the data
    // dropped; §4.1.2: the server may send a fresh valid cookie in the SYN-ACK.
    s.inject(peer_syn(s, 100).tfo(kBogus));
    BOOST_TEST(s.expect(Out(S | A, 0, 1).tfo_cookie_len(8)));
    const Bytes fresh = *s.last().tfo;
    BOOST_TEST((fresh != kBogus));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 0));
    BOOST_TEST(s.app().accepted == 0);
    BOOST_TEST(s.app().received.empty());
    // The handshake completes as usual; the application hears of the connection then,
    // and of the data only when the client sends it again (§3 step 4: it resends what
    // the SYN-ACK did not acknowledge).
    s.advance_ms(50);
    s.inject(In(A, 1, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST(s.app().received.empty());
    BOOST_TEST(s.expect_state(TcpState::established));
    s.inject(In(P | A, 1, 1, 100));
    BOOST_TEST(s.expect(Out(A, 1, 101)));
    BOOST_TEST((s.app().received == peer_bytes(0, 100)));
    // The fresh cookie is valid: a later SYN with it has its data taken.
    s.inject(peer_syn(s, 10).tfo(fresh).from(kPeer + 1));
    BOOST_TEST(s.expect(Out(S | A, 0, 11).no_tfo()));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 1));
    BOOST_TEST(s.app().received.size() == 110u);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(d_server_syn_data_without_fast_open_option) {
    // RFC 9293 §3.10.7.2 allows data on a SYN to be queued; RFC 7413 §4.2.2 takes it only
    // with a valid cookie. No option at all: only the SYN is acknowledged, no cookie is
    // offered (none was asked for), the data counts as refused.
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    s.inject(peer_syn(s, 100));
    BOOST_TEST(s.expect(Out(S | A, 0, 1).mss(1460).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 0));
    BOOST_TEST(s.app().accepted == 0);
    s.inject(In(A, 1, 1));
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST(s.app().received.empty());
    s.inject(In(P | A, 1, 1, 100));
    BOOST_TEST(s.expect(Out(A, 1, 101)));
    BOOST_TEST((s.app().received == peer_bytes(0, 100)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(e_server_with_fast_open_off) {
    // §4.2.2 server step 1: FastOpenEnabled false: no cookie (§4.2.1 step 2: the SYN-ACK
    // carries the option only if the server supports TFO), SYN data never taken.
    TcpScript s([](TcpConfig& c) { c.fast_open = false; });
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    s.inject(peer_syn(s).tfo());
    BOOST_TEST(s.expect(Out(S | A, 0, 1).mss(1460).no_tfo()));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 0));
    s.inject(peer_syn(s, 100).tfo(kBogus).from(kPeer + 1));
    BOOST_TEST(s.expect(Out(S | A, 0, 1).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_cookies_sent, 0));
    BOOST_TEST(s.app().accepted == 0);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(f_server_fast_open_backlog) {
    // §4.2.2 server step 2 / §5.1: beyond PendingFastOpenRequests (fast_open_backlog)
    // Fast Open connections still in SYN-RECEIVED, SYN data is refused even with a valid
    // cookie; the handshake itself goes on.
    TcpScript s([](TcpConfig& c) { c.fast_open_backlog = 1; });
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    const Bytes cookie = fetch_cookie(s, kPeer + 1);
    s.inject(peer_syn(s, 100).tfo(cookie).from(kPeer + 2));
    BOOST_TEST(s.expect(Out(S | A, 0, 101).no_tfo()));
    BOOST_TEST(s.app().accepted == 1);
    // The second, while the first is pending: only its SYN is acknowledged. Its cookie is
    // valid, so no new one comes with the SYN-ACK.
    s.inject(peer_syn(s, 100).tfo(cookie).from(kPeer + 3));
    BOOST_TEST(s.expect(Out(S | A, 0, 1).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 1));
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST(s.app().received.size() == 100u);
    BOOST_TEST(s.tcp().gauges().syn_received == 2u);
    // §4.2.2 "Server: Receiving ACK" step 1: the first one's handshake completes and
    // PendingFastOpenRequests goes down: the next SYN with data is taken again.
    s.inject(In(A, 101, 1).from(kPeer + 2));
    BOOST_TEST(s.expect_nothing());
    s.inject(peer_syn(s, 100).tfo(cookie).from(kPeer + 4));
    BOOST_TEST(s.expect(Out(S | A, 0, 101).no_tfo()));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 2));
    BOOST_TEST(s.app().accepted == 2);
    // The refused one completes as an ordinary handshake and gets its data resent.
    s.inject(In(A, 1, 1).from(kPeer + 3));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().accepted == 3);
    s.inject(In(P | A, 1, 1, 100).from(kPeer + 3));
    BOOST_TEST(s.expect(Out(A, 1, 101)));
    BOOST_TEST(s.app().received.size() == 300u);
    BOOST_TEST(s.expect_drops(DropReason::tcp_fast_open_refused, 1));
    BOOST_TEST(s.tcp().gauges().syn_received == 1u);  // kPeer + 4's, still pending
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(k_server_syn_ack_lost_after_fast_open) {
    // The SYN-ACK of a Fast Open connection and the response after it are lost. The
    // client's SYN comes again with the same data. Within one connection its sequence
    // numbers make that data a duplicate (RFC 9293 §3.4); RFC 7413 §2.1 allows SYN data
    // to reach an application twice only across connections.
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(kEngine, &s.app()));
    const Bytes cookie = fetch_cookie(s, kPeer + 1);
    s.app().after_data = [&](TcpHandle, Instant) {
        if (s.app().received.size() == 100) {
            BOOST_TEST(s.send(300));
        }
    };
    s.inject(peer_syn(s, 100).tfo(cookie));
    BOOST_TEST(s.expect(Out(S | A, 0, 101).no_tfo()));
    BOOST_TEST(s.expect(Out(P | A, 1, 101, 300)));
    s.advance_ms(500);
    s.inject(peer_syn(s, 100).tfo(cookie));  // same ISN: answered, not delivered again
    BOOST_TEST(s.expect(Out(S | A, 0, 101).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().received.size() == 100u);
    BOOST_TEST(s.app().accepted == 1);
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_accepted, 1));
    // RFC 6298 §2.1: the SYN-ACK timer (1 s from the first) fires: the SYN-ACK alone
    // again, still acknowledging the data (§4.2.2: "with neither data nor Fast Open
    // options").
    s.advance_ms(499);
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(1);
    BOOST_TEST(s.expect(Out(S | A, 0, 101).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    // The handshake completes acknowledging only the SYN: the response goes again.
    s.inject(In(A, 101, 1));
    BOOST_TEST(s.expect(Out(P | A, 1, 101, 300)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.app().accepted == 1);
    s.inject(In(A, 101, 301));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.clean());
}

// ---- Client side (RFC 7413 §4.1.3, §4.2.1, §4.2.2) ----

BOOST_AUTO_TEST_CASE(g_client_cookie_then_data_on_syn) {
    TcpScript s;
    // §4.2.1 step 1: no cookie cached: the SYN asks for one and carries no data.
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine, .fast_open = true}, 100,
                            Out(S, 0).mss(1460).sack_ok().ws(1).ts_ecr(0).tfo_cookie_len(0)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 0));
    // §4.2.1 step 3 / §4.1.3: the SYN-ACK's cookie and MSS (1000) are cached. The data
    // waiting since connect() goes out with the handshake's ACK: one segment, ACK 1 and
    // bytes 1..100 (§3 step 4: "the client ... retransmits the data in the ACK packet").
    s.advance_ms(20);
    s.inject(peer_syn_ack(s, kEngine, 1, 1000).tfo(kCookie));
    BOOST_TEST(s.app().connected == 1);
    BOOST_TEST(s.expect(Out(P | A, 1, 1, 100).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    s.inject(In(A, 1, 101).port(kEngine));
    BOOST_TEST(s.expect_nothing());
    // §4.2.2 "Client: Sending SYN" 1b: with the cookie, the SYN carries data up to the
    // cached server MSS. RFC 6691 §2: the sender takes the options it sends off the
    // MSS: 1000 - (MSS 4 + SACK-permitted/TS 12 + NOP/WS 4 + FO 12) = 968 of 1500.
    const uint16_t port2 = kEngine + 1;
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = port2, .fast_open = true}, 1500,
                            Out(S, 0, 0, 968).mss(1460).sack_ok().ws(1).tfo_cookie(kCookie)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->snd_nxt.raw() == (s.engine_iss(port2, kPeer) + 969).raw());
    // The server took all of it (ACK 969, no cookie repeated): the rest follows at once,
    // nothing of the SYN's data is sent again.
    s.advance_ms(20);
    s.inject(peer_syn_ack(s, port2, 969, 1000));
    BOOST_TEST(s.app().connected == 2);
    BOOST_TEST(s.expect(Out(P | A, 969, 1, 532)));
    BOOST_TEST(s.expect_nothing());
    s.inject(In(A, 1, 1501).port(port2));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 0));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_fallbacks, 0));
    // A SYN-ACK that took the data without repeating the cookie leaves it cached.
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 2, .fast_open = true}, 10,
                            Out(S, 0, 0, 10).tfo_cookie(kCookie)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(h_client_syn_with_data_lost) {
    TcpScript s;
    learn_cookie(s, kEngine);
    const uint16_t port2 = kEngine + 1;
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = port2, .fast_open = true}, 500,
                            Out(S, 0, 0, 500).tfo_cookie(kCookie)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));
    // The SYN is lost. RFC 6298 §2.1: 1 s later the SYN again. §4.2.2 "Client: Sending
    // SYN": when the SYN timer fires the client retransmits the SYN with neither data
    // nor a Fast Open option.
    s.advance_ms(999);
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(1);
    BOOST_TEST(s.expect(Out(S, 0, 0, 0).mss(1460).sack_ok().ws(1).ts_ecr(0).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 1));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));  // the retransmission had none
    // The server saw only the retransmission: it acknowledges the SYN alone, and the
    // data goes out with the handshake's ACK.
    s.advance_ms(20);
    s.inject(peer_syn_ack(s, port2, 1));
    BOOST_TEST(s.app().connected == 2);
    BOOST_TEST(s.expect(Out(P | A, 1, 1, 500)));
    BOOST_TEST(s.expect_nothing());
    s.inject(In(A, 1, 501).port(port2));
    BOOST_TEST(s.expect_nothing());
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->snd_una.raw() == (s.engine_iss(port2, kPeer) + 501).raw());
    // The SYN-ACK left the SYN's data unacknowledged: fast_open_on_syn_ack (tcp_input.cc)
    // counts a fallback. §4.1.3.1: the timeout of the SYN that carried data is a negative
    // response to cache: on_rto (tcp_timers.cc) forgot the cookie when the SYN timer
    // fired, so the next connect asks for a new one and sends no data on its SYN.
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_fallbacks, 1));
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 2, .fast_open = true}, 100,
                            Out(S, 0, 0, 0).mss(1460).tfo_cookie_len(0)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(i_client_syn_data_refused) {
    TcpScript s;
    learn_cookie(s, kEngine);
    // The server acknowledges only the ISN (its cookie check failed, or its Fast Open
    // backlog was full) and sends no new cookie.
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 1, .fast_open = true}, 300,
                            Out(S, 0, 0, 300).tfo_cookie(kCookie)));
    s.advance_ms(20);
    s.inject(peer_syn_ack(s, kEngine + 1, 1));
    // §3 step 4 / §4.2.2 "Client: Receiving SYN-ACK": the data again, with the ACK.
    BOOST_TEST(s.expect(Out(P | A, 1, 1, 300)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_fallbacks, 1));
    s.inject(In(A, 1, 301).port(kEngine + 1));
    BOOST_TEST(s.expect_nothing());
    // §4.1.3.1: a negative response is remembered: the cookie is forgotten (tcp_input.cc
    // fast_open_on_syn_ack) and the next connect asks for a cookie, no data on its SYN.
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 2, .fast_open = true}, 300,
                            Out(S, 0, 0, 0).tfo_cookie_len(0)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));
    // That request is answered with kCookie2 (§4.1.3: replaces the cache entry) ...
    s.inject(peer_syn_ack(s, kEngine + 2, 1).tfo(kCookie2));
    BOOST_TEST(s.expect(Out(P | A, 1, 1, 300)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_fallbacks, 1));  // no data was on that SYN
    // ... which the next SYN presents with its data. This time the server refuses the
    // data but offers kCookie3 in the same SYN-ACK: fallback, and kCookie3 is kept.
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 3, .fast_open = true}, 200,
                            Out(S, 0, 0, 200).tfo_cookie(kCookie2)));
    s.inject(peer_syn_ack(s, kEngine + 3, 1).tfo(kCookie3));
    BOOST_TEST(s.expect(Out(P | A, 1, 1, 200)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_fallbacks, 2));
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 4, .fast_open = true}, 200,
                            Out(S, 0, 0, 200).tfo_cookie(kCookie3)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 3));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(j_client_syn_timeout_forgets_the_cookie) {
    // §4.1.3.1: "no response (SYN-ACK) from the server at all, i.e., connection timeout"
    // is a negative response the client caches. on_rto (tcp_timers.cc) forgets the
    // server's cookie when a SYN that carried data times out; the next connect falls
    // back to a cookie request (an empty option, §4.1.1) with no data on its SYN, until
    // a SYN-ACK brings a new cookie.
    TcpScript s([](TcpConfig& c) { c.syn_retries = 1; });
    learn_cookie(s, kEngine);
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 1, .fast_open = true}, 100,
                            Out(S, 0, 0, 100).tfo_cookie(kCookie)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));
    // §4.2.2: the retransmitted SYN carries neither the data nor the option.
    s.advance_ms(1000);
    BOOST_TEST(s.expect(Out(S, 0, 0, 0).mss(1460).no_tfo()));
    // RFC 6298 §5.5: 2 s more, and syn_retries (1) is spent: the connect fails.
    s.advance_ms(1999);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().closed == 0);
    s.advance_ms(1);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().closed == 1);
    BOOST_TEST(s.app().reason == CloseReason::timeout);
    BOOST_TEST(s.expect_events(Event::tcp_aborted_timeout, 1));
    // The next connect to that server: a cookie request, its data held back for the ACK.
    const uint16_t port2 = kEngine + 2;
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = port2, .fast_open = true}, 100,
                            Out(S, 0, 0, 0).mss(1460).sack_ok().ws(1).ts_ecr(0).tfo_cookie_len(0)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 1));
    // The server answers the request with kCookie2 (§4.1.3: cached); the data follows
    // the handshake's ACK.
    s.advance_ms(20);
    s.inject(peer_syn_ack(s, port2, 1).tfo(kCookie2));
    BOOST_TEST(s.expect(Out(P | A, 1, 1, 100).no_tfo()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_fallbacks, 0));  // no data was on that SYN
    // With a cookie again, the next SYN carries it and its data.
    BOOST_REQUIRE(s.connect(ConnectOptions{.local_port = kEngine + 3, .fast_open = true}, 100,
                            Out(S, 0, 0, 100).tfo_cookie(kCookie2)));
    BOOST_TEST(s.expect_events(Event::tcp_fast_open_syn_data_sent, 2));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_SUITE_END()
