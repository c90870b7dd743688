#include "stack/quic/ack_tracker.h"

#include <algorithm>

namespace slip::stack::quic {

AckTracker::AckTracker(const AckTrackerConfig& config)
    : m_config(config), m_ring(std::make_unique<AckInterval[]>(std::max<size_t>(config.max_intervals, 1))) {
    m_config.max_intervals = std::max<size_t>(config.max_intervals, 1);
}

ReceiveResult AckTracker::on_packet_received(PacketNumber pn, bool ack_eliciting, uint64_t now_ns, bool ecn_ce) {
    if (pn < m_floor) {
        return ReceiveResult::too_old;
    }
    if (contains(pn.raw())) {
        return ReceiveResult::duplicate;
    }
    if (!insert(pn.raw())) {
        return ReceiveResult::too_old;
    }
    if (!m_has_largest || pn > m_largest) {
        m_largest = pn;
        m_has_largest = true;
        m_largest_received_ns = now_ns;
    }
    m_unacknowledged = true;
    // RFC 9000 §13.2.1: a non-ack-eliciting packet never triggers an ACK on its own, gaps
    // or not, so that two endpoints do not acknowledge each other's ACKs forever.
    if (ack_eliciting) {
        note_ack_eliciting(pn.raw(), now_ns, ecn_ce);
    }
    return ReceiveResult::accepted;
}

void AckTracker::note_ack_eliciting(uint64_t pn, uint64_t now_ns, bool ecn_ce) {
    // RFC 9000 §13.2.1: Initial and Handshake packets are acknowledged immediately, and so
    // are CE-marked ones.
    bool immediate = m_config.space != PacketNumberSpace::application || ecn_ce;
    if (m_has_ack_eliciting) {
        // §13.2.1: out of order (below an ack-eliciting packet already received), or above
        // the largest one with packets missing in between: the sender learns of the hole
        // without waiting for max_ack_delay.
        immediate = immediate || pn < m_largest_ack_eliciting || gap_before(pn);
    }
    if (!m_has_ack_eliciting || pn > m_largest_ack_eliciting) {
        m_largest_ack_eliciting = pn;
        m_has_ack_eliciting = true;
    }
    ++m_ack_eliciting_since_ack;
    // §13.2.2: at least every second ack-eliciting packet.
    immediate = immediate || m_ack_eliciting_since_ack >= m_config.ack_eliciting_threshold;
    if (immediate) {
        m_ack_now = true;
    } else if (m_ack_deadline_ns == kNoDeadline) {
        // §13.2.1: within max_ack_delay of the first ack-eliciting packet not yet acknowledged.
        m_ack_deadline_ns = now_ns + m_config.max_ack_delay_ns;
    }
}

bool AckTracker::gap_before(uint64_t pn) const {
    if (pn <= m_largest_ack_eliciting) {
        return false;
    }
    for (size_t i = m_count; i > 0; --i) {
        const AckInterval& iv = at(i - 1);
        if (iv.smallest <= pn && pn <= iv.largest) {
            // Below the floor the packets are forgotten, not missing.
            const uint64_t known_from = std::max(m_largest_ack_eliciting + 1, m_floor.raw());
            return iv.smallest > known_from;
        }
    }
    return false;
}

bool AckTracker::forget(PacketNumber packet) {
    const uint64_t pn = packet.raw();
    for (size_t i = m_count; i > 0; --i) {
        AckInterval& iv = at(i - 1);
        if (iv.largest < pn) {
            return true;  // not held
        }
        if (iv.smallest > pn) {
            continue;
        }
        if (iv.smallest == iv.largest) {
            erase_at(i - 1);
        } else if (iv.smallest == pn) {
            ++iv.smallest;
        } else if (iv.largest == pn) {
            --iv.largest;
        } else {
            if (m_count == m_config.max_intervals) {
                return false;
            }
            const uint64_t top = iv.largest;
            iv.largest = pn - 1;
            insert_at(i, pn + 1);
            at(i).largest = top;
        }
        if (m_count == 0) {
            on_ack_sent();  // nothing left to acknowledge: no ACK is due for it
        }
        return true;
    }
    return true;
}

bool AckTracker::contains(uint64_t pn) const {
    for (size_t i = m_count; i > 0; --i) {
        const AckInterval& iv = at(i - 1);
        if (iv.largest < pn) {
            return false;
        }
        if (iv.smallest <= pn) {
            return true;
        }
    }
    return false;
}

bool AckTracker::insert(uint64_t pn) {
    // Intervals [0, i) start at or below pn, [i, m_count) above it; most packets extend
    // the newest interval, so the search runs from the top.
    size_t i = m_count;
    while (i > 0 && at(i - 1).smallest > pn) {
        --i;
    }
    const bool joins_below = i > 0 && at(i - 1).largest + 1 == pn;
    const bool joins_above = i < m_count && at(i).smallest == pn + 1;
    if (joins_below && joins_above) {
        at(i - 1).largest = at(i).largest;  // the packet filled the last hole between them
        erase_at(i);
    } else if (joins_below) {
        at(i - 1).largest = pn;
    } else if (joins_above) {
        at(i).smallest = pn;
    } else {
        if (m_count == m_config.max_intervals) {
            if (i == 0) {
                return false;  // it would be the oldest interval, the one to forget
            }
            drop_oldest();
            --i;
        }
        insert_at(i, pn);
    }
    return true;
}

void AckTracker::insert_at(size_t pos, uint64_t pn) {
    for (size_t j = m_count; j > pos; --j) {
        at(j) = at(j - 1);
    }
    ++m_count;
    at(pos) = AckInterval{pn, pn};
}

void AckTracker::erase_at(size_t pos) {
    for (size_t j = pos; j + 1 < m_count; ++j) {
        at(j) = at(j + 1);
    }
    --m_count;
}

void AckTracker::drop_oldest() {
    // RFC 9000 §13.2.3: a forgotten range must not be accepted again.
    m_floor = std::max(m_floor, PacketNumber(at(0).largest + 1));
    m_head = (m_head + 1) % m_config.max_intervals;
    --m_count;
}

size_t AckTracker::ack_intervals(std::span<AckInterval> out) const {
    const size_t n = std::min(out.size(), m_count);
    for (size_t k = 0; k < n; ++k) {
        out[k] = at(m_count - 1 - k);
    }
    return n;
}

uint64_t AckTracker::ack_delay_field(uint64_t now_ns) const {
    if (!m_has_largest || now_ns <= m_largest_received_ns) {
        return 0;
    }
    const uint64_t micros = (now_ns - m_largest_received_ns) / kNanosPerMicro;
    return micros >> m_config.ack_delay_exponent;
}

void AckTracker::on_ack_sent() {
    m_ack_now = false;
    m_ack_deadline_ns = kNoDeadline;
    m_ack_eliciting_since_ack = 0;
    m_unacknowledged = false;
}

void AckTracker::on_ack_of_ack(PacketNumber largest) {
    if (!m_has_largest) {
        return;
    }
    const uint64_t upto = std::min(largest, m_largest).raw();
    while (m_count > 0 && at(0).largest <= upto) {
        m_head = (m_head + 1) % m_config.max_intervals;
        --m_count;
    }
    if (m_count > 0 && at(0).smallest <= upto) {
        at(0).smallest = upto + 1;
    }
    // RFC 9000 §13.2.3: what is no longer acknowledged is no longer accepted either.
    m_floor = std::max(m_floor, PacketNumber(upto + 1));
}

uint64_t decode_ack_delay(uint64_t field, uint64_t ack_delay_exponent) {
    if (ack_delay_exponent >= 64 || field > (UINT64_MAX >> ack_delay_exponent) / kNanosPerMicro) {
        return UINT64_MAX;
    }
    return (field << ack_delay_exponent) * kNanosPerMicro;
}

}  // namespace slip::stack::quic
