#pragma once
// QUIC loss detection (RFC 9002 §6 and Appendix A) for one connection's path: the sent
// packets of the three packet number spaces, RTT samples from ACK frames, loss by packet
// and time threshold, the probe timeout, and persistent congestion (§7.6), with the
// congestion controller told of every in-flight packet sent, acknowledged and lost.
//
// Sans-I/O: the caller passes `now` in, arms one timer at timer() and calls on_timeout()
// when it fires; acknowledged, lost and discarded packets come back through
// RecoveryEvents with the caller's token. Nothing allocates after construction: each space
// holds at most max_sent_packets unresolved packets (can_send_in() tells when it is full).
#include <cstddef>
#include <cstdint>

#include "stack/quic/congestion.h"
#include "stack/quic/error_code.h"
#include "stack/quic/frame.h"
#include "stack/quic/packet_number_space.h"
#include "stack/quic/rtt.h"
#include "stack/quic/sent_packets.h"
#include "stack/quic/transport_params.h"

namespace slip::stack::quic {

// RFC 9002 §6.1.1: kPacketThreshold.
inline constexpr uint64_t kPacketThreshold = 3;
// RFC 9002 §7.6.1: kPersistentCongestionThreshold.
inline constexpr uint64_t kPersistentCongestionThreshold = 3;

struct LossDetectionConfig {
    Role role = Role::client;
    size_t max_sent_packets = 1024;  // per packet number space
    uint64_t initial_rtt_ns = kInitialRttNs;
    // The peer's max_ack_delay (RFC 9000 §18.2 default until its parameters arrive).
    uint64_t peer_max_ack_delay_ns = 25 * kNanosPerMilli;
};

// What became of sent packets. Called during on_ack_received(), on_timeout() and
// discard_space(); the callee must not call back into LossDetection.
class RecoveryEvents {
public:
    virtual void on_packet_acked(PacketNumberSpace space, const SentPacket& p) = 0;
    // RFC 9002 §6.1: retransmit what it carried, in new packets, if still needed.
    virtual void on_packet_lost(PacketNumberSpace space, const SentPacket& p) = 0;
    // RFC 9002 §6.4: the space's keys are gone; neither acked nor lost.
    virtual void on_packet_discarded(PacketNumberSpace space, const SentPacket& p) {
        (void)space;
        (void)p;
    }

protected:
    ~RecoveryEvents() = default;
};

enum class TimeoutAction : uint8_t {
    none,          // not due (or nothing armed)
    packets_lost,  // time threshold loss: on_packet_lost was called
    // RFC 9002 §6.2.4: send one or two ack-eliciting packets in `space` (new data,
    // else retransmitted data, else a PING); not congestion controlled.
    probe,
    // RFC 9002 §6.2.2.1: the client's anti-deadlock probe, nothing in flight: a Handshake
    // packet, or (no Handshake keys) an Initial padded to 1200 bytes.
    anti_deadlock_probe,
};

struct LossTimeout {
    TimeoutAction action = TimeoutAction::none;
    PacketNumberSpace space = PacketNumberSpace::initial;
};

class LossDetection {
public:
    LossDetection(const LossDetectionConfig& config, CongestionController& cc, RecoveryEvents& events);

    // Whether `space` can record another packet (its ring is not full, its keys not discarded).
    bool can_send_in(PacketNumberSpace space) const;
    // RFC 9002 A.5 OnPacketSent; false when the packet cannot be recorded (do not send it).
    bool on_packet_sent(PacketNumberSpace space, const SentPacket& p);

    // RFC 9002 A.7 OnAckReceived: `ack` parsed from a packet of `space`, `ack_delay_ns` its
    // ACK Delay decoded with the peer's exponent (decode_ack_delay). PROTOCOL_VIOLATION when
    // it acknowledges a packet number not yet sent (RFC 9000 §13.1).
    TransportError on_ack_received(PacketNumberSpace space, const AckFrame& ack, uint64_t ack_delay_ns,
                                   uint64_t now_ns);

    // The loss detection timer (kNoDeadline: not armed).
    uint64_t timer() const { return m_timer_ns; }
    // RFC 9002 A.9 OnLossDetectionTimeout; `none` if the timer is not due at `now_ns`.
    LossTimeout on_timeout(uint64_t now_ns);

    // RFC 9002 §6.4, A.10: the space's keys were discarded (Initial or Handshake; also
    // Application Data when 0-RTT is rejected): its packets leave bytes in flight unresolved.
    void discard_space(PacketNumberSpace space, uint64_t now_ns);
    // RFC 9001 §4.1.2: from now on the Application Data PTO is armed and ack delays are
    // capped at max_ack_delay.
    void on_handshake_confirmed(uint64_t now_ns);
    // Client: the anti-deadlock probe goes in a Handshake packet once these keys exist.
    void set_has_handshake_keys(bool has) { m_has_handshake_keys = has; }
    // Server before address validation (RFC 9002 §6.2.2.1): while it may not send, no PTO
    // is armed. Call with false when a datagram lifts the limit, then on_timeout(now) if
    // timer() has passed (A.6).
    void set_at_amplification_limit(bool at_limit, uint64_t now_ns);
    void set_peer_max_ack_delay(uint64_t ns) { m_peer_max_ack_delay_ns = ns; }
    // RFC 9002 §6.3, a client's Retry: the server received our packets but processed
    // none, so every outstanding one leaves recovery through on_packet_discarded (what it
    // carried must be sent again), timers and PTO backoff start over and the congestion
    // controller is reset. The RTT estimate restarts from the time since the first Initial
    // was sent (§6.3's MAY). Packet numbers continue (RFC 9000 §17.2.5.3).
    void restart_after_retry(uint64_t now_ns);

    uint64_t bytes_in_flight() const;
    size_t ack_eliciting_in_flight(PacketNumberSpace space) const;
    uint32_t pto_count() const { return m_pto_count; }
    const RttEstimator& rtt() const { return m_rtt; }
    bool has_largest_acked(PacketNumberSpace space) const { return space_state(space).has_largest_acked; }
    PacketNumber largest_acked(PacketNumberSpace space) const { return space_state(space).largest_acked; }
    const SentPackets& sent(PacketNumberSpace space) const { return space_state(space).sent; }
    // RFC 9002 §7.6.1: (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay) * 3.
    uint64_t persistent_congestion_duration() const;
    // RFC 9002 A.8 PeerCompletedAddressValidation.
    bool peer_completed_address_validation() const;

private:
    struct Space {
        explicit Space(size_t capacity) : sent(capacity) {}
        SentPackets sent;
        PacketNumber largest_acked{0};
        bool has_largest_acked = false;
        uint64_t loss_time_ns = kNoDeadline;
        bool discarded = false;
    };
    struct Deadline {
        uint64_t time_ns = kNoDeadline;
        PacketNumberSpace space = PacketNumberSpace::initial;
    };
    // Newly acknowledged in-flight packets, handed to the congestion controller in batches.
    static constexpr size_t kAckBatch = 32;

    Space& space_state(PacketNumberSpace s) { return m_spaces[index_of(s)]; }
    const Space& space_state(PacketNumberSpace s) const { return m_spaces[index_of(s)]; }
    // Marks the ACK's packets newly_acked; returns false if none were outstanding.
    bool mark_newly_acked(Space& sp, const AckFrame& ack, size_t& first, size_t& last, bool& rtt_sample,
                          uint64_t& largest_time_sent);
    void report_acked(PacketNumberSpace space, size_t first, size_t last, uint64_t now_ns);
    // Hands every outstanding packet of the space to on_packet_discarded and forgets them.
    void drop_outstanding(PacketNumberSpace space);
    // RFC 9002 A.10 DetectAndRemoveLostPackets, with B.8's reaction to the losses.
    void detect_lost(PacketNumberSpace space, uint64_t now_ns);
    Deadline earliest_loss_time() const;
    Deadline pto_time_and_space(uint64_t now_ns) const;
    void set_timer(uint64_t now_ns);
    bool ack_eliciting_in_flight_anywhere() const;

    LossDetectionConfig m_config;
    CongestionController& m_cc;
    RecoveryEvents& m_events;
    RttEstimator m_rtt;
    Space m_spaces[kPacketNumberSpaceCount];
    uint64_t m_peer_max_ack_delay_ns;
    uint64_t m_timer_ns = kNoDeadline;
    uint64_t m_first_rtt_sample_ns = 0;
    uint64_t m_first_initial_sent_ns = 0;
    bool m_initial_sent = false;
    uint32_t m_pto_count = 0;
    bool m_handshake_confirmed = false;
    bool m_handshake_ack_received = false;
    bool m_has_handshake_keys = false;
    bool m_at_amplification_limit = false;
    AckedPacket m_batch[kAckBatch];
    size_t m_batch_size = 0;
};

}  // namespace slip::stack::quic
