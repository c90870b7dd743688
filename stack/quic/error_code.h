#pragma once
// QUIC transport error codes (RFC 9000 §20.1), carried in CONNECTION_CLOSE frames of type
// 0x1c. A parser returns one of these for input that breaks the protocol, and the
// connection closes with it.
#include <cstdint>

namespace slip::stack::quic {

enum class TransportError : uint64_t {
    no_error = 0x00,
    internal_error = 0x01,
    connection_refused = 0x02,
    flow_control_error = 0x03,
    stream_limit_error = 0x04,
    stream_state_error = 0x05,
    final_size_error = 0x06,
    frame_encoding_error = 0x07,
    transport_parameter_error = 0x08,
    connection_id_limit_error = 0x09,
    protocol_violation = 0x0a,
    invalid_token = 0x0b,
    application_error = 0x0c,
    crypto_buffer_exceeded = 0x0d,
    key_update_error = 0x0e,
    aead_limit_reached = 0x0f,
    no_viable_path = 0x10,
    // 0x0100-0x01ff: a TLS alert (its code in the low byte), RFC 9001 §4.8.
    crypto_error_base = 0x0100,
};

const char* to_string(TransportError e);

}  // namespace slip::stack::quic
