#include "stack/quic/connection_ids.h"

#include <algorithm>

#include "crypto/stateless_reset.h"

namespace slip::stack::quic {

void LocalConnectionIds::set_handshake_cid(const ConnectionId& cid, const ResetToken& token) {
    m_entries = {};
    m_entries[0] = {0, cid, token, true};
    m_next_sequence = 1;
}

size_t LocalConnectionIds::wanted(uint64_t peer_limit) const {
    const size_t limit = size_t(std::min<uint64_t>(peer_limit, kCapacity));
    const size_t now = active();
    return now >= limit ? 0 : limit - now;
}

bool LocalConnectionIds::issue(const ConnectionId& cid, const ResetToken& token, Entry& out) {
    for (Entry& e : m_entries) {
        if (!e.in_use) {
            e = {m_next_sequence++, cid, token, true};
            out = e;
            return true;
        }
    }
    return false;
}

TransportError LocalConnectionIds::retire(uint64_t sequence, std::span<const uint8_t> packet_dcid,
                                          ConnectionId& retired, bool& found) {
    found = false;
    // RFC 9000 §19.16: a sequence number never sent is PROTOCOL_VIOLATION.
    if (sequence >= m_next_sequence) {
        return TransportError::protocol_violation;
    }
    for (Entry& e : m_entries) {
        if (e.in_use && e.sequence == sequence) {
            // ... and so is retiring the CID the frame's own packet was sent to.
            if (e.cid == packet_dcid) {
                return TransportError::protocol_violation;
            }
            retired = e.cid;
            e.in_use = false;
            found = true;
            break;
        }
    }
    return TransportError::no_error;
}

bool LocalConnectionIds::contains(std::span<const uint8_t> cid) const {
    return std::any_of(m_entries.begin(), m_entries.end(), [&](const Entry& e) { return e.in_use && e.cid == cid; });
}

size_t LocalConnectionIds::active() const {
    return size_t(std::count_if(m_entries.begin(), m_entries.end(), [](const Entry& e) { return e.in_use; }));
}

void PeerConnectionIds::set_handshake_cid(const ConnectionId& cid, const ResetToken* token) {
    m_entries = {};
    m_entries[0].cid = cid;
    m_entries[0].in_use = true;
    m_entries[0].has_token = token != nullptr;
    if (token != nullptr) {
        m_entries[0].reset_token = *token;
    }
    m_current = 0;
    m_zero_length = cid.empty();
}

TransportError PeerConnectionIds::on_new_connection_id(const NewConnectionIdFrame& f) {
    // RFC 9000 §19.15: a peer using zero-length CIDs sends none.
    if (m_zero_length) {
        return TransportError::protocol_violation;
    }
    ConnectionId cid;
    ConnectionId::from(f.connection_id, cid);
    for (const Entry& e : m_entries) {
        if (e.in_use && e.sequence == f.sequence) {
            // The same frame again is fine; the same sequence for another CID is not.
            return e.cid == cid ? TransportError::no_error : TransportError::protocol_violation;
        }
    }
    if (f.sequence < m_retire_prior_to) {
        // Already retired by an earlier Retire Prior To: retire it at once (§5.1.2).
        return queue_retirement(f.sequence) ? TransportError::no_error : TransportError::connection_id_limit_error;
    }
    if (f.retire_prior_to > m_retire_prior_to) {
        m_retire_prior_to = f.retire_prior_to;
        if (!retire_below(m_retire_prior_to)) {
            return TransportError::connection_id_limit_error;
        }
    }
    auto slot = std::find_if(m_entries.begin(), m_entries.end(), [](const Entry& e) { return !e.in_use; });
    if (active() >= m_limit || slot == m_entries.end()) {
        return TransportError::connection_id_limit_error;  // §5.1.1: more than we allowed
    }
    *slot = {f.sequence, cid, {}, true, true};
    std::copy(f.reset_token.begin(), f.reset_token.end(), slot->reset_token.begin());
    if (!m_entries[m_current].in_use) {
        m_current = size_t(slot - m_entries.begin());  // the one in use was retired
    }
    return TransportError::no_error;
}

bool PeerConnectionIds::retire_below(uint64_t sequence) {
    bool queued = true;
    for (Entry& e : m_entries) {
        if (e.in_use && e.sequence < sequence) {
            e.in_use = false;
            queued = queue_retirement(e.sequence) && queued;
        }
    }
    if (!m_entries[m_current].in_use) {
        for (size_t i = 0; i < m_entries.size(); ++i) {
            if (m_entries[i].in_use) {
                m_current = i;
                break;
            }
        }
    }
    return queued;
}

bool PeerConnectionIds::queue_retirement(uint64_t sequence) {
    // §5.1.2: retirements not yet sent are bounded.
    if (m_retire_count >= m_retire_queue.size()) {
        return false;
    }
    m_retire_queue[m_retire_count++] = sequence;
    return true;
}

bool PeerConnectionIds::rotate() {
    for (size_t i = 0; i < m_entries.size(); ++i) {
        if (i != m_current && m_entries[i].in_use) {
            m_entries[m_current].in_use = false;
            (void)queue_retirement(m_entries[m_current].sequence);
            m_current = i;
            return true;
        }
    }
    return false;
}

bool PeerConnectionIds::next_retirement(uint64_t& sequence) const {
    if (m_retire_count == 0) {
        return false;
    }
    sequence = m_retire_queue[0];
    return true;
}

void PeerConnectionIds::retirement_sent(uint64_t sequence) {
    const auto end = m_retire_queue.begin() + long(m_retire_count);
    const auto it = std::find(m_retire_queue.begin(), end, sequence);
    if (it != end) {
        std::move(it + 1, end, it);
        --m_retire_count;
    }
}

void PeerConnectionIds::retirement_lost(uint64_t sequence) { (void)queue_retirement(sequence); }

bool PeerConnectionIds::is_stateless_reset(std::span<const uint8_t, kStatelessResetTokenLength> tail) const {
    bool match = false;
    for (const Entry& e : m_entries) {
        // Every token compared, in constant time (§10.3.1).
        match |= e.in_use && e.has_token && crypto::token_equal(tail, e.reset_token);
    }
    return match;
}

size_t PeerConnectionIds::active() const {
    return size_t(std::count_if(m_entries.begin(), m_entries.end(), [](const Entry& e) { return e.in_use; }));
}

}  // namespace slip::stack::quic
