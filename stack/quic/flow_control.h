#pragma once
// QUIC flow control (RFC 9000 §4), for a stream or for the whole connection: the credit we
// may send into (the peer's MAX_DATA / MAX_STREAM_DATA) and the window we grant (ours). The
// window we grant moves with what the application consumed, not with what arrived, so an
// application that stops reading stops its peer (backpressure end to end).
#include <cstdint>

#include "stack/quic/error_code.h"

namespace slip::stack::quic {

// What we may send: the peer's limit and how much of it is used.
class SendCredit {
public:
    explicit SendCredit(uint64_t initial_limit = 0) : m_limit(initial_limit) {}

    uint64_t available() const { return m_limit - m_used; }
    uint64_t limit() const { return m_limit; }
    uint64_t used() const { return m_used; }
    // Bytes of new data put on the wire (never more than available()).
    void consume(uint64_t n) { m_used += n; }
    // MAX_DATA / MAX_STREAM_DATA: a smaller value than before is ignored (§4.1).
    void raise(uint64_t limit) {
        if (limit > m_limit) {
            m_limit = limit;
        }
    }
    // RFC 9000 §4.1: at the limit with data waiting, say so once per limit (DATA_BLOCKED,
    // STREAM_DATA_BLOCKED). True when a blocked frame at limit() should go out.
    bool should_signal_blocked() const { return m_used == m_limit && m_blocked_signalled_at != m_limit; }
    void blocked_signalled() { m_blocked_signalled_at = m_limit; }

private:
    uint64_t m_limit;
    uint64_t m_used = 0;
    uint64_t m_blocked_signalled_at = UINT64_MAX;
};

// What we let the peer send: our advertised limit, the highest offset it reached, and what
// the application consumed. The limit moves to consumed + window once half the window has
// been consumed since the last move (fewer MAX_DATA frames than one per read).
class ReceiveWindow {
public:
    explicit ReceiveWindow(uint64_t window = 0) : m_window(window), m_limit(window) {}

    // The peer's data now reaches `offset` (a stream's end, or the connection's total).
    // FLOW_CONTROL_ERROR when it passes the limit we advertised (§4.1).
    TransportError on_received_up_to(uint64_t offset) {
        if (offset > m_limit) {
            return TransportError::flow_control_error;
        }
        if (offset > m_highest) {
            m_highest = offset;
        }
        return TransportError::no_error;
    }
    // The application consumed `n` more bytes (freed them).
    void on_consumed(uint64_t n) { m_consumed += n; }
    // True when a new limit is worth advertising (MAX_DATA / MAX_STREAM_DATA); take it.
    bool update_due() const { return m_consumed + m_window - m_limit >= m_window / 2 && m_window != 0; }
    uint64_t take_update() {
        m_limit = m_consumed + m_window;
        return m_limit;
    }
    uint64_t limit() const { return m_limit; }
    uint64_t highest() const { return m_highest; }
    uint64_t consumed() const { return m_consumed; }

private:
    uint64_t m_window;
    uint64_t m_limit;
    uint64_t m_highest = 0;
    uint64_t m_consumed = 0;
};

}  // namespace slip::stack::quic
