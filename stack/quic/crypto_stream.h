#pragma once
// The CRYPTO stream of one encryption level (RFC 9000 §19.6, §7.5): TLS handshake bytes,
// ordered by offset, carried in CRYPTO frames with no flow control of their own.
//
// Receiving: data at the next expected offset goes straight to TLS from the packet; data
// ahead of it waits in a buffer allocated on first use and bounded (§7.5: at least 4096
// bytes must be accepted; beyond the bound is CRYPTO_BUFFER_EXCEEDED). Sending: what TLS
// produced is kept until acknowledged, lost ranges are sent again before new bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "stack/quic/error_code.h"
#include "stack/quic/range_set.h"

namespace slip::stack::quic {

class CryptoReceiveStream {
public:
    static constexpr size_t kDefaultMaxAhead = 64 * 1024;
    static constexpr size_t kMaxGaps = 32;

    explicit CryptoReceiveStream(size_t max_ahead = kDefaultMaxAhead) : m_max_ahead(max_ahead), m_held(kMaxGaps) {}

    // A CRYPTO frame's data at `offset`. Every byte that becomes contiguous goes to
    // `deliver(span)` in order (possibly in several calls). CRYPTO_BUFFER_EXCEEDED when the
    // data reaches more than max_ahead bytes past what was delivered (or leaves too many
    // gaps); old data is ignored.
    template <class Deliver>
    TransportError receive(uint64_t offset, std::span<const uint8_t> data, Deliver&& deliver) {
        const uint64_t end = offset + data.size();
        if (offset <= m_delivered && end > m_delivered && m_held.empty()) {
            // In order with nothing held: straight from the packet, no copy.
            deliver(data.subspan(size_t(m_delivered - offset)));
            m_delivered = end;
            return TransportError::no_error;
        }
        const TransportError e = accept(offset, data);
        if (e != TransportError::no_error || m_ready.empty()) {
            return e;
        }
        deliver(std::span<const uint8_t>(m_ready));
        m_ready.clear();
        return TransportError::no_error;
    }
    uint64_t delivered() const { return m_delivered; }
    size_t held_bytes() const { return size_t(m_held.bytes()); }

private:
    TransportError accept(uint64_t offset, std::span<const uint8_t> data);
    void take_contiguous();

    size_t m_max_ahead;
    uint64_t m_delivered = 0;
    RangeSet m_held;              // offsets held in m_ahead (all above m_delivered)
    std::vector<uint8_t> m_ahead;  // m_ahead[i] is offset m_delivered + i; sized on first use
    std::vector<uint8_t> m_ready;  // contiguous bytes for the next deliver() call
};

class CryptoSendStream {
public:
    static constexpr size_t kMaxRanges = 64;

    CryptoSendStream() : m_to_send(kMaxRanges), m_acked(kMaxRanges) {}

    // Bytes TLS wants sent (copied: handshake flights are a few KiB).
    void append(std::span<const uint8_t> bytes);
    // The next range to put in a CRYPTO frame, at most `max` bytes: lost bytes first, then
    // new ones. False when nothing is waiting.
    bool next(size_t max, uint64_t& offset, std::span<const uint8_t>& bytes) const;
    // The range went into a packet (taken from what waits).
    void sent(uint64_t offset, size_t length);
    // The packet carrying it was acknowledged, or declared lost (sent again unless acked).
    void acked(uint64_t offset, size_t length);
    void lost(uint64_t offset, size_t length);

    bool has_pending() const { return !m_to_send.empty(); }
    // Everything appended has been acknowledged.
    bool all_acked() const;
    uint64_t end() const { return m_base + m_bytes.size(); }

private:
    uint64_t m_base = 0;           // offset of m_bytes[0]; below it everything is acked
    std::vector<uint8_t> m_bytes;  // from m_base to end()
    RangeSet m_to_send;
    RangeSet m_acked;  // above m_base
};

}  // namespace slip::stack::quic
