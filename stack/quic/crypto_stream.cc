#include "stack/quic/crypto_stream.h"

#include <algorithm>
#include <cstring>

namespace slip::stack::quic {

TransportError CryptoReceiveStream::accept(uint64_t offset, std::span<const uint8_t> data) {
    const uint64_t end = offset + data.size();
    if (end <= m_delivered) {
        return TransportError::no_error;  // all seen before (a retransmission)
    }
    if (offset < m_delivered) {
        data = data.subspan(size_t(m_delivered - offset));
        offset = m_delivered;
    }
    // RFC 9000 §7.5: what the buffer cannot hold closes the connection.
    if (end - m_delivered > m_max_ahead) {
        return TransportError::crypto_buffer_exceeded;
    }
    if (m_ahead.empty()) {
        m_ahead.resize(m_max_ahead);
    }
    if (!m_held.insert(offset, end)) {
        return TransportError::crypto_buffer_exceeded;
    }
    std::memcpy(m_ahead.data() + (offset - m_delivered), data.data(), data.size());
    take_contiguous();
    return TransportError::no_error;
}

void CryptoReceiveStream::take_contiguous() {
    if (m_held.empty() || m_held.front().begin != m_delivered) {
        return;
    }
    const size_t n = size_t(m_held.front().size());
    m_ready.insert(m_ready.end(), m_ahead.begin(), m_ahead.begin() + long(n));
    // Keep m_ahead indexed from the delivered offset.
    std::memmove(m_ahead.data(), m_ahead.data() + n, m_ahead.size() - n);
    m_delivered += n;
    m_held.remove_below(m_delivered);
}

void CryptoSendStream::append(std::span<const uint8_t> bytes) {
    if (bytes.empty()) {
        return;
    }
    const uint64_t begin = end();
    m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    (void)m_to_send.insert(begin, end());  // extends the last range: never needs a new slot
}

bool CryptoSendStream::next(size_t max, uint64_t& offset, std::span<const uint8_t>& bytes) const {
    if (m_to_send.empty() || max == 0) {
        return false;
    }
    const ByteRange& r = m_to_send.front();  // the lowest: lost bytes come before new ones
    offset = r.begin;
    const size_t n = size_t(std::min<uint64_t>(r.size(), max));
    bytes = std::span<const uint8_t>(m_bytes).subspan(size_t(r.begin - m_base), n);
    return true;
}

void CryptoSendStream::sent(uint64_t offset, size_t length) { (void)m_to_send.erase(offset, offset + length); }

void CryptoSendStream::acked(uint64_t offset, size_t length) {
    const uint64_t end = offset + length;
    if (end <= m_base) {
        return;
    }
    (void)m_acked.insert(std::max(offset, m_base), end);
    (void)m_to_send.erase(offset, end);
    // Free the acknowledged prefix.
    if (!m_acked.empty() && m_acked.front().begin == m_base) {
        const uint64_t upto = m_acked.front().end;
        m_bytes.erase(m_bytes.begin(), m_bytes.begin() + long(upto - m_base));
        m_base = upto;
        m_acked.remove_below(m_base);
    }
}

void CryptoSendStream::lost(uint64_t offset, size_t length) {
    const uint64_t begin = std::max(offset, m_base);
    const uint64_t end = std::min(offset + length, this->end());
    if (begin >= end) {
        return;
    }
    m_to_send.insert_outside(begin, end, m_acked);  // only what is not acknowledged since
}

bool CryptoSendStream::all_acked() const { return m_bytes.empty(); }

}  // namespace slip::stack::quic
