#include "stack/quic/packet_protection.h"

#include <algorithm>
#include <cstring>

namespace slip::stack::quic {

namespace {

using crypto::kAeadTagLen;
using crypto::kHpSampleLen;
using Nonce = std::array<uint8_t, crypto::kAeadNonceLen>;

// RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number's first byte,
// whatever the packet number's length.
constexpr size_t kSampleOffset = 4;

uint8_t first_byte_mask(uint8_t first_byte) { return (first_byte & 0x80) != 0 ? 0x0f : 0x1f; }

// RFC 9000 §17.2, §17.3.1: the reserved bits, zero once protection is removed.
uint8_t reserved_bits(uint8_t first_byte) { return first_byte & ((first_byte & 0x80) != 0 ? 0x0c : 0x18); }

// Masks for samples[0, n), sample i under hp[i]; consecutive samples under the same key go
// in one call (a burst is mostly one connection's packets of one space). nullptr: skipped.
void masks_in_runs(const crypto::HpKey* const* hp, const crypto::HpSample* samples, crypto::HpMask* masks, size_t n,
                   bool* ok) {
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && hp[j] == hp[i]) {
            ++j;
        }
        if (hp[i] != nullptr) {
            const size_t made = crypto::compute_masks(*hp[i], std::span(samples + i, j - i), std::span(masks + i, j - i));
            for (size_t k = i; k < j; ++k) {
                ok[k] = made == j - i;
            }
        }
        i = j;
    }
}

}  // namespace

bool PacketProtection::make_keys(const crypto::PacketKeys& keys, PacketKeySet& out) const {
    out.valid = m_engine.init_key(out.aead, keys.algorithm, keys.key_span()) &&
                crypto::init_hp_key(m_mgr, out.hp, keys.algorithm, keys.hp_span());
    out.iv = keys.iv;
    return out.valid;
}

size_t PacketProtection::protect(std::span<OutgoingPacket> burst) {
    size_t done = 0;
    for (size_t at = 0; at < burst.size(); at += kMaxBurst) {
        done += protect_chunk(burst.subspan(at, std::min(kMaxBurst, burst.size() - at)));
    }
    return done;
}

size_t PacketProtection::unprotect(std::span<IncomingPacket> burst) {
    size_t done = 0;
    for (size_t at = 0; at < burst.size(); at += kMaxBurst) {
        done += unprotect_chunk(burst.subspan(at, std::min(kMaxBurst, burst.size() - at)));
    }
    return done;
}

// RFC 9001 §5.3 then §5.4.1: seal (the header as associated data), then mask the first
// byte's low bits and the packet number with a sample of the ciphertext.
size_t PacketProtection::protect_chunk(std::span<OutgoingPacket> burst) {
    std::array<crypto::AeadOp, kMaxBurst> ops{};
    std::array<Nonce, kMaxBurst> nonces{};
    std::array<const crypto::HpKey*, kMaxBurst> hp{};
    std::array<crypto::HpSample, kMaxBurst> samples{};
    std::array<crypto::HpMask, kMaxBurst> masks{};
    std::array<bool, kMaxBurst> masked{};
    for (size_t i = 0; i < burst.size(); ++i) {
        OutgoingPacket& p = burst[i];
        const size_t header = p.pn_offset + p.pn_length;
        // The sample must lie inside ciphertext and tag (§5.4.2: short payloads are padded).
        p.ok = p.keys != nullptr && p.keys->valid && p.pn_length >= 1 && p.pn_length <= 4 &&
               p.packet.size() >= p.pn_offset + kSampleOffset + kHpSampleLen && p.packet.size() >= header + kAeadTagLen;
        if (!p.ok) {
            continue;  // ops[i] keeps no key: the engine marks it bad_key
        }
        nonces[i] = crypto::packet_nonce(p.keys->iv, p.packet_number);
        const size_t plain = p.packet.size() - header - kAeadTagLen;
        ops[i] = crypto::AeadOp{&p.keys->aead, nonces[i], p.packet.first(header), p.packet.subspan(header, plain),
                                p.packet.subspan(header)};
    }
    m_engine.seal(std::span(ops.data(), burst.size()));
    for (size_t i = 0; i < burst.size(); ++i) {
        OutgoingPacket& p = burst[i];
        p.ok = p.ok && ops[i].status == crypto::AeadStatus::ok;
        hp[i] = p.ok ? &p.keys->hp : nullptr;
        if (p.ok) {
            std::memcpy(samples[i].data(), p.packet.data() + p.pn_offset + kSampleOffset, kHpSampleLen);
        }
    }
    masks_in_runs(hp.data(), samples.data(), masks.data(), burst.size(), masked.data());
    size_t done = 0;
    for (size_t i = 0; i < burst.size(); ++i) {
        OutgoingPacket& p = burst[i];
        p.ok = p.ok && masked[i];
        if (!p.ok) {
            continue;
        }
        p.packet[0] ^= masks[i][0] & first_byte_mask(p.packet[0]);
        for (size_t k = 0; k < p.pn_length; ++k) {
            p.packet[p.pn_offset + k] ^= masks[i][1 + k];
        }
        ++done;
    }
    return done;
}

// RFC 9001 §6.3: a short header's Key Phase bit picks the keys once header protection is
// off; the packet number tells a late packet of the previous phase from the next phase.
static const PacketKeySet* choose_keys(IncomingPacket& p) {
    p.opened_with = KeyChoice::current;
    const bool short_header = (p.first_byte & 0x80) == 0;
    if (!short_header || (p.next_keys == nullptr && p.previous_keys == nullptr) ||
        ((p.first_byte & 0x04) != 0) == p.key_phase) {
        return p.keys;
    }
    if (p.previous_keys != nullptr && p.packet_number < p.phase_start) {
        p.opened_with = KeyChoice::previous;
        return p.previous_keys;
    }
    p.opened_with = KeyChoice::next;
    return p.next_keys;
}

// RFC 9001 §5.4.2 then §5.3: unmask the first byte and the packet number, recover the full
// packet number (RFC 9000 A.3), then open in place with the unprotected header as AAD.
size_t PacketProtection::unprotect_chunk(std::span<IncomingPacket> burst) {
    std::array<const crypto::HpKey*, kMaxBurst> hp{};
    std::array<crypto::HpSample, kMaxBurst> samples{};
    std::array<crypto::HpMask, kMaxBurst> masks{};
    std::array<bool, kMaxBurst> masked{};
    for (size_t i = 0; i < burst.size(); ++i) {
        IncomingPacket& p = burst[i];
        p.status = p.keys == nullptr || !p.keys->valid ? OpenStatus::no_keys
                   : p.packet.size() < p.pn_offset + kSampleOffset + kHpSampleLen ? OpenStatus::too_short
                                                                                  : OpenStatus::ok;
        hp[i] = p.status == OpenStatus::ok ? &p.keys->hp : nullptr;
        if (hp[i] != nullptr) {
            std::memcpy(samples[i].data(), p.packet.data() + p.pn_offset + kSampleOffset, kHpSampleLen);
        }
    }
    masks_in_runs(hp.data(), samples.data(), masks.data(), burst.size(), masked.data());
    std::array<crypto::AeadOp, kMaxBurst> ops{};
    std::array<Nonce, kMaxBurst> nonces{};
    for (size_t i = 0; i < burst.size(); ++i) {
        IncomingPacket& p = burst[i];
        if (p.status != OpenStatus::ok || !masked[i]) {
            p.status = p.status == OpenStatus::ok ? OpenStatus::no_keys : p.status;
            continue;
        }
        p.packet[0] ^= masks[i][0] & first_byte_mask(p.packet[0]);
        p.first_byte = p.packet[0];
        p.pn_length = size_t(p.first_byte & 0x03) + 1;
        uint64_t truncated = 0;
        for (size_t k = 0; k < p.pn_length; ++k) {
            p.packet[p.pn_offset + k] ^= masks[i][1 + k];
            truncated = truncated << 8 | p.packet[p.pn_offset + k];
        }
        p.packet_number = decode_packet_number(p.largest_received, p.has_largest, truncated, unsigned(8 * p.pn_length));
        const size_t header = p.pn_offset + p.pn_length;
        if (p.packet.size() < header + kAeadTagLen) {
            p.status = OpenStatus::too_short;
            continue;
        }
        const PacketKeySet* keys = choose_keys(p);
        if (keys == nullptr) {
            p.status = OpenStatus::no_keys;
            continue;
        }
        nonces[i] = crypto::packet_nonce(keys->iv, p.packet_number.raw());
        const size_t cipher = p.packet.size() - header;
        ops[i] = crypto::AeadOp{&keys->aead, nonces[i], p.packet.first(header), p.packet.subspan(header, cipher),
                                p.packet.subspan(header, cipher - kAeadTagLen)};
    }
    m_engine.open(std::span(ops.data(), burst.size()));
    size_t done = 0;
    for (size_t i = 0; i < burst.size(); ++i) {
        IncomingPacket& p = burst[i];
        if (p.status != OpenStatus::ok) {
            continue;
        }
        if (ops[i].status != crypto::AeadStatus::ok) {
            p.status = OpenStatus::auth_failed;
            continue;
        }
        p.payload = ops[i].output;
        p.status = reserved_bits(p.first_byte) != 0 ? OpenStatus::reserved_bits : OpenStatus::ok;
        done += p.status == OpenStatus::ok ? 1 : 0;
    }
    return done;
}

}  // namespace slip::stack::quic
