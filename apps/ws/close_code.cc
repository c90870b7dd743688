#include "apps/ws/close_code.h"

#include <algorithm>
#include <cstring>

#include "apps/ws/utf8.h"

namespace slip::apps::ws {

bool close_code_valid_on_wire(uint16_t code) {
    if (code >= 1000 && code <= 1003) {
        return true;
    }
    if (code >= 1007 && code <= 1011) {
        return true;
    }
    return code >= 3000 && code <= 4999;
}

ClosePayload parse_close_payload(std::span<const uint8_t> payload) {
    ClosePayload result;
    if (payload.empty()) {
        return result;  // RFC 6455 §5.5.1: the body is optional; 1005 is reported upward
    }
    if (payload.size() == 1) {
        result.error = CloseCode::protocol_error;  // a code is two bytes (§5.5.1)
        return result;
    }
    const auto code = static_cast<uint16_t>((payload[0] << 8) | payload[1]);
    if (!close_code_valid_on_wire(code)) {
        result.error = CloseCode::protocol_error;
        return result;
    }
    const std::span<const uint8_t> reason = payload.subspan(2);
    if (!utf8_valid(reason)) {
        result.error = CloseCode::invalid_payload;  // §5.5.1: the reason is UTF-8, §8.1
        return result;
    }
    result.has_code = true;
    result.code = code;
    result.reason = reason;
    return result;
}

size_t build_close_payload(std::span<uint8_t> out, uint16_t code, std::string_view reason) {
    if (out.size() < 2) {
        return 0;
    }
    size_t length = std::min({reason.size(), kMaxCloseReason, out.size() - 2});
    // Cut before a continuation byte so that no code point is split (RFC 3629 §3: they are
    // 10xxxxxx, every other byte starts a code point).
    while (length < reason.size() && length > 0 && (static_cast<uint8_t>(reason[length]) & 0xc0) == 0x80) {
        --length;
    }
    out[0] = static_cast<uint8_t>(code >> 8);
    out[1] = static_cast<uint8_t>(code);
    if (length > 0) {
        std::memcpy(out.data() + 2, reason.data(), length);
    }
    return 2 + length;
}

}  // namespace slip::apps::ws
