#include "stack/quic/loss_detection.h"

#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

namespace {

constexpr uint64_t kMs = kNanosPerMilli;
constexpr auto kInitial = PacketNumberSpace::initial;
constexpr auto kHandshake = PacketNumberSpace::handshake;
constexpr auto kApp = PacketNumberSpace::application;

// Records what loss detection tells the congestion controller, in order.
class RecordingCc final : public CongestionController {
public:
    RecordingCc() : CongestionController(1200) {}
    void on_packets_acked(uint64_t, std::span<const AckedPacket> packets, const RttEstimator&) override {
        for (const AckedPacket& p : packets) {
            acked_bytes += p.bytes;
        }
        log += 'A';
    }
    void on_congestion_event(uint64_t, uint64_t sent_time_of_last_loss_ns) override {
        last_loss_sent = sent_time_of_last_loss_ns;
        log += 'L';
    }
    void on_persistent_congestion(uint64_t) override {
        ++persistent;
        log += 'P';
    }
    void reset() override { log += 'R'; }
    const char* name() const override { return "recording"; }

    std::string log;
    uint64_t acked_bytes = 0;
    uint64_t last_loss_sent = 0;
    int persistent = 0;
};

LossDetectionConfig config(Role role, size_t capacity) {
    LossDetectionConfig c;
    c.role = role;
    c.max_sent_packets = capacity;
    return c;
}

// An ACK frame as the wire would carry it (the frame refers to this object's bytes).
class Ack {
public:
    Ack(std::initializer_list<AckInterval> largest_first) {
        const std::vector<AckInterval> ivs(largest_first);
        WireWriter w(m_buf);
        BOOST_REQUIRE(write_ack(w, ivs, 0, ivs.size()));
        WireReader r(w.written());
        BOOST_REQUIRE(parse_frame(r, m_frame) == TransportError::no_error);
    }
    Ack(const Ack&) = delete;
    const AckFrame& frame() const { return m_frame.ack; }

private:
    uint8_t m_buf[256];
    Frame m_frame;
};

struct Harness final : RecoveryEvents {
    explicit Harness(Role role = Role::server, size_t capacity = 64) : ld(config(role, capacity), cc, *this) {}

    void on_packet_acked(PacketNumberSpace, const SentPacket& p) override { acked.push_back(p.token); }
    void on_packet_lost(PacketNumberSpace, const SentPacket& p) override { lost.push_back(p.token); }
    void on_packet_discarded(PacketNumberSpace, const SentPacket& p) override { discarded.push_back(p.token); }

    // Token: the packet number, plus 1000 per space.
    bool send(PacketNumberSpace space, uint64_t pn, uint64_t time_ns, bool ack_eliciting = true,
              uint32_t bytes = 1200) {
        SentPacket p;
        p.packet_number = PacketNumber(pn);
        p.time_sent_ns = time_ns;
        p.bytes = bytes;
        p.token = uint32_t(pn + 1000 * index_of(space));
        p.ack_eliciting = ack_eliciting;
        p.in_flight = ack_eliciting;  // ACK-only packets are not in flight
        return ld.on_packet_sent(space, p);
    }
    TransportError ack(PacketNumberSpace space, std::initializer_list<AckInterval> ivs, uint64_t now_ns,
                       uint64_t delay_ns = 0) {
        const Ack a(ivs);
        return ld.on_ack_received(space, a.frame(), delay_ns, now_ns);
    }
    // An RTT of `rtt` from one Application Data packet (number 0, sent at 0), handshake
    // confirmed first: smoothed_rtt = rtt, rttvar = rtt / 2.
    void prime(uint64_t rtt) {
        ld.on_handshake_confirmed(0);
        send(kApp, 0, 0);
        BOOST_REQUIRE(ack(kApp, {{0, 0}}, rtt) == TransportError::no_error);
        acked.clear();
        cc.log.clear();
    }

    RecordingCc cc;
    LossDetection ld;
    std::vector<uint32_t> acked, lost, discarded;
};

using Tokens = std::vector<uint32_t>;

}  // namespace

BOOST_AUTO_TEST_SUITE(loss_detection)

BOOST_AUTO_TEST_CASE(acknowledged_packets_leave_flight_and_return_their_tokens) {
    Harness h;
    h.send(kApp, 0, 0);
    h.send(kApp, 1, 0, false, 60);  // ACK only: not in flight
    h.send(kApp, 2, 0);
    h.send(kApp, 3, 0);
    BOOST_TEST(h.ld.bytes_in_flight() == 3600u);
    BOOST_TEST(h.ack(kApp, {{2, 3}, {0, 0}}, 10 * kMs) == TransportError::no_error);
    BOOST_TEST((h.acked == Tokens{2000, 2002, 2003}));
    BOOST_TEST(h.ld.bytes_in_flight() == 0u);
    BOOST_TEST(h.cc.acked_bytes == 3600u);
    BOOST_TEST(h.ld.largest_acked(kApp).raw() == 3u);
    // Acknowledged again: nothing new.
    BOOST_TEST(h.ack(kApp, {{0, 3}}, 11 * kMs) == TransportError::no_error);
    BOOST_TEST((h.acked == Tokens{2000, 2002, 2003, 2001}));
    BOOST_TEST(h.cc.acked_bytes == 3600u);  // the ACK-only packet is not congestion controlled
    BOOST_TEST(h.ld.sent(kApp).slot_count() == 0u);
}

// RFC 9000 §13.1: acknowledging what was never sent.
BOOST_AUTO_TEST_CASE(ack_of_an_unsent_packet_is_a_protocol_violation) {
    Harness h;
    BOOST_TEST(h.ack(kApp, {{0, 0}}, 0) == TransportError::protocol_violation);
    h.send(kApp, 0, 0);
    h.send(kApp, 1, 0);
    BOOST_TEST(h.ack(kApp, {{2, 2}}, 0) == TransportError::protocol_violation);
    BOOST_TEST(h.ack(kHandshake, {{0, 0}}, 0) == TransportError::protocol_violation);
    BOOST_TEST(h.ack(kApp, {{1, 1}}, 0) == TransportError::no_error);
}

// RFC 9002 §5.1: a sample only when the largest acknowledged is newly acknowledged and an
// ack-eliciting packet is among the newly acknowledged.
BOOST_AUTO_TEST_CASE(rtt_samples_follow_section_5_1) {
    Harness h;
    h.ld.on_handshake_confirmed(0);
    h.send(kApp, 0, 0);
    h.ack(kApp, {{0, 0}}, 100 * kMs);
    BOOST_TEST(h.ld.rtt().latest_rtt() == 100 * kMs);
    h.send(kApp, 1, 200 * kMs, false);  // ACK only
    h.ack(kApp, {{0, 1}}, 400 * kMs);
    BOOST_TEST(h.ld.rtt().latest_rtt() == 100 * kMs);  // only a non-eliciting packet newly acked
    h.send(kApp, 2, 500 * kMs);
    h.send(kApp, 3, 510 * kMs);
    h.ack(kApp, {{3, 3}}, 600 * kMs);
    BOOST_TEST(h.ld.rtt().latest_rtt() == 90 * kMs);
    h.ack(kApp, {{2, 3}}, 700 * kMs);
    BOOST_TEST(h.ld.rtt().latest_rtt() == 90 * kMs);  // the largest was acknowledged before
}

// RFC 9002 §5.3: the peer's ack delay comes off the sample, but not in Initial ACKs.
BOOST_AUTO_TEST_CASE(ack_delay_adjusts_samples_except_in_initial) {
    for (PacketNumberSpace space : {kInitial, kHandshake}) {
        Harness h;
        h.send(space, 0, 0);
        h.ack(space, {{0, 0}}, 100 * kMs);
        h.send(space, 1, 1000 * kMs);
        h.ack(space, {{1, 1}}, 1140 * kMs, 20 * kMs);
        const uint64_t adjusted = space == kInitial ? 140 * kMs : 120 * kMs;
        BOOST_TEST(h.ld.rtt().smoothed_rtt() == (7 * 100 * kMs + adjusted) / 8);
    }
}

// RFC 9002 §6.1.1: kPacketThreshold = 3.
BOOST_AUTO_TEST_CASE(packet_threshold_declares_loss_three_behind) {
    Harness h;
    h.prime(80 * kMs);
    for (uint64_t pn = 1; pn <= 4; ++pn) {
        h.send(kApp, pn, 1000 * kMs + pn * kMs);
    }
    h.ack(kApp, {{4, 4}}, 1010 * kMs);
    BOOST_TEST((h.lost == Tokens{2001}));  // 4 >= 1 + 3; 2 and 3 are not yet
    BOOST_TEST(h.cc.last_loss_sent == 1001 * kMs);
    BOOST_TEST(h.cc.log == "LA");  // losses reported before the acknowledgments
    h.send(kApp, 5, 1011 * kMs);
    h.ack(kApp, {{5, 5}}, 1020 * kMs);
    BOOST_TEST((h.lost == Tokens{2001, 2002}));
    BOOST_TEST(h.ld.bytes_in_flight() == 1200u);  // packet 3
    // 3 is not lost, but a loss timer runs for it rather than a PTO.
    BOOST_TEST(h.ld.timer() == 1003 * kMs + h.ld.rtt().loss_delay());
}

// RFC 9002 §6.1.2: lost once 9/8 * max(smoothed_rtt, latest_rtt) has passed since it was
// sent, the timer set for exactly then.
BOOST_AUTO_TEST_CASE(time_threshold_at_exactly_nine_eighths_rtt) {
    Harness h;
    h.prime(80 * kMs);  // loss delay 90 ms
    h.send(kApp, 1, 1000 * kMs);
    h.send(kApp, 2, 1010 * kMs, false);  // ACK only: its acknowledgment gives no RTT sample
    h.ack(kApp, {{2, 2}}, 1050 * kMs);
    BOOST_TEST(h.lost.empty());
    BOOST_TEST(h.ld.rtt().loss_delay() == 90 * kMs);
    BOOST_TEST(h.ld.timer() == 1090 * kMs);
    BOOST_TEST((h.ld.on_timeout(1090 * kMs - 1).action == TimeoutAction::none));
    BOOST_TEST(h.lost.empty());
    const LossTimeout t = h.ld.on_timeout(1090 * kMs);
    BOOST_TEST((t.action == TimeoutAction::packets_lost));
    BOOST_TEST((t.space == kApp));
    BOOST_TEST((h.lost == Tokens{2001}));
    BOOST_TEST(h.ld.timer() == kNoDeadline);  // nothing left in flight
    // Declared by the ACK itself when it arrives late enough.
    Harness late;
    late.prime(80 * kMs);
    late.send(kApp, 1, 1000 * kMs);
    late.send(kApp, 2, 1001 * kMs, false);
    late.ack(kApp, {{2, 2}}, 1089 * kMs);
    BOOST_TEST(late.lost.empty());
    late.send(kApp, 3, 1089 * kMs, false);
    late.ack(kApp, {{3, 3}}, 1090 * kMs);
    BOOST_TEST((late.lost == Tokens{2001}));
}

// RFC 9002 §6.2.1: smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay, doubled at
// each expiry, back to one on an acknowledgment.
BOOST_AUTO_TEST_CASE(pto_backs_off_and_resets) {
    Harness h;
    h.prime(100 * kMs);  // PTO 100 + 200 + 25 = 325 ms
    h.send(kApp, 1, 1000 * kMs);
    BOOST_TEST(h.ld.timer() == 1325 * kMs);
    BOOST_TEST((h.ld.on_timeout(1324 * kMs).action == TimeoutAction::none));
    LossTimeout t = h.ld.on_timeout(1325 * kMs);
    BOOST_TEST((t.action == TimeoutAction::probe));
    BOOST_TEST((t.space == kApp));
    BOOST_TEST(h.lost.empty());  // §6.2: a PTO declares nothing lost
    BOOST_TEST(h.ld.pto_count() == 1u);
    BOOST_TEST(h.ld.timer() == 1000 * kMs + 2 * 325 * kMs);
    t = h.ld.on_timeout(1650 * kMs);
    BOOST_TEST(h.ld.pto_count() == 2u);
    BOOST_TEST(h.ld.timer() == 1000 * kMs + 4 * 325 * kMs);
    // The probe goes out; the timer restarts from it, still backed off.
    h.send(kApp, 2, 1700 * kMs);
    BOOST_TEST(h.ld.timer() == 1700 * kMs + 4 * 325 * kMs);
    h.ack(kApp, {{2, 2}}, 1800 * kMs);
    BOOST_TEST(h.ld.pto_count() == 0u);
    BOOST_TEST((h.lost == Tokens{2001}));  // by time: sent 800 ms before, over 9/8 RTT
    h.send(kApp, 3, 2000 * kMs);
    BOOST_TEST(h.ld.timer() == 2000 * kMs + h.ld.rtt().pto_base() + 25 * kMs);
}

// RFC 9002 §6.2.1: no max_ack_delay for Initial and Handshake, the earlier space wins,
// and no Application Data PTO before the handshake is confirmed.
BOOST_AUTO_TEST_CASE(pto_per_space_and_application_data_after_confirmation) {
    Harness h;  // server: no anti-deadlock timer
    h.send(kApp, 0, 0);
    BOOST_TEST(h.ld.timer() == kNoDeadline);
    h.send(kHandshake, 0, 10 * kMs);
    BOOST_TEST(h.ld.timer() == 1009 * kMs);  // 333 + 4 * 166.5 ms
    h.send(kInitial, 0, 5 * kMs);
    BOOST_TEST(h.ld.timer() == 1004 * kMs);
    LossTimeout t = h.ld.on_timeout(1004 * kMs);
    BOOST_TEST((t.space == kInitial));
    // The backoff applies across spaces.
    BOOST_TEST(h.ld.timer() == 5 * kMs + 2 * 999 * kMs);
    h.ld.discard_space(kInitial, 1100 * kMs);
    BOOST_TEST(h.ld.pto_count() == 0u);
    BOOST_TEST(h.ld.timer() == 1009 * kMs);
    h.ld.discard_space(kHandshake, 1200 * kMs);
    BOOST_TEST(h.ld.timer() == kNoDeadline);  // only Application Data, not confirmed
    h.ld.on_handshake_confirmed(1300 * kMs);
    BOOST_TEST(h.ld.timer() == 999 * kMs + 25 * kMs);  // in the past: fires at once
    t = h.ld.on_timeout(1300 * kMs);
    BOOST_TEST((t.action == TimeoutAction::probe));
    BOOST_TEST((t.space == kApp));
}

// RFC 9002 §6.2.2.1: a client keeps a PTO armed with nothing in flight until it knows the
// server validated its address, probing with Handshake (or padded Initial) packets, and
// does not reset the backoff on Initial ACKs.
BOOST_AUTO_TEST_CASE(client_anti_deadlock_probe) {
    Harness h(Role::client);
    h.send(kInitial, 0, 0);
    h.ack(kInitial, {{0, 0}}, 100 * kMs);
    BOOST_TEST(h.ld.ack_eliciting_in_flight(kInitial) == 0u);
    BOOST_TEST(!h.ld.peer_completed_address_validation());
    BOOST_TEST(h.ld.timer() == 100 * kMs + 300 * kMs);
    LossTimeout t = h.ld.on_timeout(400 * kMs);
    BOOST_TEST((t.action == TimeoutAction::anti_deadlock_probe));
    BOOST_TEST((t.space == kInitial));
    BOOST_TEST(h.ld.timer() == 400 * kMs + 600 * kMs);
    h.ld.set_has_handshake_keys(true);
    t = h.ld.on_timeout(1000 * kMs);
    BOOST_TEST((t.action == TimeoutAction::anti_deadlock_probe));
    BOOST_TEST((t.space == kHandshake));
    BOOST_TEST(h.ld.pto_count() == 2u);
    h.send(kInitial, 1, 1000 * kMs);
    h.ack(kInitial, {{1, 1}}, 1100 * kMs);
    BOOST_TEST(h.ld.pto_count() == 2u);  // an Initial ACK keeps the backoff
    h.send(kHandshake, 0, 1200 * kMs);
    h.ack(kHandshake, {{0, 0}}, 1300 * kMs);
    BOOST_TEST(h.ld.peer_completed_address_validation());
    BOOST_TEST(h.ld.pto_count() == 0u);
    BOOST_TEST(h.ld.timer() == kNoDeadline);
}

// RFC 9002 §6.2.2.1: a server at its anti-amplification limit arms no PTO.
BOOST_AUTO_TEST_CASE(server_at_amplification_limit_arms_no_pto) {
    Harness h;
    h.send(kInitial, 0, 0);
    BOOST_TEST(h.ld.timer() == 999 * kMs);
    h.ld.set_at_amplification_limit(true, 10 * kMs);
    BOOST_TEST(h.ld.timer() == kNoDeadline);
    h.ld.set_at_amplification_limit(false, 2000 * kMs);
    BOOST_TEST(h.ld.timer() == 999 * kMs);  // in the past: the caller runs it now (A.6)
    BOOST_TEST((h.ld.on_timeout(2000 * kMs).action == TimeoutAction::probe));
}

// RFC 9002 §6.4: discarded keys take the space's packets out of bytes in flight.
BOOST_AUTO_TEST_CASE(discarding_a_space_removes_its_bytes_in_flight) {
    Harness h;
    h.send(kInitial, 0, 0);
    h.send(kInitial, 1, 1 * kMs, true, 1000);
    h.send(kInitial, 2, 2 * kMs, false, 50);
    h.send(kHandshake, 0, 3 * kMs);
    BOOST_TEST(h.ld.bytes_in_flight() == 3400u);
    h.ld.discard_space(kInitial, 10 * kMs);
    BOOST_TEST(h.ld.bytes_in_flight() == 1200u);
    BOOST_TEST((h.discarded == Tokens{0, 1, 2}));
    BOOST_TEST(h.lost.empty());
    BOOST_TEST(!h.ld.can_send_in(kInitial));
    BOOST_TEST(!h.send(kInitial, 3, 11 * kMs));
    BOOST_TEST(h.ack(kInitial, {{0, 0}}, 12 * kMs) == TransportError::no_error);  // ignored
    BOOST_TEST(h.acked.empty());
    BOOST_TEST(h.ld.timer() == 1002 * kMs);
    // Rejected 0-RTT: Application Data is emptied but 1-RTT packets continue its numbering.
    h.send(kApp, 0, 20 * kMs);
    h.ld.discard_space(kApp, 30 * kMs);
    BOOST_TEST(h.ld.can_send_in(kApp));
    BOOST_TEST(h.send(kApp, 1, 40 * kMs));
}

// RFC 9002 §6.3: after a Retry nothing sent was processed; recovery starts over, with the
// RTT measured to the Retry, and packet numbers continue.
BOOST_AUTO_TEST_CASE(retry_restarts_recovery) {
    Harness h(Role::client);
    h.send(kInitial, 0, 1000 * kMs);
    h.send(kInitial, 1, 1001 * kMs);
    h.send(kApp, 0, 1002 * kMs);  // 0-RTT
    h.ld.on_timeout(h.ld.timer());
    BOOST_TEST(h.ld.pto_count() == 1u);
    h.ld.restart_after_retry(1030 * kMs);
    BOOST_TEST((h.discarded == Tokens{0, 1, 2000}));
    BOOST_TEST(h.lost.empty());
    BOOST_TEST(h.ld.bytes_in_flight() == 0u);
    BOOST_TEST(h.ld.pto_count() == 0u);
    BOOST_TEST(h.cc.log == "R");
    BOOST_TEST(!h.ld.rtt().has_sample());
    BOOST_TEST(h.ld.rtt().smoothed_rtt() == 30 * kMs);
    BOOST_TEST(!h.send(kInitial, 1, 1031 * kMs));  // numbers are not reused
    BOOST_TEST(h.send(kInitial, 2, 1031 * kMs));
    BOOST_TEST(h.ld.timer() == 1031 * kMs + 30 * kMs + 4 * 15 * kMs);
}

BOOST_AUTO_TEST_CASE(a_full_space_refuses_packets_until_resolved) {
    Harness h(Role::server, 4);
    for (uint64_t pn = 0; pn < 4; ++pn) {
        BOOST_TEST(h.send(kApp, pn, pn * kMs));
    }
    BOOST_TEST(!h.ld.can_send_in(kApp));
    BOOST_TEST(!h.send(kApp, 4, 5 * kMs));
    h.ack(kApp, {{1, 1}}, 10 * kMs);
    BOOST_TEST(!h.ld.can_send_in(kApp));  // packet 0 still holds the oldest slot
    h.ack(kApp, {{0, 1}}, 11 * kMs);
    BOOST_TEST(h.ld.can_send_in(kApp));
    BOOST_TEST(h.send(kApp, 4, 12 * kMs));
}

// RFC 9002 §7.6: persistent congestion is two ack-eliciting packets lost, sent more than
// (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay) * 3 apart, nothing between
// them acknowledged, both sent after the first RTT sample.
namespace {

constexpr uint64_t kDuration = (100 + 200 + 25) * 3 * kMs;  // RTT 100 ms, max_ack_delay 25

// Packet 1 at 200 ms, packet 2 `span` later (both ack-eliciting), then ACK-only packets
// 3-5; the ACK of 5 declares 1 and 2 lost by packet threshold without an RTT sample.
int persistent_after(uint64_t span) {
    Harness h;
    h.prime(100 * kMs);
    BOOST_REQUIRE(h.ld.persistent_congestion_duration() == kDuration);
    h.send(kApp, 1, 200 * kMs);
    h.send(kApp, 2, 200 * kMs + span);
    for (uint64_t pn = 3; pn <= 5; ++pn) {
        h.send(kApp, pn, 200 * kMs + span + pn * kMs, false);
    }
    h.ack(kApp, {{5, 5}}, 200 * kMs + span + 50 * kMs);
    BOOST_REQUIRE((h.lost == Tokens{2001, 2002}));
    BOOST_REQUIRE(h.cc.log[0] == 'L');
    return h.cc.persistent;
}

}  // namespace

BOOST_AUTO_TEST_CASE(persistent_congestion_duration_must_be_exceeded) {
    BOOST_TEST(persistent_after(kDuration + 1) == 1);
    BOOST_TEST(persistent_after(kDuration) == 0);
    BOOST_TEST(persistent_after(kDuration / 2) == 0);
}

BOOST_AUTO_TEST_CASE(persistent_congestion_is_reported_and_restarts_min_rtt) {
    Harness h;
    h.prime(100 * kMs);
    h.send(kApp, 1, 150 * kMs);
    h.ack(kApp, {{1, 1}}, 350 * kMs);  // latest_rtt 200 ms, min_rtt 100 ms
    BOOST_TEST(h.ld.rtt().min_rtt() == 100 * kMs);
    const uint64_t d = h.ld.persistent_congestion_duration();
    BOOST_TEST(d == (h.ld.rtt().smoothed_rtt() + 4 * h.ld.rtt().rttvar() + 25 * kMs) * 3);
    h.cc.log.clear();
    h.send(kApp, 2, 400 * kMs);
    h.send(kApp, 3, 400 * kMs + d + 1);
    for (uint64_t pn = 4; pn <= 6; ++pn) {
        h.send(kApp, pn, 400 * kMs + d + pn * kMs, false);
    }
    h.ack(kApp, {{6, 6}}, 400 * kMs + d + 50 * kMs);
    BOOST_TEST((h.lost == Tokens{2002, 2003}));
    BOOST_TEST(h.cc.log == "LP");  // no in-flight packet acknowledged: no 'A'
    BOOST_TEST(h.ld.rtt().min_rtt() == 200 * kMs);  // §5.2
}

BOOST_AUTO_TEST_CASE(persistent_congestion_needs_nothing_acknowledged_between) {
    for (bool ack_between : {false, true}) {
        Harness h;
        h.prime(100 * kMs);
        h.send(kApp, 1, 200 * kMs);
        h.send(kApp, 2, 600 * kMs, false);  // ACK only, sent between
        h.send(kApp, 3, 200 * kMs + kDuration + 1);
        for (uint64_t pn = 4; pn <= 6; ++pn) {
            h.send(kApp, pn, 1200 * kMs + pn * kMs, false);
        }
        if (ack_between) {
            h.ack(kApp, {{6, 6}, {2, 2}}, 1250 * kMs);
            BOOST_TEST((h.lost == Tokens{2001, 2003}));
        } else {
            h.ack(kApp, {{6, 6}}, 1250 * kMs);
            BOOST_TEST((h.lost == Tokens{2001, 2002, 2003}));
        }
        BOOST_TEST(h.cc.persistent == (ack_between ? 0 : 1));
    }
}

BOOST_AUTO_TEST_CASE(persistent_congestion_ignores_packets_sent_before_the_first_rtt_sample) {
    for (bool before_sample : {false, true}) {
        Harness h;
        h.ld.on_handshake_confirmed(0);
        h.send(kApp, 0, 0);
        const uint64_t first_sent = before_sample ? 50 * kMs : 150 * kMs;
        if (before_sample) {
            h.send(kApp, 1, first_sent);
        }
        h.ack(kApp, {{0, 0}}, 100 * kMs);  // the first sample: RTT 100 ms
        if (!before_sample) {
            h.send(kApp, 1, first_sent);
        }
        h.send(kApp, 2, first_sent + kDuration + 1);
        h.send(kApp, 3, first_sent + kDuration + 2);
        for (uint64_t pn = 4; pn <= 6; ++pn) {
            h.send(kApp, pn, first_sent + kDuration + 2 + pn * kMs, false);
        }
        h.ack(kApp, {{6, 6}}, first_sent + kDuration + 20 * kMs);
        BOOST_TEST((h.lost == Tokens{2001, 2002, 2003}));
        BOOST_TEST(h.cc.persistent == (before_sample ? 0 : 1));
    }
}

BOOST_AUTO_TEST_SUITE_END()
