#pragma once
// The connection IDs of one connection (RFC 9000 §5.1): those we issued to the peer (it
// addresses us with them) and those the peer issued to us (we address it with them), with
// NEW_CONNECTION_ID, RETIRE_CONNECTION_ID and active_connection_id_limit enforced both ways.
// Fixed capacity, no allocation after construction.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/connection_id.h"
#include "stack/quic/error_code.h"
#include "stack/quic/frame.h"

namespace slip::stack::quic {

using ResetToken = std::array<uint8_t, kStatelessResetTokenLength>;

// The CIDs we issued. Sequence 0 is the one of the handshake (§5.1.1).
class LocalConnectionIds {
public:
    static constexpr size_t kCapacity = 8;

    struct Entry {
        uint64_t sequence = 0;
        ConnectionId cid;
        ResetToken reset_token{};
        bool in_use = false;
    };

    void set_handshake_cid(const ConnectionId& cid, const ResetToken& token);
    // How many more to issue so the peer holds as many as it allows (its
    // active_connection_id_limit, capped by our capacity).
    size_t wanted(uint64_t peer_limit) const;
    // Registers a new one under the next sequence number; false when full.
    bool issue(const ConnectionId& cid, const ResetToken& token, Entry& out);
    // RFC 9000 §19.16: the peer retires `sequence`. PROTOCOL_VIOLATION for a sequence never
    // issued or for the CID the frame's packet was sent to. `retired` is what to unregister
    // (false `found`: already retired, nothing to do).
    TransportError retire(uint64_t sequence, std::span<const uint8_t> packet_dcid, ConnectionId& retired, bool& found);
    // Asks the peer to retire everything below `sequence` (NEW_CONNECTION_ID's Retire Prior
    // To, §5.1.2), e.g. after a CID rotation.
    uint64_t retire_prior_to() const { return m_retire_prior_to; }
    bool contains(std::span<const uint8_t> cid) const;
    size_t active() const;
    uint64_t next_sequence() const { return m_next_sequence; }

private:
    std::array<Entry, kCapacity> m_entries{};
    uint64_t m_next_sequence = 0;
    uint64_t m_retire_prior_to = 0;
};

// The CIDs the peer issued to us.
class PeerConnectionIds {
public:
    static constexpr size_t kCapacity = 8;  // our active_connection_id_limit, at most

    explicit PeerConnectionIds(size_t limit = kCapacity) : m_limit(limit < 2 ? 2 : limit > kCapacity ? kCapacity : limit) {}

    // Sequence 0: the peer's SCID from the handshake; a server's token from its transport
    // parameters (§18.2 stateless_reset_token).
    void set_handshake_cid(const ConnectionId& cid, const ResetToken* token);
    // RFC 9000 §19.15 and §5.1.2. PROTOCOL_VIOLATION when the peer uses zero-length CIDs or
    // reuses a sequence number for another CID; CONNECTION_ID_LIMIT_ERROR when more than our
    // limit would be active, or too many retirements are waiting to be sent.
    TransportError on_new_connection_id(const NewConnectionIdFrame& f);

    // The CID to address the peer with.
    const ConnectionId& current() const { return m_entries[m_current].cid; }
    // Moves to an unused CID (a new path, §9.5); false when there is none.
    bool rotate();
    // RETIRE_CONNECTION_ID frames to send (§19.16): the oldest waiting; then sent / lost.
    bool next_retirement(uint64_t& sequence) const;
    void retirement_sent(uint64_t sequence);
    void retirement_lost(uint64_t sequence);
    // Whether the last 16 bytes of a datagram are a stateless reset token of ours (§10.3.1).
    bool is_stateless_reset(std::span<const uint8_t, kStatelessResetTokenLength> tail) const;
    size_t active() const;

private:
    struct Entry {
        uint64_t sequence = 0;
        ConnectionId cid;
        ResetToken reset_token{};
        bool has_token = false;
        bool in_use = false;
    };
    bool retire_below(uint64_t sequence);
    bool queue_retirement(uint64_t sequence);

    size_t m_limit;
    std::array<Entry, kCapacity> m_entries{};
    size_t m_current = 0;
    uint64_t m_retire_prior_to = 0;
    bool m_zero_length = false;
    // Sequences retired locally whose RETIRE_CONNECTION_ID is not sent yet.
    std::array<uint64_t, 2 * kCapacity> m_retire_queue{};
    size_t m_retire_count = 0;
};

}  // namespace slip::stack::quic
