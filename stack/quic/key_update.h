#pragma once
// The 1-RTT keys across key updates (RFC 9001 §6). Each direction keeps its current keys
// and the next ones, derived ahead of time ("quic ku", §6.1) so that an update costs no
// derivation on the packet path; after an update the previous read keys stay for packets
// still in flight and are dropped three PTOs later (§6.5). The header protection key never
// changes (§6.1).
//
// Receiving: a short-header packet whose Key Phase bit differs from ours is opened with
// the previous keys when its packet number is below the first one of the current phase,
// else with the next keys; a packet the next keys open is the peer's update (§6.2), and
// we follow. Sending: we start an update (§6.1) only once the handshake is confirmed and a
// packet of the current phase was acknowledged, and before the AEAD confidentiality limit
// (§6.6) runs out.
#include <cstdint>

#include "crypto/quic_keys.h"
#include "stack/quic/packet_number.h"
#include "stack/quic/packet_number_space.h"
#include "stack/quic/packet_protection.h"

namespace slip::stack::quic {

struct KeyUpdateCounters {
    uint64_t initiated = 0;   // updates we started
    uint64_t followed = 0;    // updates the peer started
    uint64_t previous_used = 0;  // packets opened with the previous phase's keys
};

class KeyUpdate {
public:
    explicit KeyUpdate(PacketProtection& protection) : m_protection(protection) {}

    // The 1-RTT keys as TLS made them (the first phase, Key Phase 0). False when the next
    // keys cannot be derived.
    bool install_read(crypto::AeadAlgorithm alg, const crypto::Secret& secret, const PacketKeySet& keys);
    bool install_write(crypto::AeadAlgorithm alg, const crypto::Secret& secret, const PacketKeySet& keys);
    bool has_read() const { return m_read.valid; }
    bool has_write() const { return m_write.valid; }

    // For IncomingPacket: the keys of this phase, the other phase's candidates, and where
    // this phase began (see packet_protection.h).
    const PacketKeySet& read() const { return m_read; }
    const PacketKeySet* read_next() const { return m_read_next.valid ? &m_read_next : nullptr; }
    const PacketKeySet* read_previous() const { return m_read_previous.valid ? &m_read_previous : nullptr; }
    PacketNumber phase_start() const { return m_phase_start; }
    bool phase() const { return m_phase; }

    // A packet of this phase was opened (it marks where the phase begins when that is not
    // known yet); one opened with the next keys: the peer updated, and so do we. False when
    // the keys after it cannot be derived.
    void on_current_phase_packet(PacketNumber pn);
    bool on_peer_update(PacketNumber pn, uint64_t now_ns, uint64_t three_ptos);
    void on_previous_phase_packet() { ++m_counters.previous_used; }

    // Sending.
    const PacketKeySet& write() const { return m_write; }
    // Every packet we seal; `pn` its number.
    void on_packet_sent(PacketNumber pn);
    // A packet we sent was acknowledged: one of the current phase allows the next update.
    void on_packet_acked(PacketNumber pn);
    bool can_initiate() const;
    // Starts an update (§6.1); false when not allowed yet (see can_initiate) or on failure.
    bool initiate(uint64_t now_ns, uint64_t three_ptos);
    // Packets sealed with the current write keys.
    uint64_t packets_in_phase() const { return m_sent_in_phase; }

    // §6.5: the previous read keys go three PTOs after the update.
    uint64_t deadline() const { return m_previous_until; }
    void on_timeout(uint64_t now_ns);

    void set_confirmed() { m_confirmed = true; }
    const KeyUpdateCounters& counters() const { return m_counters; }

private:
    bool derive_next(const crypto::Secret& current, const PacketKeySet& hp_from, crypto::Secret& next_secret,
                     PacketKeySet& next) const;
    bool roll(uint64_t now_ns, uint64_t three_ptos);

    PacketProtection& m_protection;
    crypto::AeadAlgorithm m_algorithm = crypto::AeadAlgorithm::aes128_gcm;
    PacketKeySet m_read;
    PacketKeySet m_read_next;
    PacketKeySet m_read_previous;
    PacketKeySet m_write;
    PacketKeySet m_write_next;
    crypto::Secret m_read_next_secret;
    crypto::Secret m_write_next_secret;
    bool m_phase = false;
    bool m_confirmed = false;
    // The lowest packet number received in this phase (unknown: the largest value, so that
    // every packet of the other phase before it counts as the previous phase's).
    PacketNumber m_phase_start{PacketNumber::kMax};
    PacketNumber m_first_sent_in_phase{0};
    bool m_sent_any_in_phase = false;
    bool m_acked_in_phase = false;
    uint64_t m_sent_in_phase = 0;
    uint64_t m_previous_until = kNoDeadline;
    KeyUpdateCounters m_counters;
};

}  // namespace slip::stack::quic
