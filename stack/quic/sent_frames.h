#pragma once
// What each sent packet carried that matters once it is acknowledged or lost (RFC 9000
// §13.3): CRYPTO ranges to resend, an ACK whose acknowledgment lets the receiver forget
// ranges (§13.2.4), HANDSHAKE_DONE to repeat. One record per packet in flight, found by the
// token loss recovery hands back (SentPacket::token); a fixed pool, no allocation per packet.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/quic/packet_number.h"
#include "stack/quic/packet_number_space.h"

namespace slip::stack::quic {

struct SentFrames {
    static constexpr size_t kMaxCryptoRanges = 2;
    struct Range {
        uint64_t offset = 0;
        uint32_t length = 0;
    };
    PacketNumberSpace space = PacketNumberSpace::initial;
    Range crypto[kMaxCryptoRanges];
    uint8_t crypto_count = 0;
    bool has_ack = false;
    PacketNumber ack_largest;  // Largest Acknowledged of the ACK frame it carried
    bool handshake_done = false;
    bool retire_cid = false;
    uint64_t retired_sequence = 0;
};

class SentFramesPool {
public:
    explicit SentFramesPool(size_t capacity) : m_records(capacity), m_free(capacity) {
        for (size_t i = 0; i < capacity; ++i) {
            m_free[i] = uint32_t(capacity - 1 - i);
        }
    }
    // A cleared record and its token; false when every record is in use (send nothing more
    // until acknowledgments free some).
    bool take(uint32_t& token) {
        if (m_free.empty()) {
            return false;
        }
        token = m_free.back();
        m_free.pop_back();
        m_records[token] = SentFrames{};
        return true;
    }
    SentFrames& at(uint32_t token) { return m_records[token]; }
    void give_back(uint32_t token) { m_free.push_back(token); }
    size_t in_use() const { return m_records.size() - m_free.size(); }

private:
    std::vector<SentFrames> m_records;
    std::vector<uint32_t> m_free;  // reserved to capacity at construction: never grows
};

}  // namespace slip::stack::quic
