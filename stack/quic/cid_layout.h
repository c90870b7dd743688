#pragma once
// How this engine's server-chosen connection IDs are laid out, so that any queue (or a load
// balancer in front) can tell from a datagram's DCID which server and which core own the
// connection, in the shape of QUIC-LB's plaintext mode (draft-ietf-quic-load-balancers):
//
//   byte 0        bits 7-5: configuration id (0-6; 7 is QUIC-LB's "unroutable")
//                 bits 4-0: the CID's length minus one (length self-description)
//   bytes 1..s    server id, s = server_id_length (0-6 bytes; 0 for a lone server)
//   byte s+1      the owning core (polling queue) index
//   the rest      nonce: random bytes (at least 4, RFC 9000 §5.1's unlinkability rests on it)
//
// A datagram for a connection on another queue is handed to its owner by this byte; a DCID
// that does not fit the layout (a client's first Initial, or a stale configuration) is placed
// by its 4-tuple instead. The server id and core are visible on the wire, as in QUIC-LB's
// unencrypted mode: an observer learns which core serves a connection, nothing more.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "stack/quic/connection_id.h"

namespace slip::stack::quic {

struct CidLayoutOptions {
    uint8_t length = 8;  // 8-20 bytes (RFC 9000 §5.1 allows 0-20; 8 gives 5 random bytes)
    uint8_t config_id = 0;
    uint8_t server_id_length = 1;
    uint64_t server_id = 0;
    // One line saying what is wrong, or empty.
    std::string validate() const;
};

class CidLayout {
public:
    static constexpr size_t kMinNonce = 4;

    explicit CidLayout(const CidLayoutOptions& o) : m_o(o) {}
    // A new CID for a connection on `core`, its nonce from `random` (at least nonce_length()
    // bytes; crypto-grade randomness: CIDs must not be guessable).
    ConnectionId make(uint8_t core, std::span<const uint8_t> random) const;
    // The owning core of a DCID in this layout; false when the DCID is not one of ours
    // (another length, configuration or server).
    bool core_of(std::span<const uint8_t> dcid, uint8_t& core) const;
    size_t nonce_length() const { return m_o.length - 1u - m_o.server_id_length - 1u; }
    size_t length() const { return m_o.length; }

private:
    CidLayoutOptions m_o;
};

}  // namespace slip::stack::quic
