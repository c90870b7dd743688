// Scripted segment tests of loss recovery, packetdrill style (tests/support/tcp_script.h):
// RFC 3042 Limited Transmit, RFC 5827 Early Retransmit, RFC 8985 tail probes and loss
// marking by delivery, and RFC 2883 D-SACKs, every segment
// in and out exact. Where the implementation departs from an RFC the test asserts what the
// code does and says so in a message.
#include <boost/test/unit_test.hpp>

#include "tests/support/tcp_script.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;
using namespace slip::test::tcpf;

BOOST_AUTO_TEST_SUITE(tcp_recovery_script)

// The handshake measured 100 ms: the retransmission timer is 300 ms away (RTO, RFC 6298
// §2.3) or, as a tail-loss probe (RFC 8985 §7.2), at least 200 ms (2 SRTT). Everything
// below happens within a few milliseconds of the send, before either. With timestamps
// the MSS is 1460 - 12 = 1448 bytes.

namespace {
constexpr uint32_t kSmss = 1448;

// Four segments sent from idle, all lost: the tail probe, a copy of the 4th, 2 SRTT later.
void send_four_then_probe(TcpScript& s) {
    BOOST_REQUIRE(s.send(4 * kSmss));
    for (uint32_t i = 0; i < 3; ++i) {
        BOOST_TEST(s.expect(Out(A, 1 + i * kSmss, 1, kSmss)));
    }
    BOOST_TEST(s.expect(Out(P | A, 1 + 3 * kSmss, 1, kSmss)));
    s.advance_ms(199);
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(2);
    BOOST_TEST(s.expect(Out(A, 1 + 3 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
}
}  // namespace

BOOST_AUTO_TEST_CASE(limited_transmit_draws_the_third_duplicate_ack) {
    // RFC 3042 §2: with previously unsent data queued, each of the first two duplicate
    // ACKs lets one segment of it out, at most two segments beyond cwnd, cwnd itself
    // unchanged. With a two-segment window and the first segment lost only one
    // duplicate ACK could come otherwise; the two new segments draw the second and the
    // third, and the third triggers fast retransmit (RFC 5681 §3.2).
    TcpScript s([](TcpConfig& c) {
        c.initcwnd = 2;
        c.congestion = CcAlgorithm::newreno;
    });
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(4 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));  // lost
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());  // cwnd (2 SMSS) full, 2 SMSS still queued
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->cc->cwnd() == 2 * kSmss);
    s.advance_ms(10);
    // 1st duplicate ACK (SACKing the 2nd segment): exactly one new full-sized segment.
    // Early Retransmit (RFC 5827 (2.b)) stays out of it: new data is ready to go.
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 2 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + 2 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.conn()->cc->cwnd() == 2 * kSmss);
    // 2nd duplicate ACK (SACKing the 3rd too): one more, the last queued (PSH).
    s.advance_ms(1);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 3 * kSmss));
    BOOST_TEST(s.expect(Out(P | A, 1 + 3 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.conn()->cc->cwnd() == 2 * kSmss);
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 0));
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 0));
    // 3rd duplicate ACK: fast retransmit of SND.UNA, nothing new.
    s.advance_ms(1);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 4 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 1));
    // The retransmission fills the hole: everything is acknowledged, recovery ends.
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 4 * kSmss));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.expect_events(Event::tcp_tail_loss_probes, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(limited_transmit_segments_not_in_ssthresh) {
    // RFC 5681 §3.2 step 2: on the third duplicate ACK ssthresh = max(FlightSize / 2,
    // 2 SMSS), and "when [RFC3042] is in use, additional data sent in limited transmit
    // MUST NOT be included in this calculation". Four segments sent, two more by
    // limited transmit: ssthresh is 4 / 2 = 2 SMSS.
    TcpScript s([](TcpConfig& c) {
        c.initcwnd = 4;
        c.congestion = CcAlgorithm::newreno;
    });
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(6 * kSmss));
    for (uint32_t i = 0; i < 4; ++i) {
        BOOST_TEST(s.expect(Out(A, 1 + i * kSmss, 1, kSmss)));
    }
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(10);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 2 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + 4 * kSmss, 1, kSmss)));
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 3 * kSmss));
    BOOST_TEST(s.expect(Out(P | A, 1 + 5 * kSmss, 1, kSmss)));
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 4 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->cc->ssthresh() == 2 * kSmss);
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(limited_transmit_with_fin_queued) {
    // RFC 3042 §2: "the sender can only send two segments beyond the congestion window".
    // The application has closed: the last 100 bytes go by limited transmit on the 2nd
    // duplicate ACK (short, but the last before the FIN). limited_transmit (tcp_ack.cc)
    // sends them without the FIN, and send_data (tcp_output.cc), run after it for the
    // same ACK, sends the FIN on its own without looking at cwnd: a third segment beyond
    // cwnd.
    TcpScript s([](TcpConfig& c) {
        c.initcwnd = 2;
        c.congestion = CcAlgorithm::newreno;
    });
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(3 * kSmss + 100));
    s.close();
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));  // lost
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(10);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 2 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + 2 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(1);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 3 * kSmss));
    BOOST_TEST(s.expect(Out(P | A, 1 + 3 * kSmss, 1, 100)));
    BOOST_TEST_MESSAGE("DEVIATION (RFC 3042 §2): the FIN follows the limited-transmit segment beyond cwnd + 2");
    BOOST_TEST(s.expect(Out(F | A, 1 + 3 * kSmss + 100, 1)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_state(TcpState::fin_wait_1));
    // The 3rd duplicate ACK: fast retransmit all the same.
    s.advance_ms(1);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 2 + 3 * kSmss + 100));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(early_retransmit_with_three_segments_out) {
    // RFC 5827 §3.1: with less than 4 SMSS outstanding and no unsent data ready, three
    // duplicate ACKs can never arrive; the threshold drops to ceiling(ownd / SMSS) - 1,
    // and with SACK the retransmission goes once ownd - SMSS bytes are SACKed. Three
    // segments out, the first lost: the 2nd duplicate ACK retransmits it at once, not
    // the retransmission timer hundreds of milliseconds later.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(3 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));  // lost
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect(Out(P | A, 1 + 2 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(10);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 2 * kSmss));
    BOOST_TEST(s.expect_nothing());  // one of ER_thresh = 2
    s.advance_ms(1);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 3 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 1));
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 3 * kSmss));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_tail_loss_probes, 0));
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(early_retransmit_with_two_segments_out) {
    // RFC 5827 §3.1: two segments out, ER_thresh = 1: the one duplicate ACK that can
    // come (SACKing the second) retransmits the first.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(2 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));  // lost
    BOOST_TEST(s.expect(Out(P | A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(10);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 2 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 2 * kSmss));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 1));
    BOOST_TEST(s.expect_events(Event::tcp_tail_loss_probes, 0));
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(early_retransmit_counts_sacked_bytes) {
    // RFC 5827 §3.1 with SACK: Early Retransmit is used once "ownd - SMSS" bytes have
    // been SACKed. Three segments out, one duplicate ACK SACKs both the 2nd and the 3rd
    // (the ACK for the 2nd was lost): 2 SMSS = ownd - SMSS are SACKed, the first goes
    // at once.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(3 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect(Out(P | A, 1 + 2 * kSmss, 1, kSmss)));
    s.advance_ms(10);
    s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + 3 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(early_retransmit_does_not_count_the_fin) {
    // RFC 5827 §3.1: ER_thresh = ceiling(ownd / SMSS) - 1, ownd the outstanding data.
    // Two data segments out, the FIN on the second (the application closed while they
    // waited for cwnd), the first lost: only one duplicate ACK can come, and with
    // ownd = 2 SMSS (the FIN's sequence number is no data) one is the threshold.
    TcpScript s([](TcpConfig& c) {
        c.initcwnd = 1;
        c.congestion = CcAlgorithm::newreno;
    });
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(3 * kSmss));
    s.close();
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + kSmss));  // cwnd 2 SMSS: the rest goes, the FIN on the last
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));  // lost
    BOOST_TEST(s.expect(Out(F | P | A, 1 + 2 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(10);
    // The one duplicate ACK, SACKing the last segment and its FIN (as Linux reports it).
    s.inject(In(A, 1, 1 + kSmss).sack(1 + 2 * kSmss, 2 + 3 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(a_lost_flight_is_probed_and_the_probes_sack_starts_recovery) {
    // A flight sent from idle is lost whole. The timer armed with its first segment
    // (one segment out: the probe would wait for a delayed ACK too, 2 SRTT + 200 ms, so
    // the 300 ms RTO came first) becomes a tail probe at 2 SRTT once the rest follows
    // (RFC 8985 §7.2). The probe, a copy of the last segment, is SACKed a round trip
    // later: one SACKed segment is no evidence for RFC 6675 (DupThresh), but it was sent
    // after the whole flight, so everything below it is lost (RFC 8985 §6.2) and
    // recovery starts at once instead of at the RTO.
    TcpScript s([](TcpConfig& c) { c.congestion = CcAlgorithm::newreno; });
    BOOST_REQUIRE(s.establish());
    send_four_then_probe(s);
    BOOST_TEST(s.expect_events(Event::tcp_tail_loss_probes, 1));
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    s.advance_ms(100);
    s.inject(In(A, 1, 1).sack(1 + 3 * kSmss, 1 + 4 * kSmss));
    // Fast retransmit, then what cwnd = ssthresh = 2 SMSS allows (RFC 6675 §5).
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->cc->cwnd() == 2 * kSmss);
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 2 * kSmss).sack(1 + 3 * kSmss, 1 + 4 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + 2 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 4 * kSmss));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(a_probes_sack_on_an_ack_that_moves_snd_una_starts_recovery) {
    // Segment 1 arrives but its ACK is lost; 2-4 are lost. The probe (a copy of 4) draws
    // an ACK that both acknowledges 1 and SACKs 4. It is no duplicate ACK, so RFC 6675's
    // entry would not fire; but 2 and 3 were sent before the probe the peer now has, so
    // they are lost and recovery starts on this ACK.
    TcpScript s([](TcpConfig& c) { c.congestion = CcAlgorithm::newreno; });
    BOOST_REQUIRE(s.establish());
    send_four_then_probe(s);
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + kSmss).sack(1 + 3 * kSmss, 1 + 4 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + kSmss, 1, kSmss)));
    BOOST_TEST(s.expect(Out(A, 1 + 2 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_fast_retransmits, 1));
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 4 * kSmss));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(segments_the_receiver_dropped_above_its_sack_blocks_are_resent_within_cwnd) {
    // Ten segments; the first is lost, the receiver holds 2-4 and, its out-of-order queue
    // full, drops 5-10. No SACK will ever cover 5-10, so RFC 6675 counts them in flight
    // (pipe 7 SMSS > cwnd 5 SMSS) and sends nothing more. When the retransmission of 1
    // is acknowledged a round trip later, 5-10 were sent before it and are not SACKed:
    // lost (RFC 8985 §6.2), resent within cwnd. The partial ACK of four segments leaves
    // cwnd at ssthresh (RFC 6675 §5; RFC 6582's deflation would shrink it).
    TcpScript s([](TcpConfig& c) { c.congestion = CcAlgorithm::newreno; });
    BOOST_REQUIRE(s.establish());
    BOOST_REQUIRE(s.send(10 * kSmss));
    for (uint32_t i = 0; i < 9; ++i) {
        BOOST_TEST(s.expect(Out(A, 1 + i * kSmss, 1, kSmss)));
    }
    BOOST_TEST(s.expect(Out(P | A, 1 + 9 * kSmss, 1, kSmss)));
    s.advance_ms(10);
    for (uint32_t i = 2; i <= 4; ++i) {
        s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + i * kSmss));
    }
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    BOOST_REQUIRE(s.conn() != nullptr);
    BOOST_TEST(s.conn()->cc->cwnd() == 5 * kSmss);  // ssthresh = FlightSize / 2, no inflation
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 4 * kSmss));
    for (uint32_t i = 4; i < 9; ++i) {
        BOOST_TEST(s.expect(Out(A, 1 + i * kSmss, 1, kSmss)));
    }
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.conn()->cc->cwnd() == 5 * kSmss);
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 9 * kSmss));
    BOOST_TEST(s.expect(Out(A, 1 + 9 * kSmss, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance_ms(100);
    s.inject(In(A, 1, 1 + 10 * kSmss));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_timeouts, 0));
    BOOST_TEST(s.expect_events(Event::tcp_tail_loss_probes, 0));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(a_late_original_on_a_fast_path_marks_nothing_lost) {
    // A 200 us path: timestamps (1 ms ticks) measure 0, the handshake timed on our clock
    // 200 us. Segment 1 is delayed, not lost: three duplicate ACKs retransmit it, and 50 us
    // later the original arrives and is acknowledged. That delivery came far sooner than a
    // round trip after the retransmission, so it says nothing about 5-10, still in flight:
    // nothing is marked lost and nothing more is resent.
    TcpScript s([](TcpConfig& c) { c.congestion = CcAlgorithm::newreno; });
    BOOST_REQUIRE(s.establish(Duration::microseconds(200)));
    BOOST_REQUIRE(s.send(10 * kSmss));
    for (uint32_t i = 0; i < 9; ++i) {
        BOOST_TEST(s.expect(Out(A, 1 + i * kSmss, 1, kSmss)));
    }
    BOOST_TEST(s.expect(Out(P | A, 1 + 9 * kSmss, 1, kSmss)));
    s.advance(Duration::microseconds(100));
    for (uint32_t i = 2; i <= 4; ++i) {
        s.inject(In(A, 1, 1).sack(1 + kSmss, 1 + i * kSmss));
    }
    BOOST_TEST(s.expect(Out(A, 1, 1, kSmss)));
    BOOST_TEST(s.expect_nothing());
    s.advance(Duration::microseconds(50));
    s.inject(In(A, 1, 1 + 4 * kSmss));
    BOOST_TEST(s.expect_nothing());
    s.advance(Duration::microseconds(150));
    s.inject(In(A, 1, 1 + 10 * kSmss));
    s.advance_ms(5000);
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_events(Event::tcp_retransmits, 1));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(dsack_reports_duplicates_below_rcv_nxt) {
    // RFC 2883 §4: an ACK answering a duplicate segment reports the contiguous sequence
    // received twice as the first block of its SACK option; each duplicate is reported
    // once, in the ACK it draws.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(P | A, 1, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001).no_sack()));
    // Entirely below RCV.NXT: dropped, ACKed, the D-SACK block is the whole segment.
    s.inject(In(P | A, 1, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001).sack(1, 1001)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.expect_drops(DropReason::tcp_duplicate, 1));
    // The next ACK no longer carries it.
    s.inject(In(P | A, 1001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 2001).no_sack()));
    // Partly duplicate: the part below RCV.NXT, 1501:2001, is reported;
    // the rest is delivered once.
    s.inject(In(P | A, 1501, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 2501).sack(1501, 2001)));
    BOOST_TEST(s.expect_nothing());
    s.inject(In(P | A, 2501, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 3001).no_sack()));
    BOOST_TEST((s.app().received == peer_bytes(0, 3000)));
    // Twice the same duplicate: reported twice, once per ACK.
    s.inject(In(P | A, 2501, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 3001).sack(2501, 3001)));
    s.inject(In(P | A, 2501, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 3001).sack(2501, 3001)));
    // A duplicate FIN alone carries no data: no D-SACK block.
    s.inject(In(F | A, 3001, 1));
    BOOST_TEST(s.expect(Out(A, 1, 3002).no_sack()));
    s.inject(In(F | A, 3001, 1));
    BOOST_TEST(s.expect(Out(A, 1, 3002).no_sack()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(dsack_first_then_sack_blocks) {
    // RFC 2883 §4: with out-of-order data held, the D-SACK block comes first, then the
    // ordinary SACK blocks (RFC 2018 §4: the most recent first). Beside timestamps three
    // blocks fit (RFC 2018 §3); the D-SACK block takes one of them.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(P | A, 1, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001)));
    s.inject(In(P | A, 2001, 1, 1000));  // 1001:2001 missing
    BOOST_TEST(s.expect(Out(A, 1, 1001).sack(2001, 3001)));
    // A duplicate of 1:1001: D-SACK first, then the block held.
    s.inject(In(P | A, 1, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001).sack(1, 1001).sack(2001, 3001)));
    // The next ACK: the SACK block alone.
    s.inject(In(P | A, 4001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001).sack(4001, 5001).sack(2001, 3001)));
    s.inject(In(P | A, 6001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001).sack(6001, 7001).sack(4001, 5001).sack(2001, 3001)));
    // Three blocks held and a duplicate of 501:1001: the D-SACK block, then the two most
    // recent SACK blocks; the oldest does not fit.
    s.inject(In(P | A, 501, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 1001).sack(501, 1001).sack(6001, 7001).sack(4001, 5001)));
    // Partly duplicate, filling the hole: 901:1001 reported, the held data delivered up
    // to the next hole.
    s.inject(In(P | A, 901, 1, 1100));
    BOOST_TEST(s.expect(Out(A, 1, 3001).sack(901, 1001).sack(6001, 7001).sack(4001, 5001)));
    s.inject(In(P | A, 3001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 5001).sack(6001, 7001)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST((s.app().received == peer_bytes(0, 5000)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(dsack_of_out_of_order_duplicate) {
    // RFC 2883 §4: a duplicate of data held above RCV.NXT is reported too: the D-SACK
    // block, then as the second block the (possibly larger) SACK block containing it.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(P | A, 1001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1001, 2001)));
    s.inject(In(P | A, 1001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1001, 2001).sack(1001, 2001)));
    BOOST_TEST(s.expect_nothing());
    // A segment overlapping held data adds new bytes: it is held, and the ACK reports the
    // part received twice (RFC 2883 §4.2, partial duplicates), then the grown block.
    s.inject(In(P | A, 1501, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1501, 2001).sack(1001, 2501)));
    BOOST_TEST(s.expect_nothing());
    // The same with the held data at the segment's tail.
    s.inject(In(P | A, 501, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1001, 1501).sack(501, 2501)));
    BOOST_TEST(s.expect_nothing());
    // Spanning held data made of two overlapping segments ([1001,2001) and [1501,2501)):
    // the whole run held twice is reported, and a segment inside their union is a duplicate.
    s.inject(In(P | A, 1201, 1, 1500));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1201, 2501).sack(501, 2701)));
    s.inject(In(P | A, 1801, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1801, 2301).sack(501, 2701)));
    BOOST_TEST(s.expect_nothing());
    // The hole filled: everything delivered once, in order.
    s.inject(In(P | A, 1, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 2701)));
    BOOST_TEST(s.app().received.size() == 2700u);
    BOOST_TEST((s.app().received == peer_bytes(0, 2700)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(dsack_of_in_order_segment_reaching_into_held_data) {
    // RFC 2883 §4.2: a segment at RCV.NXT that reaches into data held out of order brought
    // that part twice: the ACK reports it first, and the stream is delivered once.
    TcpScript s;
    BOOST_REQUIRE(s.establish());
    s.inject(In(P | A, 1001, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(1001, 2001)));
    s.inject(In(P | A, 3001, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 1).sack(3001, 3501).sack(1001, 2001)));
    // 1:1501 fills the hole and repeats 1001:1501; the first held run is reported, the
    // second block stays.
    s.inject(In(P | A, 1, 1, 1500));
    BOOST_TEST(s.expect(Out(A, 1, 2001).sack(1001, 1501).sack(3001, 3501)));
    // 2001:3201 fills the next hole and repeats 3001:3201.
    s.inject(In(P | A, 2001, 1, 1200));
    BOOST_TEST(s.expect(Out(A, 1, 3501).sack(3001, 3201)));
    // A plain in-order segment after it: no D-SACK block.
    s.inject(In(P | A, 3501, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 4001).no_sack()));
    // Repeating data below RCV.NXT and reaching into held data (5001:5501): one D-SACK
    // block per ACK, the part below RCV.NXT (reported first, as Linux does).
    s.inject(In(P | A, 5001, 1, 500));
    BOOST_TEST(s.expect(Out(A, 1, 4001).sack(5001, 5501)));
    s.inject(In(P | A, 3801, 1, 1400));
    BOOST_TEST(s.expect(Out(A, 1, 5501).sack(3801, 4001)));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST((s.app().received == peer_bytes(0, 5500)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_CASE(dsack_needs_sack_permitted) {
    // RFC 2883 §4 builds on RFC 2018: without SACK-permitted on the SYN no SACK option at
    // all, D-SACK included (note_dsack, fill_options).
    TcpScript s;
    BOOST_REQUIRE(s.tcp().listen(TcpScript::kEnginePort, &s.app()));
    s.inject(In(S, 0).mss(1460).ts(5000, 0).ws(7));
    BOOST_TEST(s.expect(Out(S | A, 0, 1).mss(1460).ws(1)));
    BOOST_TEST(!s.last().h.options.sack_permitted);
    s.inject(In(A, 1, 1));
    BOOST_TEST(s.expect_nothing());
    s.inject(In(P | A, 1, 1, 1000));
    BOOST_TEST(s.expect(Out(A, 1, 1001).no_sack()));
    s.inject(In(P | A, 1, 1, 1000));  // entirely duplicate
    BOOST_TEST(s.expect(Out(A, 1, 1001).no_sack()));
    s.inject(In(P | A, 501, 1, 1000));  // partly
    BOOST_TEST(s.expect(Out(A, 1, 1501).no_sack()));
    s.inject(In(P | A, 2501, 1, 500));  // out of order
    BOOST_TEST(s.expect(Out(A, 1, 1501).no_sack()));
    BOOST_TEST(s.expect_nothing());
    BOOST_TEST((s.app().received == peer_bytes(0, 1500)));
    BOOST_TEST(s.clean());
}

BOOST_AUTO_TEST_SUITE_END()
