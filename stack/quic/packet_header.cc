#include "stack/quic/packet_header.h"

namespace slip::stack::quic {

namespace {

constexpr uint8_t kLongForm = 0x80;  // RFC 8999 §5.1
constexpr uint8_t kFixedBit = 0x40;  // RFC 9000 §17.2: 1 in every version 1 packet
constexpr size_t kLengthFieldSize = 2;

// RFC 9000 §17.2: the long packet types of version 1 (first byte bits 4-5).
PacketType long_type(uint8_t first_byte) {
    switch ((first_byte >> 4) & 0x03) {
    case 0: return PacketType::initial;
    case 1: return PacketType::zero_rtt;
    case 2: return PacketType::handshake;
    default: return PacketType::retry;
    }
}

uint8_t long_type_bits(PacketType t) {
    switch (t) {
    case PacketType::initial: return 0;
    case PacketType::zero_rtt: return 1;
    case PacketType::handshake: return 2;
    default: return 3;
    }
}

HeaderStatus parse_short(std::span<const uint8_t> bytes, size_t dcid_length, PacketHeader& out) {
    // RFC 9000 §17.3.1: fixed bit set; the DCID's length is ours to know.
    if ((bytes[0] & kFixedBit) == 0 || bytes.size() < 1 + dcid_length + 1) {
        return HeaderStatus::malformed;
    }
    out.type = PacketType::one_rtt;
    out.dcid = bytes.subspan(1, dcid_length);
    out.pn_offset = 1 + dcid_length;
    out.packet_size = bytes.size();  // a short header packet runs to the datagram's end (§12.2)
    return HeaderStatus::ok;
}

// After the connection IDs of a version 1 long header: the type's own fields.
HeaderStatus parse_long_v1(WireReader& r, std::span<const uint8_t> bytes, PacketHeader& out) {
    out.type = long_type(out.first_byte);
    if (out.type == PacketType::retry) {
        // RFC 9000 §17.2.5: the token runs to the integrity tag, which ends the datagram.
        if (r.left() < kRetryIntegrityTagLength) {
            return HeaderStatus::malformed;
        }
        out.token = r.bytes(r.left() - kRetryIntegrityTagLength);
        out.retry_tag = r.bytes(kRetryIntegrityTagLength);
        out.packet_size = bytes.size();
        return HeaderStatus::ok;
    }
    if (out.type == PacketType::initial) {
        const uint64_t token_length = r.varint();
        if (!r.ok() || token_length > r.left()) {
            return HeaderStatus::malformed;
        }
        out.token = r.bytes(size_t(token_length));
    }
    out.length = r.varint();
    if (!r.ok() || out.length == 0 || out.length > r.left()) {
        return HeaderStatus::malformed;
    }
    out.pn_offset = r.offset();
    out.packet_size = r.offset() + size_t(out.length);
    return HeaderStatus::ok;
}

}  // namespace

const char* to_string(PacketType t) {
    switch (t) {
    case PacketType::initial: return "initial";
    case PacketType::zero_rtt: return "0rtt";
    case PacketType::handshake: return "handshake";
    case PacketType::retry: return "retry";
    case PacketType::version_negotiation: return "version_negotiation";
    case PacketType::one_rtt: return "1rtt";
    }
    return "?";
}

bool parse_invariant_long_header(std::span<const uint8_t> bytes, uint32_t& version, std::span<const uint8_t>& dcid,
                                 std::span<const uint8_t>& scid) {
    WireReader r(bytes);
    const uint8_t first = r.u8();
    version = r.u32();
    dcid = r.bytes(r.u8());
    scid = r.bytes(r.u8());
    return r.ok() && (first & kLongForm) != 0;
}

HeaderStatus parse_packet_header(std::span<const uint8_t> bytes, size_t short_dcid_length, PacketHeader& out) {
    out = PacketHeader{};
    if (bytes.empty()) {
        return HeaderStatus::malformed;
    }
    out.first_byte = bytes[0];
    if (!out.is_long()) {
        return parse_short(bytes, short_dcid_length, out);
    }
    // RFC 8999 §5.1 first: what every version's long header shares.
    if (!parse_invariant_long_header(bytes, out.version, out.dcid, out.scid)) {
        return HeaderStatus::malformed;
    }
    WireReader r(bytes);
    r.skip(1 + 4 + 1 + out.dcid.size() + 1 + out.scid.size());
    if (out.version == kVersionNegotiation) {
        // RFC 9000 §17.2.1: a non-empty list of 32-bit versions to the datagram's end.
        out.type = PacketType::version_negotiation;
        out.versions = r.rest();
        out.packet_size = bytes.size();
        return out.versions.empty() || out.versions.size() % 4 != 0 ? HeaderStatus::malformed : HeaderStatus::ok;
    }
    if (out.version != kVersion1) {
        out.packet_size = bytes.size();
        return HeaderStatus::unknown_version;
    }
    // RFC 9000 §17.2: version 1 IDs are at most 20 bytes, and the fixed bit is set.
    if (out.dcid.size() > kMaxConnectionIdLength || out.scid.size() > kMaxConnectionIdLength ||
        (out.first_byte & kFixedBit) == 0) {
        return HeaderStatus::malformed;
    }
    return parse_long_v1(r, bytes, out);
}

bool write_long_header(WireWriter& w, PacketType type, uint32_t version, std::span<const uint8_t> dcid,
                       std::span<const uint8_t> scid, std::span<const uint8_t> token, uint64_t packet_number,
                       size_t pn_length, BuiltHeader& out) {
    if (pn_length < 1 || pn_length > 4 || dcid.size() > kMaxConnectionIdLength ||
        scid.size() > kMaxConnectionIdLength || type == PacketType::retry || type == PacketType::one_rtt ||
        type == PacketType::version_negotiation) {
        return false;
    }
    const size_t start = w.size();
    out.start = start;
    w.u8(uint8_t(kLongForm | kFixedBit | long_type_bits(type) << 4 | (pn_length - 1)));
    w.u32(version);
    w.u8(uint8_t(dcid.size()));
    w.bytes(dcid);
    w.u8(uint8_t(scid.size()));
    w.bytes(scid);
    if (type == PacketType::initial) {
        w.varint(token.size());
        w.bytes(token);
    }
    out.length_offset = w.size() - start;
    w.varint_sized(0, kLengthFieldSize);
    out.pn_offset = w.size() - start;
    out.pn_length = pn_length;
    w.be(packet_number, pn_length);
    return w.ok();
}

void patch_long_header_length(WireWriter& w, const BuiltHeader& h, uint64_t pn_and_payload_bytes) {
    w.patch_varint(h.start + h.length_offset, pn_and_payload_bytes, kLengthFieldSize);
}

bool write_short_header(WireWriter& w, std::span<const uint8_t> dcid, uint64_t packet_number, size_t pn_length,
                        bool key_phase, bool spin, BuiltHeader& out) {
    if (pn_length < 1 || pn_length > 4 || dcid.size() > kMaxConnectionIdLength) {
        return false;
    }
    // RFC 9000 §17.3.1: 0 1 S R R K P P (the reserved bits are sent as zero).
    const size_t start = w.size();
    out.start = start;
    w.u8(uint8_t(kFixedBit | (spin ? 0x20 : 0) | (key_phase ? 0x04 : 0) | (pn_length - 1)));
    w.bytes(dcid);
    out.length_offset = 0;
    out.pn_offset = w.size() - start;
    out.pn_length = pn_length;
    w.be(packet_number, pn_length);
    return w.ok();
}

bool write_version_negotiation(WireWriter& w, std::span<const uint8_t> client_dcid, std::span<const uint8_t> client_scid,
                               std::span<const uint32_t> versions, uint8_t unused) {
    // RFC 8999 §6: IDs up to 255 bytes are echoed, whatever the version.
    if (client_dcid.size() > 255 || client_scid.size() > 255 || versions.empty()) {
        return false;
    }
    w.u8(uint8_t(kLongForm | (unused & 0x7f)));
    w.u32(kVersionNegotiation);
    w.u8(uint8_t(client_scid.size()));
    w.bytes(client_scid);
    w.u8(uint8_t(client_dcid.size()));
    w.bytes(client_dcid);
    for (const uint32_t v : versions) {
        w.u32(v);
    }
    return w.ok();
}

bool write_retry_without_tag(WireWriter& w, uint32_t version, std::span<const uint8_t> dcid,
                             std::span<const uint8_t> scid, std::span<const uint8_t> token, uint8_t unused) {
    if (dcid.size() > kMaxConnectionIdLength || scid.size() > kMaxConnectionIdLength || token.empty()) {
        return false;
    }
    w.u8(uint8_t(kLongForm | kFixedBit | long_type_bits(PacketType::retry) << 4 | (unused & 0x0f)));
    w.u32(version);
    w.u8(uint8_t(dcid.size()));
    w.bytes(dcid);
    w.u8(uint8_t(scid.size()));
    w.bytes(scid);
    w.bytes(token);
    return w.ok();
}

}  // namespace slip::stack::quic
