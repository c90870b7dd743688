#pragma once
// QUIC packet headers as they arrive, before header protection is removed: the version-
// independent invariants first (RFC 8999 §5), then version 1's long headers (RFC 9000 §17.2:
// Initial, 0-RTT, Handshake, Retry), Version Negotiation (§17.2.1) and the short header
// (§17.3). Parsing stops at the packet number, which header protection hides (RFC 9001
// §5.4): it yields where the packet number starts and where the packet ends, so coalesced
// packets (§12.2) are taken one after another from the same datagram. Everything refers to
// the datagram's bytes; nothing is copied.
//
// Building: long and short headers for packets we send (the Length field reserved and
// patched once the payload is known), Version Negotiation and Retry.
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/connection_id.h"
#include "stack/quic/wire.h"

namespace slip::stack::quic {

inline constexpr uint32_t kVersion1 = 0x00000001;
inline constexpr uint32_t kVersionNegotiation = 0x00000000;
// RFC 9000 §14.1: a datagram carrying an ack-eliciting Initial is at least this long.
inline constexpr size_t kMinInitialDatagram = 1200;
inline constexpr size_t kRetryIntegrityTagLength = 16;  // RFC 9001 §5.8

enum class PacketType : uint8_t { initial, zero_rtt, handshake, retry, version_negotiation, one_rtt };
const char* to_string(PacketType t);

enum class HeaderStatus : uint8_t {
    ok,
    malformed,        // breaks the invariants or version 1's format: drop the datagram's rest
    unknown_version,  // a long header of a version we do not speak: answer with Version Negotiation
};

struct PacketHeader {
    PacketType type = PacketType::one_rtt;
    uint8_t first_byte = 0;  // still protected (its low bits)
    uint32_t version = 0;    // long headers
    std::span<const uint8_t> dcid;
    std::span<const uint8_t> scid;   // long headers
    std::span<const uint8_t> token;  // Initial: the token; Retry: the retry token
    // Version Negotiation: the supported versions (4 bytes each).
    std::span<const uint8_t> versions;
    std::span<const uint8_t> retry_tag;  // Retry: the integrity tag (RFC 9001 §5.8)
    size_t pn_offset = 0;    // from the packet's first byte (not Retry / Version Negotiation)
    size_t packet_size = 0;  // the whole packet, header included: the next coalesced one follows
    // Long headers with a Length field: packet number and payload bytes (RFC 9000 §17.2).
    uint64_t length = 0;

    bool is_long() const { return (first_byte & 0x80) != 0; }
};

// Parses the packet at the start of `bytes` (a datagram, or what is left of it after
// coalesced packets). `short_dcid_length`: the length of the connection IDs this endpoint
// issues, which a short header does not state (RFC 8999 §5.2).
HeaderStatus parse_packet_header(std::span<const uint8_t> bytes, size_t short_dcid_length, PacketHeader& out);

// RFC 8999 §5.1: a long header's version and connection IDs are readable whatever the
// version (IDs up to 255 bytes); enough to answer an unknown version. False if even that
// much is missing.
bool parse_invariant_long_header(std::span<const uint8_t> bytes, uint32_t& version, std::span<const uint8_t>& dcid,
                                 std::span<const uint8_t>& scid);

// Where a header we build leaves its fields to fill in once the payload is known.
struct BuiltHeader {
    size_t start = 0;          // where the header starts in the writer; the rest is from there
    size_t length_offset = 0;  // long headers: where the 2-byte Length field is reserved
    size_t pn_offset = 0;
    size_t pn_length = 0;
};

// Long header (Initial, 0-RTT, Handshake) with the packet number's low `pn_length` bytes;
// the Length field is reserved as a 2-byte varint (packets up to 16383 bytes), patched by
// patch_long_header_length once the payload's size is known. `token` only for Initial.
bool write_long_header(WireWriter& w, PacketType type, uint32_t version, std::span<const uint8_t> dcid,
                       std::span<const uint8_t> scid, std::span<const uint8_t> token, uint64_t packet_number,
                       size_t pn_length, BuiltHeader& out);
// Sets the Length field: packet number, payload and AEAD tag bytes from pn_offset.
void patch_long_header_length(WireWriter& w, const BuiltHeader& h, uint64_t pn_and_payload_bytes);

// Short header (1-RTT): `key_phase` the current key phase bit (RFC 9001 §6), `spin` the
// latency spin bit (RFC 9000 §17.4).
bool write_short_header(WireWriter& w, std::span<const uint8_t> dcid, uint64_t packet_number, size_t pn_length,
                        bool key_phase, bool spin, BuiltHeader& out);

// RFC 9000 §17.2.1: answering a client's long header whose version we lack; the IDs swap
// (our DCID is the client's SCID). `unused` fills the first byte's low 7 bits.
bool write_version_negotiation(WireWriter& w, std::span<const uint8_t> client_dcid, std::span<const uint8_t> client_scid,
                               std::span<const uint32_t> versions, uint8_t unused);

// RFC 9000 §17.2.5 without its integrity tag (RFC 9001 §5.8 computes it over a
// pseudo-packet; the caller appends it).
bool write_retry_without_tag(WireWriter& w, uint32_t version, std::span<const uint8_t> dcid,
                             std::span<const uint8_t> scid, std::span<const uint8_t> token, uint8_t unused);

}  // namespace slip::stack::quic
