#include "stack/quic/key_update.h"

namespace slip::stack::quic {

// RFC 9001 §6.1: the next secret from the current one ("quic ku"); its key and IV follow,
// and the header protection key stays the first one's.
bool KeyUpdate::derive_next(const crypto::Secret& current, const PacketKeySet& hp_from, crypto::Secret& next_secret,
                            PacketKeySet& next) const {
    crypto::PacketKeys keys;
    if (!crypto::next_secret(crypto::QuicVersion::v1, m_algorithm, current.span(), next_secret) ||
        !crypto::derive_packet_keys(crypto::QuicVersion::v1, m_algorithm, next_secret.span(), keys) ||
        !m_protection.make_keys(keys, next)) {
        return false;
    }
    next.hp = hp_from.hp;
    return true;
}

bool KeyUpdate::install_read(crypto::AeadAlgorithm alg, const crypto::Secret& secret, const PacketKeySet& keys) {
    m_algorithm = alg;
    m_read = keys;
    return derive_next(secret, keys, m_read_next_secret, m_read_next);
}

bool KeyUpdate::install_write(crypto::AeadAlgorithm alg, const crypto::Secret& secret, const PacketKeySet& keys) {
    m_algorithm = alg;
    m_write = keys;
    return derive_next(secret, keys, m_write_next_secret, m_write_next);
}

void KeyUpdate::on_current_phase_packet(PacketNumber pn) {
    if (pn < m_phase_start) {
        m_phase_start = pn;
    }
}

// Both directions move to the next keys together (§6.1, §6.2): the current read keys become
// the previous ones, kept for three PTOs (§6.5); the next keys of each direction are
// derived now, ahead of the update after this one.
bool KeyUpdate::roll(uint64_t now_ns, uint64_t three_ptos) {
    const crypto::Secret read_secret = m_read_next_secret;
    const crypto::Secret write_secret = m_write_next_secret;
    m_read_previous = m_read;
    m_read = m_read_next;
    m_write = m_write_next;
    m_phase = !m_phase;
    m_phase_start = PacketNumber(PacketNumber::kMax);
    m_sent_any_in_phase = false;
    m_acked_in_phase = false;
    m_sent_in_phase = 0;
    m_previous_until = now_ns + three_ptos;
    return derive_next(read_secret, m_read, m_read_next_secret, m_read_next) &&
           derive_next(write_secret, m_write, m_write_next_secret, m_write_next);
}

bool KeyUpdate::on_peer_update(PacketNumber pn, uint64_t now_ns, uint64_t three_ptos) {
    ++m_counters.followed;
    const bool ok = roll(now_ns, three_ptos);
    m_phase_start = pn;
    return ok;
}

void KeyUpdate::on_packet_sent(PacketNumber pn) {
    if (!m_sent_any_in_phase) {
        m_sent_any_in_phase = true;
        m_first_sent_in_phase = pn;
    }
    ++m_sent_in_phase;
}

void KeyUpdate::on_packet_acked(PacketNumber pn) {
    if (m_sent_any_in_phase && pn >= m_first_sent_in_phase) {
        m_acked_in_phase = true;
    }
}

// §6.1: not before the handshake is confirmed, and not again before a packet of the
// current phase was acknowledged (the peer then has the keys of this phase).
bool KeyUpdate::can_initiate() const { return m_confirmed && m_acked_in_phase && m_read.valid && m_write.valid; }

bool KeyUpdate::initiate(uint64_t now_ns, uint64_t three_ptos) {
    if (!can_initiate()) {
        return false;
    }
    ++m_counters.initiated;
    return roll(now_ns, three_ptos);
}

void KeyUpdate::on_timeout(uint64_t now_ns) {
    if (now_ns >= m_previous_until) {
        m_read_previous = PacketKeySet{};
        m_previous_until = kNoDeadline;
    }
}

}  // namespace slip::stack::quic
