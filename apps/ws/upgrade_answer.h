#pragma once
// The server's answer to a WebSocket opening handshake (RFC 6455 §4.2): the checks on the
// client's request (§4.2.1) and the response's bytes (§4.2.2), 101 or an error status.
// No extension and no subprotocol is ever agreed: the response names none (§4.2.2 items
// 5.4-5.5), so the peer may use neither (§9.1, §1.9).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/http/request_head.h"

namespace slip::apps::ws {

// Room for the longest answer below.
inline constexpr size_t kMaxUpgradeAnswer = 192;

struct UpgradeAnswer {
    uint16_t status = 0;  // 101: the connection speaks WebSocket from the next byte on
    std::array<char, kMaxUpgradeAnswer> bytes{};
    size_t length = 0;

    bool accepted() const { return status == 101; }
    std::string_view text() const { return {bytes.data(), length}; }
};

// Checks `head` and writes the answer:
//   400  not a GET (§4.2.1 item 1), not HTTP/1.1, no Host (item 2), Upgrade without
//        "websocket" or Connection without "Upgrade" (items 3-4), a request body (the
//        frames start right after the head), or a key that is not 16 bytes in base64 (item 5)
//   426  a Sec-WebSocket-Version other than 13, with "Sec-WebSocket-Version: 13" (§4.4)
//   101  Switching Protocols with Upgrade, Connection and Sec-WebSocket-Accept (§4.2.2)
// The error answers carry "Connection: close": the caller closes after them.
UpgradeAnswer answer_upgrade(const http::RequestHead& head);

// An error answer of the same form for a refusal of the caller's own (503: no room).
UpgradeAnswer refuse_upgrade(uint16_t status);

}  // namespace slip::apps::ws
