#include "stack/services/tcp_services.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace slip::stack {

using tcp::TcpHandle;

// ---- echo ----

TcpEcho::TcpEcho(tcp::TcpLayer& tcp, uint32_t max_connections, MbufPool* pool)
    : m_tcp(tcp), m_pool(pool), m_pending(max_connections) {}

void TcpEcho::on_data(TcpHandle h, Mbuf* data, uint32_t, Instant now) {
    m_pending[h.index].held.append(data, m_pool);
    flush(h, now);
}

void TcpEcho::flush(TcpHandle h, Instant now) {
    Pending& p = m_pending[h.index];
    while (!p.held.empty()) {
        // As much as the send buffer takes now (send_space asks for on_send_space when
        // that is less than a segment); what goes there is consumed, reopening the window.
        const uint32_t space = m_tcp.send_space(h);
        uint32_t taken = 0;
        Mbuf* part = space > 0 ? p.held.take_front(space, m_pool, taken) : nullptr;
        if (part == nullptr) {
            break;  // no room, or no buffer to split one with: the next ACK or data retries
        }
        if (!m_tcp.send(h, part, now)) {
            buf::free(part);  // the connection sends no more: nothing to echo to
        }
        m_tcp.consume(h, taken, now);
    }
    if (p.close_after && p.held.empty()) {
        p.close_after = false;
        m_tcp.close(h, now);
    }
}

void TcpEcho::on_send_space(TcpHandle h, Instant now) {
    flush(h, now);
}

void TcpEcho::on_peer_closed(TcpHandle h, Instant now) {
    m_pending[h.index].close_after = true;
    flush(h, now);
}

void TcpEcho::on_closed(TcpHandle h, tcp::CloseReason, Instant) {
    Pending& p = m_pending[h.index];
    p.held.clear();
    p.close_after = false;
}

}  // namespace slip::stack
