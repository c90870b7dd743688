#pragma once
// QUIC transport parameters (RFC 9000 §18): what each endpoint declares in its TLS
// handshake, encoded as (id, length, value) triples. Decoding validates what §18.2 and §7.4
// require (values in range, server-only parameters not from a client, no duplicates) and
// answers TRANSPORT_PARAMETER_ERROR otherwise; unknown and reserved (GREASE) parameters
// are ignored, as §18.1 asks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/connection_id.h"
#include "stack/quic/error_code.h"

namespace slip::stack::quic {

enum class TransportParameterId : uint64_t {
    original_destination_connection_id = 0x00,
    max_idle_timeout = 0x01,
    stateless_reset_token = 0x02,
    max_udp_payload_size = 0x03,
    initial_max_data = 0x04,
    initial_max_stream_data_bidi_local = 0x05,
    initial_max_stream_data_bidi_remote = 0x06,
    initial_max_stream_data_uni = 0x07,
    initial_max_streams_bidi = 0x08,
    initial_max_streams_uni = 0x09,
    ack_delay_exponent = 0x0a,
    max_ack_delay = 0x0b,
    disable_active_migration = 0x0c,
    preferred_address = 0x0d,
    active_connection_id_limit = 0x0e,
    initial_source_connection_id = 0x0f,
    retry_source_connection_id = 0x10,
};

struct PreferredAddress {
    std::array<uint8_t, 4> ipv4{};
    uint16_t ipv4_port = 0;
    std::array<uint8_t, 16> ipv6{};
    uint16_t ipv6_port = 0;
    ConnectionId connection_id;
    std::array<uint8_t, 16> reset_token{};
};

// The defaults are §18.2's (what an absent parameter means).
struct TransportParameters {
    bool has_original_destination_connection_id = false;
    ConnectionId original_destination_connection_id;
    uint64_t max_idle_timeout_ms = 0;  // 0: none
    bool has_stateless_reset_token = false;
    std::array<uint8_t, 16> stateless_reset_token{};
    uint64_t max_udp_payload_size = 65527;
    uint64_t initial_max_data = 0;
    uint64_t initial_max_stream_data_bidi_local = 0;
    uint64_t initial_max_stream_data_bidi_remote = 0;
    uint64_t initial_max_stream_data_uni = 0;
    uint64_t initial_max_streams_bidi = 0;
    uint64_t initial_max_streams_uni = 0;
    uint64_t ack_delay_exponent = 3;
    uint64_t max_ack_delay_ms = 25;
    bool disable_active_migration = false;
    bool has_preferred_address = false;
    PreferredAddress preferred_address;
    uint64_t active_connection_id_limit = 2;
    bool has_initial_source_connection_id = false;
    ConnectionId initial_source_connection_id;
    bool has_retry_source_connection_id = false;
    ConnectionId retry_source_connection_id;
};

enum class Role : uint8_t { client, server };

// Encodes `p` as sent by `sender` (a client never sends the server-only parameters;
// defaults are left out). False if `out` is too small; `written` the bytes.
bool encode_transport_parameters(const TransportParameters& p, Role sender, std::span<uint8_t> out, size_t& written);

// Decodes the peer's parameters, sent by `sender`. no_error, or
// TRANSPORT_PARAMETER_ERROR with `why` naming the offending parameter.
TransportError decode_transport_parameters(std::span<const uint8_t> bytes, Role sender, TransportParameters& out,
                                           const char** why = nullptr);

}  // namespace slip::stack::quic
