#include "apps/services/services.h"

#include <algorithm>

namespace slip::apps {

using app::BufferChain;
using app::Connections;
using app::ConnId;
using app::Status;

// ---- echo ----

void Echo::flush(Connections& c, ConnId id) {
    Conn& conn = m_conns[c.slot(id)];
    for (;;) {
        if (conn.pending.empty()) {
            // Only what the send buffer takes now leaves the receive side: the rest stays
            // unconsumed there, holding the window closed by as much.
            const uint32_t available = std::min(c.received(id).bytes(), c.send_room(id));
            if (available == 0) {
                break;  // nothing received, or no room: on_writable brings us back
            }
            conn.pending = c.take(id, available);
            if (conn.pending.empty()) {
                break;  // no buffer to split one with: the next event retries
            }
            m_pending_bytes += conn.pending.bytes();
        }
        const uint32_t offered = conn.pending.bytes();
        const app::SendResult r = c.send(id, conn.pending);
        m_pending_bytes -= r.accepted;
        if (r.status != Status::ok) {
            m_pending_bytes -= conn.pending.bytes();
            conn.pending.reset();  // the connection sends no more: nothing to echo to
            break;
        }
        if (r.accepted < offered) {
            return;  // on_writable brings us back
        }
    }
    if (conn.close_after && conn.pending.empty() && c.received(id).empty()) {
        conn.close_after = false;
        c.shutdown(id);
    }
}

void Echo::on_peer_closed(Connections& c, ConnId id) {
    m_conns[c.slot(id)].close_after = true;
    flush(c, id);
}

void Echo::on_closed(Connections& c, ConnId id, app::CloseReason) {
    Conn& conn = m_conns[c.slot(id)];
    m_pending_bytes -= conn.pending.bytes();
    conn.pending.reset();
    conn.close_after = false;
}

// ---- discard ----

void Discard::on_data(Connections& c, ConnId id) {
    const uint32_t n = c.received(id).bytes();
    if (n > 0) {
        m_bytes += n;
        c.consume(id, n);
    }
}

// ---- source ----

bool Source::on_accepted(Connections& c, ConnId id, const app::Endpoint&) {
    m_sent[c.slot(id)] = 0;
    fill(c, id);
    return true;
}

void Source::on_data(Connections& c, ConnId id) {
    if (const uint32_t n = c.received(id).bytes()) {
        c.consume(id, n);
    }
}

void Source::fill(Connections& c, ConnId id) {
    uint64_t& sent = m_sent[c.slot(id)];
    for (;;) {
        uint64_t chunk = 64 * 1024;
        if (m_limit != 0) {
            chunk = std::min(chunk, m_limit - sent);
        }
        if (chunk == 0) {
            break;
        }
        BufferChain data = c.pattern(sent, uint32_t(chunk));
        const uint32_t offered = data.bytes();
        if (offered == 0) {
            break;  // no buffers: the next ACK's on_writable retries
        }
        const app::SendResult r = c.send(id, data);
        sent += r.accepted;
        if (r.status != Status::ok || r.accepted < offered) {
            break;  // the rest of `data` is freed; on_writable comes when there is room
        }
    }
    if (m_limit != 0 && sent >= m_limit) {
        c.shutdown(id);
    }
}

}  // namespace slip::apps
