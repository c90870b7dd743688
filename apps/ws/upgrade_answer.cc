#include "apps/ws/upgrade_answer.h"

#include <algorithm>
#include <span>

#include "apps/ws/handshake.h"

namespace slip::apps::ws {

namespace {

void put(UpgradeAnswer& a, std::string_view text) {
    const size_t n = std::min(text.size(), a.bytes.size() - a.length);
    std::copy_n(text.data(), n, a.bytes.data() + a.length);
    a.length += n;
}

UpgradeAnswer error_answer(uint16_t status) {
    UpgradeAnswer a;
    a.status = status;
    switch (status) {
    case 400: put(a, "HTTP/1.1 400 Bad Request\r\n"); break;
    case 426: put(a, "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"); break;
    default: put(a, "HTTP/1.1 503 Service Unavailable\r\n"); a.status = 503; break;
    }
    put(a, "Content-Length: 0\r\nConnection: close\r\n\r\n");
    return a;
}

}  // namespace

UpgradeAnswer refuse_upgrade(uint16_t status) { return error_answer(status); }

UpgradeAnswer answer_upgrade(const http::RequestHead& head) {
    if (head.method != http::Method::get || head.version_minor != 1 || !head.has_host || !head.upgrade_websocket ||
        head.has_body()) {
        return error_answer(400);
    }
    if (!valid_version(head.sec_websocket_version)) {
        return error_answer(426);
    }
    std::array<char, kAcceptLen> accept;
    if (!valid_key(head.sec_websocket_key) || !compute_accept(head.sec_websocket_key, accept)) {
        return error_answer(400);
    }
    UpgradeAnswer a;
    a.status = 101;
    put(a, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
    put(a, "Sec-WebSocket-Accept: ");
    put(a, std::string_view(accept.data(), accept.size()));
    put(a, "\r\n\r\n");
    return a;
}

}  // namespace slip::apps::ws
