#include "stack/tcp/newreno.h"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>

#include "stack/tcp/cubic.h"
#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

constexpr uint32_t kSmss = 1000;
constexpr Instant kT0{1'000'000'000};
constexpr Duration kRtt = Duration::milliseconds(50);

// One ACK of `bytes` from a sender that keeps the window full.
void ack(CongestionControl& cc, uint32_t bytes) { cc.on_ack(kT0, bytes, cc.cwnd(), kRtt); }

// A round trip's worth of one-segment ACKs: one per segment of the window at its start.
void ack_round(CongestionControl& cc) {
    const uint32_t n = cc.cwnd() / kSmss;
    for (uint32_t i = 0; i < n; ++i) {
        ack(cc, kSmss);
    }
}

// Takes a fresh NewReno out of slow start to cwnd = ssthresh = `w` bytes: a
// fast-recovery episode from a flight of 2w.
void to_ssthresh(NewReno& cc, uint32_t w) {
    cc.on_enter_recovery(kT0, 2 * w);
    cc.on_exit_recovery(kT0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(newreno)

BOOST_AUTO_TEST_CASE(initial_window_and_infinite_ssthresh) {
    NewReno cc(kSmss);
    BOOST_TEST(cc.cwnd() == 10 * kSmss);  // RFC 6928
    BOOST_TEST(cc.ssthresh() == kInfiniteSsthresh);
    BOOST_TEST(cc.in_slow_start());
    BOOST_TEST(!cc.in_recovery());
    BOOST_TEST(std::strcmp(cc.name(), "newreno") == 0);
    BOOST_TEST(NewReno(kSmss, 4).cwnd() == 4 * kSmss);
    BOOST_TEST(NewReno(kSmss, 0).cwnd() == kSmss);
    BOOST_TEST(NewReno(0, 10).cwnd() == 10u);  // a zero SMSS is treated as 1 byte
}

BOOST_AUTO_TEST_CASE(slow_start_grows_by_bytes_acked) {
    NewReno cc(kSmss);
    ack(cc, kSmss);
    BOOST_TEST(cc.cwnd() == 11 * kSmss);
    ack(cc, 500);
    BOOST_TEST(cc.cwnd() == 11 * kSmss + 500);
    // A round of per-segment ACKs doubles the window.
    NewReno r(kSmss);
    ack_round(r);
    BOOST_TEST(r.cwnd() == 20 * kSmss);
    ack_round(r);
    BOOST_TEST(r.cwnd() == 40 * kSmss);
}

BOOST_AUTO_TEST_CASE(abc_limits_slow_start_to_two_smss_per_ack) {
    NewReno cc(kSmss);
    ack(cc, 2 * kSmss);  // a delayed ACK: full credit
    BOOST_TEST(cc.cwnd() == 12 * kSmss);
    ack(cc, 8 * kSmss);  // a stretch ACK: L = 2 SMSS (RFC 3465 §2.3)
    BOOST_TEST(cc.cwnd() == 14 * kSmss);
    ack(cc, 2 * kSmss + 1);
    BOOST_TEST(cc.cwnd() == 16 * kSmss);
}

BOOST_AUTO_TEST_CASE(congestion_avoidance_adds_one_smss_per_window_acked) {
    NewReno cc(kSmss);
    to_ssthresh(cc, 10 * kSmss);
    BOOST_TEST(cc.cwnd() == 10 * kSmss);
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);
    BOOST_TEST(!cc.in_slow_start());
    for (uint32_t round = 1; round <= 5; ++round) {
        const uint32_t start = cc.cwnd();
        const uint32_t n = start / kSmss;
        for (uint32_t i = 1; i < n; ++i) {
            ack(cc, kSmss);
            BOOST_TEST(cc.cwnd() == start, "round " << round << " ack " << i);
        }
        ack(cc, kSmss);  // the window's worth of bytes: +1 SMSS (RFC 5681 §3.1)
        BOOST_TEST(cc.cwnd() == start + kSmss, "round " << round);
    }
    BOOST_TEST(cc.cwnd() == 15 * kSmss);
}

BOOST_AUTO_TEST_CASE(congestion_avoidance_matches_the_per_ack_formula_over_time) {
    // RFC 5681 eq. 3, cwnd += SMSS*SMSS/cwnd per ACK, grows by about one SMSS per
    // RTT; byte counting must agree to within a segment over many rounds.
    NewReno cc(kSmss);
    to_ssthresh(cc, 20 * kSmss);
    double eq3 = 20 * kSmss;
    for (int round = 0; round < 50; ++round) {
        const uint32_t n = cc.cwnd() / kSmss;
        for (uint32_t i = 0; i < n; ++i) {
            ack(cc, kSmss);
            eq3 += double(kSmss) * kSmss / eq3;
        }
    }
    BOOST_TEST(cc.cwnd() == 70 * kSmss);
    BOOST_TEST(std::abs(double(cc.cwnd()) - eq3) <= kSmss);
}

BOOST_AUTO_TEST_CASE(slow_start_stops_at_ssthresh_and_counts_the_rest) {
    NewReno cc(kSmss);
    cc.on_rto(kT0, 19 * kSmss);  // ssthresh 9500, cwnd 1 SMSS
    BOOST_TEST(cc.ssthresh() == 9500u);
    for (int i = 0; i < 8; ++i) {
        ack(cc, kSmss);
    }
    BOOST_TEST(cc.cwnd() == 9 * kSmss);
    ack(cc, kSmss);  // 500 bytes reach ssthresh, 500 count for congestion avoidance
    BOOST_TEST(cc.cwnd() == 9500u);
    BOOST_TEST(!cc.in_slow_start());
    for (int i = 0; i < 8; ++i) {
        ack(cc, kSmss);
    }
    BOOST_TEST(cc.cwnd() == 9500u);  // 8500 counted
    ack(cc, kSmss);                   // 9500: one window
    BOOST_TEST(cc.cwnd() == 10500u);
}

BOOST_AUTO_TEST_CASE(slow_start_after_rto_grows_one_smss_per_ack) {
    NewReno cc(kSmss);
    cc.on_rto(kT0, 40 * kSmss);
    BOOST_TEST(cc.cwnd() == kSmss);
    ack(cc, 2 * kSmss);  // RFC 3465 §2.3: L = 1 SMSS after an RTO
    BOOST_TEST(cc.cwnd() == 2 * kSmss);
    ack(cc, 2 * kSmss);
    BOOST_TEST(cc.cwnd() == 3 * kSmss);
}

BOOST_AUTO_TEST_CASE(fast_retransmit_halves_the_flight_and_inflates_by_three) {
    NewReno cc(kSmss);
    ack_round(cc);  // 20 segments
    BOOST_TEST(cc.cwnd() == 20 * kSmss);
    cc.on_enter_recovery(kT0, 20 * kSmss);
    BOOST_TEST(cc.in_recovery());
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);  // max(FlightSize / 2, 2 SMSS)
    BOOST_TEST(cc.cwnd() == 13 * kSmss);      // ssthresh + 3 SMSS
    BOOST_TEST(!cc.in_slow_start());
    // The flight, not cwnd, sets ssthresh (RFC 5681 eq. 4).
    NewReno small(kSmss);
    small.on_enter_recovery(kT0, 3 * kSmss);
    BOOST_TEST(small.ssthresh() == 2 * kSmss);
    BOOST_TEST(small.cwnd() == 5 * kSmss);
    NewReno odd(kSmss);
    odd.on_enter_recovery(kT0, 9001);
    BOOST_TEST(odd.ssthresh() == 4500u);
}

BOOST_AUTO_TEST_CASE(duplicate_acks_inflate_during_recovery) {
    NewReno cc(kSmss);
    cc.on_enter_recovery(kT0, 20 * kSmss);
    for (uint32_t i = 1; i <= 4; ++i) {
        cc.on_ack(kT0, 0, 20 * kSmss, Duration{});
        BOOST_TEST(cc.cwnd() == (13 + i) * kSmss);
    }
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);
}

BOOST_AUTO_TEST_CASE(partial_acks_deflate_during_recovery) {
    NewReno cc(kSmss);
    cc.on_enter_recovery(kT0, 20 * kSmss);
    for (int i = 0; i < 3; ++i) {
        cc.on_ack(kT0, 0, 20 * kSmss, Duration{});
    }
    BOOST_TEST(cc.cwnd() == 16 * kSmss);
    // RFC 6582 §3.2 partial ACKs: minus the bytes acknowledged, plus one SMSS if at least
    // one SMSS was acknowledged.
    cc.on_ack(kT0, 4 * kSmss, 20 * kSmss, Duration{});
    BOOST_TEST(cc.cwnd() == 13 * kSmss);
    cc.on_ack(kT0, 500, 16 * kSmss, Duration{});
    BOOST_TEST(cc.cwnd() == 12500u);
    cc.on_ack(kT0, kSmss, 16 * kSmss, Duration{});  // exactly one SMSS: back in full
    BOOST_TEST(cc.cwnd() == 12500u);
    BOOST_TEST(cc.in_recovery());
    // Never below one segment.
    cc.on_ack(kT0, 100 * kSmss, 16 * kSmss, Duration{});
    BOOST_TEST(cc.cwnd() == kSmss);
}

BOOST_AUTO_TEST_CASE(sack_recovery_holds_cwnd_at_ssthresh) {
    // RFC 6675 §5 (4.2): with SACK, cwnd = ssthresh on entry and the pipe estimate, not
    // cwnd, follows the ACKs. A partial ACK of a long hole (100 segments at once) must not
    // deflate cwnd to nothing, as RFC 6582's rule would.
    for (bool cubic : {false, true}) {
        BOOST_TEST_CONTEXT((cubic ? "cubic" : "newreno")) {
            NewReno newreno(kSmss);
            Cubic cubic_cc(kSmss);
            CongestionControl& cc = cubic ? static_cast<CongestionControl&>(cubic_cc) : newreno;
            cc.use_sack_recovery(true);
            cc.on_enter_recovery(kT0, 20 * kSmss);
            const uint32_t ssthresh = cc.ssthresh();
            BOOST_TEST(cc.cwnd() == ssthresh);
            cc.on_ack(kT0, 0, 20 * kSmss, Duration{});  // duplicate ACK: no inflation
            BOOST_TEST(cc.cwnd() == ssthresh);
            cc.on_ack(kT0, 100 * kSmss, 20 * kSmss, kRtt);  // partial ACK: no deflation
            BOOST_TEST(cc.cwnd() == ssthresh);
            BOOST_TEST(cc.in_recovery());
            cc.on_exit_recovery(kT0);
            BOOST_TEST(cc.cwnd() == ssthresh);
        }
    }
}

BOOST_AUTO_TEST_CASE(full_ack_deflates_to_ssthresh) {
    NewReno cc(kSmss);
    cc.on_enter_recovery(kT0, 20 * kSmss);
    for (int i = 0; i < 5; ++i) {
        cc.on_ack(kT0, 0, 20 * kSmss, Duration{});
    }
    cc.on_exit_recovery(kT0);
    BOOST_TEST(!cc.in_recovery());
    BOOST_TEST(cc.cwnd() == 10 * kSmss);
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);
    // Congestion avoidance from there.
    ack_round(cc);
    BOOST_TEST(cc.cwnd() == 11 * kSmss);
    // Outside recovery exit is a no-op.
    cc.on_exit_recovery(kT0);
    BOOST_TEST(cc.cwnd() == 11 * kSmss);
}

BOOST_AUTO_TEST_CASE(one_reduction_per_recovery_episode) {
    NewReno cc(kSmss);
    cc.on_enter_recovery(kT0, 20 * kSmss);
    cc.on_enter_recovery(kT0, 13 * kSmss);
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);
    BOOST_TEST(cc.cwnd() == 13 * kSmss);
}

BOOST_AUTO_TEST_CASE(rto_collapses_to_the_loss_window) {
    NewReno cc(kSmss);
    ack_round(cc);
    cc.on_rto(kT0, 20 * kSmss);
    BOOST_TEST(cc.cwnd() == kSmss);           // LW = 1 SMSS
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);  // RFC 5681 eq. 4
    BOOST_TEST(cc.in_slow_start());
    // The same data timing out again keeps ssthresh, though the flight is now tiny.
    cc.on_rto(kT0, kSmss);
    BOOST_TEST(cc.ssthresh() == 10 * kSmss);
    BOOST_TEST(cc.cwnd() == kSmss);
    // After progress, a new timeout is a new congestion event.
    ack(cc, kSmss);
    cc.on_rto(kT0, 6 * kSmss);
    BOOST_TEST(cc.ssthresh() == 3 * kSmss);
    cc.on_rto(kT0, kSmss);
    BOOST_TEST(cc.ssthresh() == 3 * kSmss);
    NewReno tiny(kSmss);
    tiny.on_rto(kT0, kSmss);
    BOOST_TEST(tiny.ssthresh() == 2 * kSmss);
}

BOOST_AUTO_TEST_CASE(rto_during_recovery_ends_it) {
    NewReno cc(kSmss);
    cc.on_enter_recovery(kT0, 20 * kSmss);
    cc.on_rto(kT0, 16 * kSmss);
    BOOST_TEST(!cc.in_recovery());
    BOOST_TEST(cc.cwnd() == kSmss);
    BOOST_TEST(cc.ssthresh() == 8 * kSmss);
    ack(cc, kSmss);
    BOOST_TEST(cc.cwnd() == 2 * kSmss);  // slow start again, not recovery deflation
}

BOOST_AUTO_TEST_CASE(application_limited_sender_does_not_grow) {
    NewReno cc(kSmss);
    // Less than half the window in flight (RFC 7661): no growth.
    cc.on_ack(kT0, kSmss, 4 * kSmss, kRtt);
    BOOST_TEST(cc.cwnd() == 10 * kSmss);
    cc.on_ack(kT0, kSmss, 5 * kSmss, kRtt);
    BOOST_TEST(cc.cwnd() == 11 * kSmss);
    NewReno ca(kSmss);
    to_ssthresh(ca, 10 * kSmss);
    for (int i = 0; i < 30; ++i) {
        ca.on_ack(kT0, kSmss, 4 * kSmss, kRtt);
    }
    BOOST_TEST(ca.cwnd() == 10 * kSmss);
}

BOOST_AUTO_TEST_CASE(duplicate_acks_outside_recovery_change_nothing) {
    NewReno cc(kSmss);
    cc.on_ack(kT0, 0, cc.cwnd(), Duration{});
    cc.on_ack(kT0, 0, cc.cwnd(), Duration{});
    BOOST_TEST(cc.cwnd() == 10 * kSmss);
    BOOST_TEST(!cc.in_recovery());
}

BOOST_AUTO_TEST_CASE(idle_restart_window) {
    NewReno cc(kSmss);
    ack_round(cc);
    ack_round(cc);
    BOOST_TEST(cc.cwnd() == 40 * kSmss);
    cc.on_idle_restart(kT0);
    BOOST_TEST(cc.cwnd() == 10 * kSmss);  // RW = min(IW, cwnd)
    BOOST_TEST(cc.ssthresh() == kInfiniteSsthresh);
    NewReno low(kSmss);
    low.on_rto(kT0, 20 * kSmss);
    low.on_idle_restart(kT0);
    BOOST_TEST(low.cwnd() == kSmss);
}

BOOST_AUTO_TEST_CASE(window_saturates_at_the_largest_tcp_window) {
    NewReno cc(65535);
    for (int i = 0; i < 10'000; ++i) {
        cc.on_ack(kT0, UINT32_MAX, UINT32_MAX, kRtt);
    }
    BOOST_TEST(cc.cwnd() == kMaxCwnd);
    cc.on_enter_recovery(kT0, UINT32_MAX);
    BOOST_TEST(cc.ssthresh() <= kMaxCwnd);
    BOOST_TEST(cc.cwnd() == kMaxCwnd);
}

BOOST_AUTO_TEST_CASE(factory_slot_and_names) {
    BOOST_TEST((parse_cc_algorithm("newreno") == CcAlgorithm::newreno));
    BOOST_TEST((parse_cc_algorithm("reno") == CcAlgorithm::newreno));
    BOOST_TEST((parse_cc_algorithm("cubic") == CcAlgorithm::cubic));
    BOOST_TEST(!parse_cc_algorithm("bbr").has_value());
    auto heap = make_congestion(CcAlgorithm::newreno, kSmss, 4);
    BOOST_TEST(std::strcmp(heap->name(), "newreno") == 0);
    BOOST_TEST(heap->cwnd() == 4 * kSmss);
    CongestionSlot slot;
    BOOST_TEST(slot.get() == nullptr);
    slot.emplace(CcAlgorithm::cubic, kSmss);
    BOOST_TEST(std::strcmp(slot->name(), "cubic") == 0);
    BOOST_TEST(dynamic_cast<Cubic*>(slot.get()) != nullptr);
    slot.emplace(CcAlgorithm::newreno, kSmss, 2);
    BOOST_TEST(std::strcmp(slot->name(), "newreno") == 0);
    ack(*slot, kSmss);
    BOOST_TEST(slot->cwnd() == 3 * kSmss);
    slot.reset();
    BOOST_TEST(slot.get() == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
