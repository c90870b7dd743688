#include "stack/quic/transport_params.h"

#include "stack/quic/wire.h"

namespace slip::stack::quic {

namespace {

using Id = TransportParameterId;
constexpr uint64_t kMaxKnownId = uint64_t(Id::retry_source_connection_id);

void put_int(WireWriter& w, Id id, uint64_t v) {
    w.varint(uint64_t(id));
    w.varint(varint_size(v));
    w.varint(v);
}

void put_bytes(WireWriter& w, Id id, std::span<const uint8_t> b) {
    w.varint(uint64_t(id));
    w.varint(b.size());
    w.bytes(b);
}

void put_preferred_address(WireWriter& w, const PreferredAddress& a) {
    const size_t len = 4 + 2 + 16 + 2 + 1 + a.connection_id.size() + 16;
    w.varint(uint64_t(Id::preferred_address));
    w.varint(len);
    w.bytes(a.ipv4);
    w.u16(a.ipv4_port);
    w.bytes(a.ipv6);
    w.u16(a.ipv6_port);
    w.u8(uint8_t(a.connection_id.size()));
    w.bytes(a.connection_id.span());
    w.bytes(a.reset_token);
}

// §18.2: a parameter's value is one varint filling its length exactly.
bool read_int(std::span<const uint8_t> value, uint64_t& out) {
    WireReader r(value);
    out = r.varint();
    return r.ok() && r.at_end();
}

bool read_preferred_address(std::span<const uint8_t> value, PreferredAddress& a) {
    WireReader r(value);
    const auto v4 = r.bytes(4);
    a.ipv4_port = r.u16();
    const auto v6 = r.bytes(16);
    a.ipv6_port = r.u16();
    const uint8_t cid_len = r.u8();
    const auto cid = r.bytes(cid_len);
    const auto token = r.bytes(16);
    // §18.2: the connection ID is not zero-length (a zero-length ID cannot move paths).
    if (!r.ok() || !r.at_end() || cid_len == 0 || !ConnectionId::from(cid, a.connection_id)) {
        return false;
    }
    std::copy(v4.begin(), v4.end(), a.ipv4.begin());
    std::copy(v6.begin(), v6.end(), a.ipv6.begin());
    std::copy(token.begin(), token.end(), a.reset_token.begin());
    return true;
}

bool server_only(Id id) {
    return id == Id::original_destination_connection_id || id == Id::stateless_reset_token ||
           id == Id::preferred_address || id == Id::retry_source_connection_id;
}

// One known parameter into `p`; false with `why` when its value breaks §18.2.
bool take(Id id, std::span<const uint8_t> value, TransportParameters& p, const char*& why) {
    uint64_t v = 0;
    switch (id) {
    case Id::original_destination_connection_id:
        why = "original_destination_connection_id too long";
        return p.has_original_destination_connection_id =
                   ConnectionId::from(value, p.original_destination_connection_id);
    case Id::initial_source_connection_id:
        why = "initial_source_connection_id too long";
        return p.has_initial_source_connection_id = ConnectionId::from(value, p.initial_source_connection_id);
    case Id::retry_source_connection_id:
        why = "retry_source_connection_id too long";
        return p.has_retry_source_connection_id = ConnectionId::from(value, p.retry_source_connection_id);
    case Id::stateless_reset_token:
        why = "stateless_reset_token is not 16 bytes";
        if (value.size() != 16) {
            return false;
        }
        std::copy(value.begin(), value.end(), p.stateless_reset_token.begin());
        return p.has_stateless_reset_token = true;
    case Id::disable_active_migration:
        why = "disable_active_migration has a value";
        return value.empty() && (p.disable_active_migration = true);
    case Id::preferred_address:
        why = "preferred_address malformed";
        return p.has_preferred_address = read_preferred_address(value, p.preferred_address);
    default:
        break;
    }
    why = "an integer parameter is malformed";
    if (!read_int(value, v)) {
        return false;
    }
    switch (id) {
    case Id::max_idle_timeout: p.max_idle_timeout_ms = v; return true;
    case Id::max_udp_payload_size: why = "max_udp_payload_size below 1200"; return (p.max_udp_payload_size = v) >= 1200;
    case Id::initial_max_data: p.initial_max_data = v; return true;
    case Id::initial_max_stream_data_bidi_local: p.initial_max_stream_data_bidi_local = v; return true;
    case Id::initial_max_stream_data_bidi_remote: p.initial_max_stream_data_bidi_remote = v; return true;
    case Id::initial_max_stream_data_uni: p.initial_max_stream_data_uni = v; return true;
    case Id::initial_max_streams_bidi: why = "initial_max_streams_bidi above 2^60"; return (p.initial_max_streams_bidi = v) <= (uint64_t(1) << 60);
    case Id::initial_max_streams_uni: why = "initial_max_streams_uni above 2^60"; return (p.initial_max_streams_uni = v) <= (uint64_t(1) << 60);
    case Id::ack_delay_exponent: why = "ack_delay_exponent above 20"; return (p.ack_delay_exponent = v) <= 20;
    case Id::max_ack_delay: why = "max_ack_delay of 2^14 ms or more"; return (p.max_ack_delay_ms = v) < (1u << 14);
    case Id::active_connection_id_limit: why = "active_connection_id_limit below 2"; return (p.active_connection_id_limit = v) >= 2;
    default: return true;
    }
}

}  // namespace

bool encode_transport_parameters(const TransportParameters& p, Role sender, std::span<uint8_t> out, size_t& written) {
    const TransportParameters d;
    WireWriter w(out);
    const bool server = sender == Role::server;
    if (server && p.has_original_destination_connection_id) {
        put_bytes(w, Id::original_destination_connection_id, p.original_destination_connection_id.span());
    }
    if (p.max_idle_timeout_ms != d.max_idle_timeout_ms) put_int(w, Id::max_idle_timeout, p.max_idle_timeout_ms);
    if (server && p.has_stateless_reset_token) put_bytes(w, Id::stateless_reset_token, p.stateless_reset_token);
    if (p.max_udp_payload_size != d.max_udp_payload_size) put_int(w, Id::max_udp_payload_size, p.max_udp_payload_size);
    if (p.initial_max_data != 0) put_int(w, Id::initial_max_data, p.initial_max_data);
    if (p.initial_max_stream_data_bidi_local != 0) put_int(w, Id::initial_max_stream_data_bidi_local, p.initial_max_stream_data_bidi_local);
    if (p.initial_max_stream_data_bidi_remote != 0) put_int(w, Id::initial_max_stream_data_bidi_remote, p.initial_max_stream_data_bidi_remote);
    if (p.initial_max_stream_data_uni != 0) put_int(w, Id::initial_max_stream_data_uni, p.initial_max_stream_data_uni);
    if (p.initial_max_streams_bidi != 0) put_int(w, Id::initial_max_streams_bidi, p.initial_max_streams_bidi);
    if (p.initial_max_streams_uni != 0) put_int(w, Id::initial_max_streams_uni, p.initial_max_streams_uni);
    if (p.ack_delay_exponent != d.ack_delay_exponent) put_int(w, Id::ack_delay_exponent, p.ack_delay_exponent);
    if (p.max_ack_delay_ms != d.max_ack_delay_ms) put_int(w, Id::max_ack_delay, p.max_ack_delay_ms);
    if (p.disable_active_migration) put_bytes(w, Id::disable_active_migration, {});
    if (server && p.has_preferred_address) put_preferred_address(w, p.preferred_address);
    if (p.active_connection_id_limit != d.active_connection_id_limit) put_int(w, Id::active_connection_id_limit, p.active_connection_id_limit);
    if (p.has_initial_source_connection_id) put_bytes(w, Id::initial_source_connection_id, p.initial_source_connection_id.span());
    if (server && p.has_retry_source_connection_id) put_bytes(w, Id::retry_source_connection_id, p.retry_source_connection_id.span());
    written = w.ok() ? w.size() : 0;
    return w.ok();
}

TransportError decode_transport_parameters(std::span<const uint8_t> bytes, Role sender, TransportParameters& out,
                                           const char** why_out) {
    out = TransportParameters{};
    const char* why = nullptr;
    uint32_t seen = 0;  // known ids, one bit each (§7.4: none twice)
    WireReader r(bytes);
    while (r.ok() && !r.at_end()) {
        const uint64_t id = r.varint();
        const uint64_t length = r.varint();
        if (!r.ok() || length > r.left()) {
            why = "a parameter runs past the end";
            break;
        }
        const std::span<const uint8_t> value = r.bytes(size_t(length));
        if (id > kMaxKnownId) {
            continue;  // §18.1: unknown and reserved parameters are ignored
        }
        const Id known = Id(id);
        if ((seen & (1u << id)) != 0) {
            why = "a parameter sent twice";
            break;
        }
        seen |= 1u << id;
        // §18.2: a client sending a server-only parameter is TRANSPORT_PARAMETER_ERROR.
        if (sender == Role::client && server_only(known)) {
            why = "a server-only parameter from a client";
            break;
        }
        if (!take(known, value, out, why)) {
            break;
        }
        why = nullptr;
    }
    if (why_out != nullptr) {
        *why_out = why;
    }
    return why == nullptr ? TransportError::no_error : TransportError::transport_parameter_error;
}

}  // namespace slip::stack::quic
