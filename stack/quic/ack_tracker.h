#pragma once
// The receiving side of acknowledgments in one packet number space (RFC 9000 §13.2):
// which packet numbers arrived (disjoint intervals, a bounded number of them), whether a
// packet is a duplicate, when the next ACK frame is due, and what it says.
//
// How the connection drives it:
//   - each packet that decrypted: on_packet_received() before processing its frames; a
//     duplicate (or one too old to tell) is dropped unprocessed (RFC 9000 §12.3)
//   - before building a packet: should_send_ack(now) (an ACK-only packet is due), or
//     has_unacknowledged() (piggyback one on whatever goes out); ack_deadline() is the
//     timer to arm while an ACK is held back
//   - writing the frame: ack_intervals() and ack_delay_field(now) for write_ack, then
//     on_ack_sent() and remember largest_received() with the packet carrying it
//   - that packet acknowledged by the peer: on_ack_of_ack(its largest) (§13.2.4)
//
// Fixed capacity, chosen at construction: intervals live in a ring, oldest first. When a
// new interval would exceed the capacity the oldest is forgotten, and with it everything
// below: such packets are refused from then on, since a receiver may only forget a range
// it will not accept again (§13.2.3).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "stack/quic/frame.h"
#include "stack/quic/packet_number.h"
#include "stack/quic/packet_number_space.h"

namespace slip::stack::quic {

struct AckTrackerConfig {
    PacketNumberSpace space = PacketNumberSpace::application;
    // Intervals remembered (and so at most this many in an ACK frame).
    size_t max_intervals = 32;
    // Our max_ack_delay transport parameter: the longest an ACK for an ack-eliciting
    // Application Data packet is held back (RFC 9000 §13.2.1).
    uint64_t max_ack_delay_ns = 25 * kNanosPerMilli;
    // Our ack_delay_exponent transport parameter (RFC 9000 §18.2), for the ACK Delay field.
    uint64_t ack_delay_exponent = 3;
    // RFC 9000 §13.2.2: an ACK after this many ack-eliciting packets.
    uint32_t ack_eliciting_threshold = 2;
};

enum class ReceiveResult : uint8_t {
    accepted,   // new: process it, it will be acknowledged
    duplicate,  // already received: drop it
    too_old,    // below what is still remembered; cannot tell, so treated as a duplicate
};

class AckTracker {
public:
    explicit AckTracker(const AckTrackerConfig& config = {});

    // A packet of the space was received (and decrypted) at `now_ns`. `ecn_ce`: its IP
    // header carried Congestion Experienced (RFC 9000 §13.2.1 asks for an ACK at once).
    ReceiveResult on_packet_received(PacketNumber pn, bool ack_eliciting, uint64_t now_ns, bool ecn_ce = false);

    // An ACK-only packet is due now: one of §13.2.1's "immediately" rules, the second
    // ack-eliciting packet (§13.2.2), or the max_ack_delay deadline has passed.
    bool should_send_ack(uint64_t now_ns) const { return m_ack_now || now_ns >= m_ack_deadline_ns; }
    // When a held-back ACK becomes due (kNoDeadline: none is held back).
    uint64_t ack_deadline() const { return m_ack_now ? 0 : m_ack_deadline_ns; }
    // Packets arrived since the last ACK (ack-eliciting or not): an ACK may ride along.
    bool has_unacknowledged() const { return m_unacknowledged; }
    // Only non-ack-eliciting packets are unacknowledged: an ACK alone must not be sent for
    // them (§13.2.1), though one may ride along in a packet sent for other reasons.
    bool ack_eliciting_pending() const { return m_ack_eliciting_since_ack > 0; }

    // A processed packet must not be acknowledged after all (its data could not be kept:
    // the peer must send it again, RFC 9000 §13.3); it may be received again. False when
    // the split this needs finds no room (the caller must then close the connection).
    bool forget(PacketNumber pn);

    // The intervals to acknowledge, largest first, into `out` (the largest ones when it is
    // shorter). Returns how many.
    size_t ack_intervals(std::span<AckInterval> out) const;
    size_t interval_count() const { return m_count; }
    // RFC 9000 §13.2.5 and §19.3: time since the largest packet arrived, in microseconds
    // scaled down by our ack_delay_exponent. Initial and Handshake ACKs are not delayed on
    // purpose and may say 0, but the measured delay is still the honest value to report.
    uint64_t ack_delay_field(uint64_t now_ns) const;

    // An ACK frame with the current intervals went out: the pending state starts over.
    void on_ack_sent();
    // The peer acknowledged a packet carrying our ACK whose Largest Acknowledged was
    // `largest` (§13.2.4): stop acknowledging up to it, and refuse packets there.
    void on_ack_of_ack(PacketNumber largest);

    bool has_received() const { return m_has_largest; }
    // The largest packet number processed (kept even when every interval is forgotten: it
    // decodes truncated packet numbers, RFC 9000 §17.1).
    PacketNumber largest_received() const { return m_largest; }
    // Packets below this are refused (too_old).
    PacketNumber lowest_accepted() const { return m_floor; }
    PacketNumberSpace space() const { return m_config.space; }

private:
    AckInterval& at(size_t i) { return m_ring[(m_head + i) % m_config.max_intervals]; }
    const AckInterval& at(size_t i) const { return m_ring[(m_head + i) % m_config.max_intervals]; }
    // Records `pn` in the intervals; false when it cannot be kept (older than all of them
    // with no room left).
    bool insert(uint64_t pn);
    void insert_at(size_t pos, uint64_t pn);
    void erase_at(size_t pos);
    void drop_oldest();
    bool contains(uint64_t pn) const;
    // Whether packets are missing between the largest ack-eliciting one before `pn` and pn.
    bool gap_before(uint64_t pn) const;
    void note_ack_eliciting(uint64_t pn, uint64_t now_ns, bool ecn_ce);

    AckTrackerConfig m_config;
    std::unique_ptr<AckInterval[]> m_ring;  // ascending, m_count from m_head
    size_t m_head = 0;
    size_t m_count = 0;
    PacketNumber m_floor{0};
    PacketNumber m_largest{0};
    bool m_has_largest = false;
    uint64_t m_largest_received_ns = 0;
    uint64_t m_largest_ack_eliciting = 0;
    bool m_has_ack_eliciting = false;
    bool m_unacknowledged = false;
    bool m_ack_now = false;
    uint32_t m_ack_eliciting_since_ack = 0;
    uint64_t m_ack_deadline_ns = kNoDeadline;
};

// RFC 9000 §19.3: the delay in an ACK frame, sent as microseconds >> exponent, back to
// nanoseconds with the exponent the peer declared (saturating at UINT64_MAX).
uint64_t decode_ack_delay(uint64_t field, uint64_t ack_delay_exponent);

}  // namespace slip::stack::quic
