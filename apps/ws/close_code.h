#pragma once
// WebSocket close codes and the Close frame's payload (RFC 6455 §5.5.1, §7.4). The codec
// reports every failure as the close code to send (§7.1.7 "Fail the WebSocket Connection"),
// so the same type carries both. Sans-I/O: no allocation, no exceptions.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace slip::apps::ws {

// RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number Registry". Received codes in
// 3000-4999 (registered libraries and private use) are carried as their number.
enum class CloseCode : uint16_t {
    none = 0,                   // not a wire code: "no failure" in results
    normal = 1000,              // purpose fulfilled
    going_away = 1001,          // server going down, browser leaving the page
    protocol_error = 1002,      // a frame or message breaks RFC 6455
    unsupported_data = 1003,    // a data type the endpoint cannot accept
    no_status = 1005,           // never sent: the Close frame had no code
    abnormal = 1006,            // never sent: the connection closed without a Close frame
    invalid_payload = 1007,     // data not consistent with the message type (bad UTF-8)
    policy_violation = 1008,    // generic refusal
    message_too_big = 1009,     // a message over the endpoint's limit
    mandatory_extension = 1010, // client only: the server did not negotiate an extension
    internal_error = 1011,      // an unexpected condition on the server
    tls_handshake = 1015,       // never sent: the TLS handshake failed
};

constexpr uint16_t to_wire(CloseCode code) { return static_cast<uint16_t>(code); }

// RFC 6455 §5.5: a control frame's payload is at most 125 bytes; the Close frame spends two
// of them on the code.
inline constexpr size_t kMaxControlPayload = 125;
inline constexpr size_t kMaxCloseReason = kMaxControlPayload - 2;

// Whether a peer may put `code` in a Close frame (RFC 6455 §7.4.1-§7.4.2): 1000-1003 and
// 1007-1011 are defined for the wire, 3000-4999 belong to libraries and applications.
// 1004 (reserved), 1005, 1006 and 1015 (must never be sent), 1012-1014 (registered later by
// IANA, not in RFC 6455) and all else are rejected, as the Autobahn test suite expects.
bool close_code_valid_on_wire(uint16_t code);

// A received Close frame's payload, checked (RFC 6455 §5.5.1).
struct ClosePayload {
    CloseCode error = CloseCode::none;  // protocol_error or invalid_payload: fail the connection
    bool has_code = false;              // false: the payload was empty (report 1005 upward)
    uint16_t code = 0;                  // valid on the wire when has_code and no error
    std::span<const uint8_t> reason;    // valid UTF-8 (§5.5.1), inside the given payload
};

// Empty: no code. One byte: protocol_error (a code is two bytes). A code not valid on the
// wire: protocol_error. A reason that is not valid UTF-8: invalid_payload.
ClosePayload parse_close_payload(std::span<const uint8_t> payload);

// Writes a Close frame's payload (code in network byte order, then the reason) into `out` and
// returns its length. The reason is cut at a code point boundary to fit both `out` and the
// 123 bytes a control frame leaves; it is expected to be valid UTF-8. Returns 0 when `out`
// has room for less than the code. The code is written as given: the caller sends codes that
// close_code_valid_on_wire() accepts.
size_t build_close_payload(std::span<uint8_t> out, uint16_t code, std::string_view reason);

}  // namespace slip::apps::ws
