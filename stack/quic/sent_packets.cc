#include "stack/quic/sent_packets.h"

#include <algorithm>

namespace slip::stack::quic {

SentPackets::SentPackets(size_t capacity)
    : m_ring(std::make_unique<Slot[]>(std::max<size_t>(capacity, 1))), m_capacity(std::max<size_t>(capacity, 1)) {}

bool SentPackets::add(const SentPacket& p) {
    if (full() || (m_has_sent && p.packet_number <= m_largest_sent)) {
        return false;
    }
    m_ring[slot(m_count)] = Slot{p, SentState::outstanding};
    ++m_count;
    ++m_outstanding;
    m_has_sent = true;
    m_largest_sent = p.packet_number;
    if (p.in_flight) {
        m_bytes_in_flight += p.bytes;
        if (p.ack_eliciting) {
            ++m_ack_eliciting_in_flight;
            m_time_of_last_ack_eliciting = p.time_sent_ns;
        }
    }
    return true;
}

void SentPackets::mark(size_t i, SentState s) {
    Slot& sl = m_ring[slot(i)];
    if (sl.state == SentState::outstanding && s != SentState::outstanding) {
        --m_outstanding;
        if (sl.packet.in_flight) {
            m_bytes_in_flight -= sl.packet.bytes;
            if (sl.packet.ack_eliciting) {
                --m_ack_eliciting_in_flight;
            }
        }
    }
    sl.state = s;
}

size_t SentPackets::upper_bound(PacketNumber pn) const {
    size_t lo = 0;
    size_t hi = m_count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (at(mid).packet_number <= pn) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void SentPackets::reclaim() {
    while (m_count > 0 && m_ring[m_head].state != SentState::outstanding &&
           m_ring[m_head].state != SentState::newly_acked) {
        m_head = (m_head + 1) % m_capacity;
        --m_count;
    }
}

void SentPackets::clear() {
    m_head = 0;
    m_count = 0;
    m_outstanding = 0;
    m_bytes_in_flight = 0;
    m_ack_eliciting_in_flight = 0;
    m_time_of_last_ack_eliciting = 0;
}

}  // namespace slip::stack::quic
