#pragma once
// QUIC stream IDs (RFC 9000 §2.1): the two low bits say who opened the stream and whether
// it is bidirectional; the rest counts streams of that type. And the stream-count limits
// of §4.6 (MAX_STREAMS), which open streams implicitly in order (§3.2).
#include <cstdint>

#include "stack/quic/error_code.h"
#include "stack/quic/frame.h"
#include "stack/quic/transport_params.h"

namespace slip::stack::quic {

enum class StreamDirection : uint8_t { bidirectional, unidirectional };

constexpr bool client_initiated(uint64_t id) { return (id & 0x01) == 0; }
constexpr bool is_unidirectional(uint64_t id) { return (id & 0x02) != 0; }
constexpr uint64_t stream_index(uint64_t id) { return id >> 2; }
constexpr uint64_t make_stream_id(Role initiator, StreamDirection d, uint64_t index) {
    return index << 2 | (d == StreamDirection::unidirectional ? 0x02 : 0) | (initiator == Role::server ? 0x01 : 0);
}
constexpr bool initiated_by(uint64_t id, Role role) { return client_initiated(id) == (role == Role::client); }

// RFC 9000 §19.8, §19.4, §19.5: which frames may arrive on a stream, seen by `us`.
// STREAM and RESET_STREAM need a receiving part (not our own unidirectional stream);
// STOP_SENDING and MAX_STREAM_DATA a sending part (not the peer's unidirectional stream).
constexpr bool we_receive_on(uint64_t id, Role us) { return !is_unidirectional(id) || !initiated_by(id, us); }
constexpr bool we_send_on(uint64_t id, Role us) { return !is_unidirectional(id) || initiated_by(id, us); }

// The peer's streams of one direction: how many it may open (what we advertised) and how
// many it has (implicitly) opened.
class PeerStreamLimit {
public:
    explicit PeerStreamLimit(uint64_t initial = 0) : m_limit(initial) {}
    // A frame names the peer's stream of index `index`. STREAM_LIMIT_ERROR past our limit
    // (§4.6); otherwise the number of streams it opens now (this and every lower one not yet
    // opened, §3.2), possibly 0.
    TransportError open_up_to(uint64_t index, uint64_t& newly_opened) {
        newly_opened = 0;
        if (index >= m_limit) {
            return TransportError::stream_limit_error;
        }
        if (index >= m_opened) {
            newly_opened = index + 1 - m_opened;
            m_opened = index + 1;
        }
        return TransportError::no_error;
    }
    // A stream of the peer's is over (both sides done): credit for another, advertised with
    // MAX_STREAMS once a batch has accumulated.
    void closed() { ++m_closed; }
    bool update_due(uint64_t window) const { return m_closed + window - m_limit >= window / 2 && window != 0; }
    uint64_t take_update(uint64_t window) {
        m_limit = m_closed + window;
        return m_limit;
    }
    uint64_t opened() const { return m_opened; }
    uint64_t limit() const { return m_limit; }

private:
    uint64_t m_limit;
    uint64_t m_opened = 0;
    uint64_t m_closed = 0;
};

// Our streams of one direction: the peer's MAX_STREAMS and how many we opened.
class LocalStreamLimit {
public:
    explicit LocalStreamLimit(uint64_t initial = 0) : m_limit(initial) {}
    bool can_open() const { return m_opened < m_limit; }
    uint64_t open() { return m_opened++; }  // the new stream's index; call when can_open()
    // MAX_STREAMS: never lowers (§19.11).
    void raise(uint64_t limit) {
        if (limit > m_limit) {
            m_limit = limit;
        }
    }
    uint64_t opened() const { return m_opened; }
    uint64_t limit() const { return m_limit; }

private:
    uint64_t m_limit;
    uint64_t m_opened = 0;
};

}  // namespace slip::stack::quic
