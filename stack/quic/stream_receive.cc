#include "stack/quic/stream_receive.h"

#include <algorithm>

namespace slip::stack::quic {

StreamReceive::~StreamReceive() { release_all(); }

void StreamReceive::release_all() {
    for (size_t i = 0; i < m_count; ++i) {
        m_owner.release(m_pieces[i].buffer);
    }
    m_count = 0;
}

void StreamReceive::reuse() {
    release_all();
    m_read = 0;
    m_highest = 0;
    m_final = 0;
    m_final_known = false;
    m_state = RecvState::recv;
    m_reset_error = 0;
}

TransportError StreamReceive::on_data(uint64_t offset, std::span<const uint8_t> bytes, bool fin, void* buffer,
                                      bool& kept) {
    kept = true;
    const uint64_t end = offset + bytes.size();
    // RFC 9000 §4.5: nothing past a known final size; a FIN may not move it, nor fall below
    // data already received.
    if (m_final_known && (end > m_final || (fin && end != m_final))) {
        return TransportError::final_size_error;
    }
    if (fin && !m_final_known) {
        if (end < m_highest) {
            return TransportError::final_size_error;
        }
        m_final = end;
        m_final_known = true;
        if (m_state == RecvState::recv) {
            m_state = RecvState::size_known;
        }
    }
    m_highest = std::max(m_highest, end);
    if (m_state == RecvState::reset_recvd || end <= m_read) {
        return TransportError::no_error;  // already read, or the stream was reset: nothing to keep
    }
    if (offset < m_read) {
        bytes = bytes.subspan(size_t(m_read - offset));
        offset = m_read;
    }
    // The parts of [offset, end) no piece holds yet; all of them fit, or none is kept.
    RxPiece parts[kMaxPieces];
    size_t n = 0;
    uint64_t at = offset;
    for (size_t i = 0; i < m_count && at < end; ++i) {
        const RxPiece& p = m_pieces[i];
        if (p.end() <= at) {
            continue;
        }
        if (p.offset > at) {
            const uint64_t stop = std::min(p.offset, end);
            if (n == kMaxPieces) {
                kept = false;
                return TransportError::no_error;
            }
            parts[n++] = RxPiece{at, bytes.subspan(size_t(at - offset), size_t(stop - at)), buffer};
        }
        at = std::max(at, p.end());
    }
    if (at < end && n < kMaxPieces) {
        parts[n++] = RxPiece{at, bytes.subspan(size_t(at - offset)), buffer};
    } else if (at < end) {
        kept = false;
        return TransportError::no_error;
    }
    // The last slot is kept for data that extends what is readable, so out-of-order pieces
    // can never fill the table and block the data that would let the application read:
    // that part always gets in, the others as far as slots allow. A frame not kept whole
    // goes unacknowledged, and the peer sends it again.
    const bool extends_readable = n > 0 && parts[0].offset == m_read + readable_bytes();
    size_t room = kMaxPieces - 1 - std::min(m_count, kMaxPieces - 1);
    if (extends_readable && room == 0 && m_count < kMaxPieces) {
        room = 1;
    }
    const size_t taken = std::min(n, room);
    for (size_t i = 0; i < taken; ++i) {
        m_owner.retain(buffer);
        insert(parts[i]);
    }
    kept = taken == n;
    if (m_final_known && readable_bytes() == m_final - m_read) {
        m_state = RecvState::data_recvd;
    }
    return TransportError::no_error;
}

void StreamReceive::insert(const RxPiece& p) {
    size_t pos = 0;
    while (pos < m_count && m_pieces[pos].offset < p.offset) {
        ++pos;
    }
    std::move_backward(m_pieces.begin() + long(pos), m_pieces.begin() + long(m_count),
                       m_pieces.begin() + long(m_count + 1));
    m_pieces[pos] = p;
    ++m_count;
}

TransportError StreamReceive::on_reset(uint64_t final_size, uint64_t error_code) {
    // RFC 9000 §4.5: the reset's final size must agree with what is known.
    if ((m_final_known && final_size != m_final) || final_size < m_highest) {
        return TransportError::final_size_error;
    }
    m_final = final_size;
    m_final_known = true;
    m_highest = final_size;
    m_reset_error = error_code;
    m_state = RecvState::reset_recvd;
    release_all();
    return TransportError::no_error;
}

size_t StreamReceive::readable(std::span<RxPiece> out) const {
    size_t n = 0;
    uint64_t at = m_read;
    for (size_t i = 0; i < m_count && n < out.size(); ++i) {
        if (m_pieces[i].offset != at) {
            break;  // a gap
        }
        out[n++] = m_pieces[i];
        at = m_pieces[i].end();
    }
    return n;
}

uint64_t StreamReceive::readable_bytes() const {
    uint64_t at = m_read;
    for (size_t i = 0; i < m_count && m_pieces[i].offset == at; ++i) {
        at = m_pieces[i].end();
    }
    return at - m_read;
}

void StreamReceive::consume(uint64_t n) {
    n = std::min(n, readable_bytes());
    m_read += n;
    size_t gone = 0;
    while (gone < m_count && m_pieces[gone].end() <= m_read) {
        m_owner.release(m_pieces[gone].buffer);
        ++gone;
    }
    std::move(m_pieces.begin() + long(gone), m_pieces.begin() + long(m_count), m_pieces.begin());
    m_count -= gone;
    if (m_count > 0 && m_pieces[0].offset < m_read) {
        RxPiece& front = m_pieces[0];
        front.bytes = front.bytes.subspan(size_t(m_read - front.offset));
        front.offset = m_read;
    }
}

}  // namespace slip::stack::quic
