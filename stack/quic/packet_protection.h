#pragma once
// QUIC packet protection (RFC 9001 §5) a burst at a time, through crypto's burst API: every
// packet of a poll is sealed in one AEAD call and header-protected with one mask call, and
// every received packet of a burst is header-unprotected with one mask call and opened in
// one AEAD call. In place: received payloads are decrypted where they arrived, sent ones
// encrypted where they were built.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/aead.h"
#include "crypto/header_protection.h"
#include "crypto/imb_manager.h"
#include "crypto/quic_keys.h"
#include "stack/quic/packet_number.h"

namespace slip::stack::quic {

// One direction's keys at one key phase, prepared for the packet path.
struct PacketKeySet {
    crypto::AeadKey aead;
    crypto::HpKey hp;
    std::array<uint8_t, crypto::kAeadNonceLen> iv{};
    bool valid = false;
};

// A packet we built: header (with the packet number's low bytes at pn_offset) and plaintext
// payload in `packet`, which ends with 16 bytes of room for the AEAD tag.
struct OutgoingPacket {
    std::span<uint8_t> packet;
    size_t pn_offset = 0;
    size_t pn_length = 0;
    uint64_t packet_number = 0;
    const PacketKeySet* keys = nullptr;
    bool ok = false;  // set by protect()
};

enum class OpenStatus : uint8_t {
    ok,
    too_short,         // no room for the header protection sample (RFC 9001 §5.4.2): drop
    auth_failed,       // the AEAD tag did not verify: drop (and count, §6.6)
    reserved_bits,     // opened, but the reserved bits are not zero: PROTOCOL_VIOLATION (§17.2)
    no_keys,
};

enum class KeyChoice : uint8_t { current, next, previous };

// A received packet whose header was parsed up to its packet number (parse_packet_header).
struct IncomingPacket {
    std::span<uint8_t> packet;  // this packet only (coalesced ones are split before)
    size_t pn_offset = 0;
    const PacketKeySet* keys = nullptr;
    // 1-RTT across key updates (RFC 9001 §6.3): a short header whose Key Phase bit is not
    // `key_phase` is opened with `previous_keys` when its number is below `phase_start`,
    // else with `next_keys` (none given: the bit is not looked at).
    const PacketKeySet* next_keys = nullptr;
    const PacketKeySet* previous_keys = nullptr;
    bool key_phase = false;
    PacketNumber phase_start;
    PacketNumber largest_received;  // in the packet's number space
    bool has_largest = false;
    // Results.
    OpenStatus status = OpenStatus::no_keys;
    uint8_t first_byte = 0;  // unprotected
    size_t pn_length = 0;
    PacketNumber packet_number;
    std::span<uint8_t> payload;  // plaintext frames, in place
    KeyChoice opened_with = KeyChoice::current;
};

class PacketProtection {
public:
    static constexpr size_t kMaxBurst = 64;

    PacketProtection() = default;
    PacketProtection(crypto::SimdPath path, bool forced) : m_engine(path, forced), m_mgr(path, forced) {}
    bool ok() const { return m_engine.ok() && m_mgr.ok(); }
    // For the AEAD work that is not packet protection (Retry integrity tags).
    crypto::AeadEngine& aead() { return m_engine; }

    // Not on the packet path: the AES key schedules and GHASH tables are computed here.
    bool make_keys(const crypto::PacketKeys& keys, PacketKeySet& out) const;

    // Seals and header-protects every packet (RFC 9001 §5.3, §5.4.1); each gets its ok.
    size_t protect(std::span<OutgoingPacket> burst);
    // Removes header protection, recovers packet numbers (RFC 9000 A.3) and opens every
    // packet; each gets its status. Returns how many opened.
    size_t unprotect(std::span<IncomingPacket> burst);

private:
    size_t protect_chunk(std::span<OutgoingPacket> burst);
    size_t unprotect_chunk(std::span<IncomingPacket> burst);

    crypto::AeadEngine m_engine;
    crypto::ImbManager m_mgr;
};

}  // namespace slip::stack::quic
