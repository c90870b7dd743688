// Scripted segment tests for one TcpLayer, packetdrill style (see tcp_script_test.cc): RSTs
// in every state, RFC 5961 challenge ACKs and their rate limit, and segments for closed
// ports and listeners. The test is the peer; every segment in and out is exact.
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
inline std::ostream& boost_test_print_type(std::ostream& os, CloseReason r) { return os << to_string(r); }
}  // namespace slip::stack::tcp

namespace {

constexpr uint16_t kWin = 32768;  // 64 KiB buffer, all of it free, >> window scale 1

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_rst_script)

// ---- 4. RFC 5961: blind reset, SYN and data injection ----

BOOST_AUTO_TEST_CASE(rst_at_rcv_nxt_resets) {
    // RFC 5961 §3.2: an RST whose sequence number is exactly RCV.NXT resets.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(R, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().closed == 1);
    BOOST_TEST(s.app().reason == CloseReason::reset);
    BOOST_TEST(s.expect_events(Event::tcp_resets_received, 1));
    BOOST_TEST(s.tcp().gauges().connections == 0u);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_in_window_gets_challenge_ack) {
    // RFC 5961 §3.2: in the window but not exact: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(R, 1 + 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1).win(kWin)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_challenge_ack, 1));
    BOOST_TEST(s.expect_events(Event::tcp_challenge_acks, 1));
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.app().closed == 0);
    // Outside the window (either side): dropped without a word (§3.2, first bullet).
    s.inject(In(R, 1 + 100000));
    s.inject(In(R | A, 0, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_out_of_window, 2));
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(syn_in_established_gets_challenge_ack) {
    // RFC 5961 §4.2: a SYN in a synchronized state, whatever its sequence number, draws an
    // ACK and is dropped; the connection stays.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(S, 1000).mss(1460));
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_challenge_ack, 1));
    BOOST_TEST(s.expect_events(Event::tcp_challenge_acks, 1));
    // The original SYN again (left of the window): the sequence check ACKs it as an old
    // duplicate (RFC 9293 §3.10.7.4) before the SYN check is reached: an ACK all the same,
    // counted as a duplicate, not through the challenge-ACK limit.
    s.inject(In(S, 0).mss(1460));
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_duplicate, 1));
    BOOST_TEST(s.expect_events(Event::tcp_challenge_acks, 1));
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(ack_outside_acceptable_range) {
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    // RFC 5961 §5.2 / RFC 9293 §3.10.7.4 fifth: SEG.ACK > SND.NXT: send an ACK, drop the
    // segment (its data too) and return.
    s.inject(In(P | A, 1, 1000, 100));
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_old_ack, 1));
    BOOST_TEST(s.app().received.empty());
    // SEG.ACK < SND.UNA - MAX.SND.WND (MAX.SND.WND = 65535 << 7 here): challenge ACK.
    s.inject(In(A, 1, 1 - (1u << 30)));
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_old_ack, 2));
    BOOST_TEST(s.expect_events(Event::tcp_challenge_acks, 1));
    // Within [SND.UNA - MAX.SND.WND, SND.UNA): an old duplicate ACK, ignored.
    s.inject(In(A, 1, 0));
    BOOST_TEST(s.expect_nothing());
    // The data segment again with a good ACK is taken.
    s.inject(In(P | A, 1, 1, 100));
    BOOST_TEST(s.expect(Out(A, 1, 101)));
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(challenge_ack_rate_limit) {
    // RFC 5961 §7: challenge ACKs are rate-limited. 2 per second: a burst of 1, a token
    // every 500 ms.
    TcpScript s([](TcpConfig& c) { c.challenge_ack_rate = 2; });
    BOOST_REQUIRE(s.establish());
    s.inject(In(R, 1 + 1000));
    s.inject(In(R, 1 + 2000));
    s.inject(In(S, 3000));
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_challenge_ack, 3));
    BOOST_TEST(s.expect_drops(DropReason::tcp_challenge_ack_limited, 2));
    BOOST_TEST(s.expect_events(Event::tcp_challenge_acks, 1));
    s.advance_ms(499);
    s.inject(In(R, 1 + 1000));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(500);
    s.inject(In(R, 1 + 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_challenge_ack_limited, 3));
    BOOST_TEST(s.expect_events(Event::tcp_challenge_acks, 2));
    BOOST_TEST(s.expect_state(TcpState::established));
    BOOST_TEST(s.clean());
}

// ---- 5. RST in every state (RFC 9293 §3.10.7.3, §3.10.7.4 "second, check the RST bit") ----

BOOST_AUTO_TEST_CASE(rst_in_syn_sent) {
    TcpScript s;
    BOOST_REQUIRE(s.connect());
    // §3.10.7.3: an ACK outside (ISS, SND.NXT] on an RST: drop the segment (no RST back).
    s.inject(In(R | A, 0, 2));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_unexpected, 1));
    // An RST without ACK: drop.
    s.inject(In(R, 0));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_unexpected, 2));
    BOOST_TEST(s.expect_state(TcpState::syn_sent));
    // With ACK = ISS + 1: "error: connection reset", the open is refused.
    s.inject(In(R | A, 0, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().closed == 1);
    BOOST_TEST(s.app().reason == CloseReason::refused);
    BOOST_TEST(s.tcp().gauges().connections == 0u);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_in_syn_received) {
    // §3.10.7.4 SYN-RECEIVED, passive open: back to LISTEN, the user need not be informed.
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(TcpScript::kEnginePort, &s.app()));
    s.inject(In(S, 0).mss(1460).sack_ok().ts(5000, 0).ws(7));
    BOOST_TEST(s.expect(Out(S | A, 0, 1)));
    s.inject(In(R, 100));  // in window, not exact: RFC 5961 §3.2 challenge ACK
    BOOST_TEST(s.expect(Out(A, 1, 1)));
    s.inject(In(R, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().accepted == 0);
    BOOST_TEST(s.app().closed == 0);
    BOOST_TEST(s.tcp().gauges().connections == 0u);
    BOOST_TEST(s.tcp().gauges().syn_received == 0u);
    // The listener is still there: a new SYN opens again.
    s.inject(In(S, 0).mss(1460).sack_ok().ts(5000, 0).ws(7));
    BOOST_TEST(s.expect(Out(S | A, 0, 1)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_in_syn_received_after_simultaneous_open) {
    // §3.10.7.4 SYN-RECEIVED, active open: "the connection was refused; signal the user
    // 'connection refused'".
    TcpScript s;
    BOOST_REQUIRE(s.connect());
    s.inject(In(S, 0).mss(1460).sack_ok().ts(5000, 0).ws(7));  // the SYNs cross (§3.5 figure 7)
    BOOST_TEST(s.expect(Out(S | A, 0, 1).ts_ecr(5000)));
    BOOST_TEST(s.expect_state(TcpState::syn_received));
    s.inject(In(R, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().closed == 1);
    BOOST_TEST(s.app().reason == CloseReason::refused);
    BOOST_TEST(s.tcp().gauges().connections == 0u);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_in_established) {
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(R | A, 1, 1));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().reason == CloseReason::reset);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_in_fin_wait_1_and_2) {
    for (const bool fin_acked : {false, true}) {
        BOOST_TEST_CONTEXT((fin_acked ? "FIN-WAIT-2" : "FIN-WAIT-1")) {
            TcpScript s;
            BOOST_REQUIRE(s.establish());
            s.close();
            BOOST_TEST(s.expect(Out(F | A, 1, 1)));
            if (fin_acked) {
                s.inject(In(A, 1, 2));
                BOOST_TEST(s.expect_nothing());
            }
            BOOST_TEST(s.expect_state(fin_acked ? TcpState::fin_wait_2 : TcpState::fin_wait_1));
            s.inject(In(R, 1));
            BOOST_TEST(s.expect_nothing());
            BOOST_TEST(s.app().closed == 1);
            BOOST_TEST(s.app().reason == CloseReason::reset);  // "connection reset"
            BOOST_TEST(s.clean());
        }
    }
}

BOOST_AUTO_TEST_CASE(rst_in_close_wait) {
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(F | A, 1, 1));
    BOOST_TEST(s.expect(Out(A, 1, 2)));
    BOOST_TEST(s.app().peer_closed == 1);
    BOOST_TEST(s.expect_state(TcpState::close_wait));
    s.inject(In(R, 2));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.app().reason == CloseReason::reset);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_in_closing_and_last_ack) {
    // §3.10.7.4: CLOSING, LAST-ACK, TIME-WAIT: "If the RST bit is set, then enter the
    // CLOSED state, delete the TCB, and return." The RFC says nothing of the user; the
    // code (check_rst) reports these as a normal close, not a reset.
    for (const bool closing : {true, false}) {
        BOOST_TEST_CONTEXT((closing ? "CLOSING" : "LAST-ACK")) {
            TcpScript s;
            BOOST_REQUIRE(s.establish());
            if (closing) {
                s.close();
                BOOST_TEST(s.expect(Out(F | A, 1, 1)));
                s.inject(In(F | A, 1, 1));  // crosses our FIN (simultaneous close)
                BOOST_TEST(s.expect(Out(A, 2, 2)));
                BOOST_TEST(s.expect_state(TcpState::closing));
            } else {
                s.inject(In(F | A, 1, 1));
                BOOST_TEST(s.expect(Out(A, 1, 2)));
                s.close();
                BOOST_TEST(s.expect(Out(F | A, 1, 2)));
                BOOST_TEST(s.expect_state(TcpState::last_ack));
            }
            s.inject(In(R, 2));
            BOOST_TEST(s.expect_nothing());
            BOOST_TEST(s.tcp().gauges().connections == 0u);
            BOOST_TEST(s.app().closed == 1);
            BOOST_TEST(s.app().reason == CloseReason::normal);
            BOOST_TEST(s.clean());
        }
    }
}

BOOST_AUTO_TEST_CASE(rst_in_time_wait) {
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.close();
    BOOST_TEST(s.expect(Out(F | A, 1, 1)));
    s.inject(In(A, 1, 2));
    s.inject(In(F | A, 1, 2));
    BOOST_TEST(s.expect(Out(A, 2, 2)));
    BOOST_TEST(s.tcp().gauges().time_wait == 1u);
    BOOST_TEST(s.app().closed == 1);  // told at TIME-WAIT entry
    // In the window, not exact: challenge ACK (RFC 5961 §3.2), TIME-WAIT stays.
    s.inject(In(R, 100));
    BOOST_TEST(s.expect(Out(A, 2, 2)));
    BOOST_TEST(s.tcp().gauges().time_wait == 1u);
    // Exact: RFC 9293 §3.10.7.4 closes TIME-WAIT at once, which the code does
    // (check_rst). RFC 1337 §3 ("TIME-WAIT assassination", fix 1) recommends ignoring
    // RSTs in TIME-WAIT instead; Linux does so only with net.ipv4.tcp_rfc1337=1.
    BOOST_TEST_MESSAGE("NOTE: an exact RST ends TIME-WAIT early (RFC 9293), not ignored as RFC 1337 suggests");
    s.inject(In(R, 2));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.tcp().gauges().time_wait == 0u);
    BOOST_TEST(s.tcp().gauges().connections == 0u);
    BOOST_TEST(s.app().closed == 1);
    BOOST_TEST(s.clean());
}

// ---- 6. Segments for no connection (RFC 9293 §3.10.7.1, §3.10.7.2) ----

BOOST_AUTO_TEST_CASE(segments_for_closed_ports) {
    TcpScript s;  // no listener: every port CLOSED
    // ACK bit on: <SEQ=SEG.ACK><CTL=RST>. (No connection: relative numbers are absolute.)
    s.inject(In(A, 100, 5000));
    BOOST_TEST(s.expect(Out(R, 5000).win(0).no_ts()));
    BOOST_TEST(s.last().h.src_port == TcpScript::kEnginePort);
    BOOST_TEST(s.last().h.dst_port == TcpScript::kPeerPort);
    // ACK bit off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, the SYN counting one.
    s.inject(In(S, 0).mss(1460));
    BOOST_TEST(s.expect(Out(R | A, 0, 1).seq_abs(Seq(0))));
    // An RST is never answered.
    s.inject(In(R | A, 5, 5000));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_no_listener, 3));
    BOOST_TEST(s.expect_events(Event::tcp_resets_sent, 2));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(segments_for_a_listener) {
    // LISTEN (§3.10.7.2): an RST is ignored; any ACK is bad: <SEQ=SEG.ACK><CTL=RST>
    // (here after the SYN-cookie check fails).
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(TcpScript::kEnginePort, &s.app()));
    s.inject(In(R, 0));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_unexpected, 1));
    s.inject(In(A, 1, 5000));
    BOOST_TEST(s.expect(Out(R, 5000)));
    BOOST_TEST(s.expect_drops(DropReason::tcp_bad_cookie, 1));
    BOOST_TEST(s.tcp().gauges().connections == 0u);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(rst_rate_limit) {
    // 2 RSTs per second: a burst of 1, then one every 500 ms.
    TcpScript s([](TcpConfig& c) { c.rst_rate = 2; });
    s.inject(In(A, 100, 5000));
    BOOST_TEST(s.expect(Out(R, 5000)));
    s.inject(In(A, 100, 5000));
    s.inject(In(S, 0));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_rst_rate_limited, 2));
    s.advance_ms(500);
    s.inject(In(A, 100, 6000));
    BOOST_TEST(s.expect(Out(R, 6000)));
    BOOST_TEST(s.expect_events(Event::tcp_resets_sent, 2));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_SUITE_END()
