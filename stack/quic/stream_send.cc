#include "stack/quic/stream_send.h"

#include <algorithm>

namespace slip::stack::quic {

StreamSend::~StreamSend() { reset(); }

bool StreamSend::append(std::span<const uint8_t> bytes, void* buffer) {
    if (m_fin || m_state == SendState::reset_sent || m_count == kMaxPieces || bytes.empty()) {
        return false;
    }
    m_pieces[(m_head + m_count++) % kMaxPieces] = Piece{m_end, bytes, buffer};
    m_end += bytes.size();
    if (m_state == SendState::ready) {
        m_state = SendState::send;
    }
    return true;
}

void StreamSend::finish() {
    if (m_state != SendState::reset_sent) {
        m_fin = true;
    }
}

bool StreamSend::next(size_t max, uint64_t new_credit, uint64_t& offset, size_t& length, bool& fin) const {
    if (m_state == SendState::reset_sent || m_state == SendState::data_recvd || max == 0) {
        return false;
    }
    // RFC 9000 §13.3: what was lost goes again first (its offsets are within flow control).
    if (!m_to_send.empty()) {
        const ByteRange& r = m_to_send.front();
        offset = r.begin;
        length = size_t(std::min<uint64_t>(r.size(), max));
        fin = m_fin && !m_fin_sent && offset + length == m_end;  // a lost FIN rides along
        return true;
    }
    const uint64_t fresh = std::min<uint64_t>({m_end - m_sent_end, new_credit, max});
    const bool fin_now = m_fin && !m_fin_sent && m_sent_end + fresh == m_end;
    if (fresh == 0 && !fin_now) {
        return false;
    }
    offset = m_sent_end;
    length = size_t(fresh);
    fin = fin_now;
    return true;
}

size_t StreamSend::read(uint64_t offset, size_t length, std::span<std::span<const uint8_t>> out) const {
    size_t n = 0;
    const uint64_t end = offset + length;
    for (size_t i = 0; i < m_count && n < out.size() && offset < end; ++i) {
        const Piece& p = m_pieces[(m_head + i) % kMaxPieces];
        const uint64_t p_end = p.offset + p.bytes.size();
        if (p_end <= offset) {
            continue;
        }
        const uint64_t from = std::max(offset, p.offset);
        const uint64_t to = std::min(end, p_end);
        out[n++] = p.bytes.subspan(size_t(from - p.offset), size_t(to - from));
        offset = to;
    }
    return n;
}

void StreamSend::sent(uint64_t offset, size_t length, bool fin) {
    (void)m_to_send.erase(offset, offset + length);
    m_sent_end = std::max(m_sent_end, offset + length);
    if (fin) {
        m_fin_sent = true;
        if (m_state == SendState::send) {
            m_state = SendState::data_sent;
        }
    }
}

void StreamSend::acked(uint64_t offset, size_t length, bool fin) {
    if (m_state == SendState::reset_sent) {
        return;
    }
    const uint64_t end = offset + length;
    if (end > m_base) {
        (void)m_acked.insert(std::max(offset, m_base), end);
        (void)m_to_send.erase(offset, end);
    }
    m_fin_acked = m_fin_acked || fin;
    free_acked_prefix();
    // RFC 9000 §3.1: every byte and the FIN acknowledged.
    if (m_fin_acked && m_base == m_end) {
        m_state = SendState::data_recvd;
    }
}

void StreamSend::lost(uint64_t offset, size_t length, bool fin) {
    if (m_state == SendState::reset_sent || m_state == SendState::data_recvd) {
        return;
    }
    const uint64_t begin = std::max(offset, m_base);
    m_to_send.insert_outside(begin, offset + length, m_acked);  // only what is not acknowledged since
    if (fin && !m_fin_acked) {
        m_fin_sent = false;  // the FIN goes again: with the last bytes, or alone
    }
}

void StreamSend::free_acked_prefix() {
    if (m_acked.empty() || m_acked.front().begin != m_base) {
        return;
    }
    m_base = m_acked.front().end;
    m_acked.remove_below(m_base);
    while (m_count > 0) {
        Piece& p = m_pieces[m_head];
        if (p.offset + p.bytes.size() > m_base) {
            break;
        }
        m_owner.release(p.buffer);
        m_head = (m_head + 1) % kMaxPieces;
        --m_count;
    }
}

void StreamSend::reset() {
    while (m_count > 0) {
        m_owner.release(m_pieces[m_head].buffer);
        m_head = (m_head + 1) % kMaxPieces;
        --m_count;
    }
    m_to_send.clear();
    m_acked.clear();
    if (m_state != SendState::data_recvd) {
        m_state = SendState::reset_sent;
    }
}

void StreamSend::reuse() {
    reset();
    m_head = 0;
    m_base = 0;
    m_end = 0;
    m_sent_end = 0;
    m_fin = false;
    m_fin_sent = false;
    m_fin_acked = false;
    m_state = SendState::ready;
}

}  // namespace slip::stack::quic
