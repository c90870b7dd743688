#pragma once
// The packets sent in one packet number space that loss recovery still tracks (RFC 9002
// Appendix A.1): each one's number, send time, size, whether it is ack-eliciting and in
// flight, and an opaque token the connection uses to find what the packet carried (to
// retransmit its frames when it is lost, or release them when it is acknowledged).
//
// A ring of fixed capacity, in packet number order (packets are sent with increasing
// numbers, RFC 9000 §12.3). An acknowledged or lost packet stays in its slot, marked, until
// every packet before it is resolved too: slots are reclaimed from the oldest end, so an
// unresolved old packet holds the space behind it. The marks also tell persistent
// congestion (RFC 9002 §7.6.2) whether a packet between two lost ones was acknowledged.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "stack/quic/packet_number.h"

namespace slip::stack::quic {

struct SentPacket {
    PacketNumber packet_number;
    uint64_t time_sent_ns = 0;
    uint32_t bytes = 0;  // RFC 9002 A.1.1 sent_bytes: QUIC header, payload and AEAD tag
    uint32_t token = 0;  // the caller's, handed back when the packet is acked, lost or discarded
    bool ack_eliciting = false;
    // RFC 9002 §2: counts toward bytes in flight (ack-eliciting, or PADDING); ACK-only
    // packets do not.
    bool in_flight = false;
};

enum class SentState : uint8_t {
    outstanding,
    newly_acked,  // acknowledged by the ACK frame being processed
    acked,
    lost,
};

class SentPackets {
public:
    explicit SentPackets(size_t capacity);

    size_t capacity() const { return m_capacity; }
    bool full() const { return m_count == m_capacity; }
    // Records a packet; false when the ring is full or `p` does not follow the last one.
    bool add(const SentPacket& p);

    // Slots from the oldest, resolved ones included: at(i), state(i) for i < slot_count().
    size_t slot_count() const { return m_count; }
    const SentPacket& at(size_t i) const { return m_ring[slot(i)].packet; }
    SentState state(size_t i) const { return m_ring[slot(i)].state; }
    // Resolving an outstanding packet takes it out of the in-flight counts.
    void mark(size_t i, SentState s);
    // The first slot whose packet number is above `pn` (slot_count() if none).
    size_t upper_bound(PacketNumber pn) const;
    // Frees the resolved slots at the oldest end.
    void reclaim();
    // Forgets every packet (RFC 9002 §6.4: the space's keys are gone).
    void clear();

    uint64_t bytes_in_flight() const { return m_bytes_in_flight; }
    size_t ack_eliciting_in_flight() const { return m_ack_eliciting_in_flight; }
    size_t outstanding() const { return m_outstanding; }
    bool has_sent() const { return m_has_sent; }
    PacketNumber largest_sent() const { return m_largest_sent; }
    // RFC 9002 A.3 time_of_last_ack_eliciting_packet (0: none since the space began).
    uint64_t time_of_last_ack_eliciting() const { return m_time_of_last_ack_eliciting; }

private:
    struct Slot {
        SentPacket packet;
        SentState state = SentState::outstanding;
    };
    size_t slot(size_t i) const { return (m_head + i) % m_capacity; }

    std::unique_ptr<Slot[]> m_ring;
    size_t m_capacity;
    size_t m_head = 0;
    size_t m_count = 0;
    size_t m_outstanding = 0;
    uint64_t m_bytes_in_flight = 0;
    size_t m_ack_eliciting_in_flight = 0;
    bool m_has_sent = false;
    PacketNumber m_largest_sent{0};
    uint64_t m_time_of_last_ack_eliciting = 0;
};

}  // namespace slip::stack::quic
