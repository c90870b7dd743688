#pragma once
// What each sent packet carried that matters once it is acknowledged or lost (RFC 9000
// §13.3): CRYPTO and STREAM ranges to resend (by offset: the data itself stays with its
// stream), an ACK whose acknowledgment lets the receiver forget ranges (§13.2.4),
// HANDSHAKE_DONE, flow-control and stream-state frames to repeat with current values. One record per packet in flight, found by the
// token loss recovery hands back (SentPacket::token); a fixed pool, no allocation per packet.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/quic/packet_number.h"
#include "stack/quic/packet_number_space.h"

namespace slip::stack::quic {

// Connection-level control frames a packet carried (SentFrames::control bits).
enum ControlFrameBit : uint8_t {
    kMaxDataBit = 1,
    kMaxStreamsBidiBit = 2,
    kMaxStreamsUniBit = 4,
    kDataBlockedBit = 8,
    kStreamsBlockedBidiBit = 16,
    kStreamsBlockedUniBit = 32,
};
// Stream-level control frames (SentFrames::StreamControl::kinds bits).
enum StreamControlBit : uint8_t {
    kMaxStreamDataBit = 1,
    kStreamDataBlockedBit = 2,
    kResetStreamBit = 4,
    kStopSendingBit = 8,
};

struct SentFrames {
    static constexpr size_t kMaxCryptoRanges = 2;
    static constexpr size_t kMaxStreamRanges = 4;
    static constexpr size_t kMaxStreamControls = 4;
    struct StreamRange {
        uint64_t id = 0;
        uint64_t offset = 0;
        uint32_t length = 0;
        bool fin = false;
    };
    struct StreamControl {
        uint64_t id = 0;
        uint8_t kinds = 0;
    };
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
    bool new_token = false;
    bool retire_cid = false;
    uint64_t retired_sequence = 0;
    uint8_t control = 0;  // ControlFrameBit
    uint8_t stream_count = 0;
    uint8_t stream_control_count = 0;
    StreamRange stream[kMaxStreamRanges];
    StreamControl stream_control[kMaxStreamControls];
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
