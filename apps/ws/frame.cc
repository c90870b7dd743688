#include "apps/ws/frame.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace slip::apps::ws {

namespace {

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLength7 = 0x7f;
constexpr uint8_t kLength16 = 126;  // §5.2: the next 2 bytes are the length
constexpr uint8_t kLength64 = 127;  // §5.2: the next 8 bytes are the length

bool reserved_opcode(uint8_t opcode) { return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb; }

// The checks the first two bytes allow (§5.2, §5.5, §5.1); on success `header_len` is the
// header's full length.
CloseCode check_start(uint8_t byte0, uint8_t byte1, PeerMasking masking, uint8_t& header_len) {
    const uint8_t opcode = byte0 & 0x0f;
    const uint8_t length7 = byte1 & kLength7;
    const bool masked = (byte1 & kMaskBit) != 0;
    if ((byte0 & 0x70) != 0) {
        return CloseCode::protocol_error;  // §5.2: RSV bits need a negotiated extension
    }
    if (reserved_opcode(opcode)) {
        return CloseCode::protocol_error;  // §5.2: "MUST _Fail the WebSocket Connection_"
    }
    if (is_control(static_cast<Opcode>(opcode)) && ((byte0 & kFin) == 0 || length7 > 125)) {
        return CloseCode::protocol_error;  // §5.5: not fragmented, at most 125 bytes
    }
    if (masked != (masking == PeerMasking::required)) {
        return CloseCode::protocol_error;  // §5.1
    }
    header_len = 2;
    if (length7 == kLength16) {
        header_len += 2;
    } else if (length7 == kLength64) {
        header_len += 8;
    }
    if (masked) {
        header_len += 4;
    }
    return CloseCode::none;
}

}  // namespace

HeaderStep FrameHeaderParser::fail(CloseCode code) {
    m_error = code;
    m_have = 0;
    return {.status = HeaderStatus::error, .consumed = 0, .error = code};
}

// Decodes a complete header whose first two bytes passed check_start().
HeaderStep FrameHeaderParser::finish(const uint8_t* bytes, size_t consumed) {
    FrameHeader header;
    header.fin = (bytes[0] & kFin) != 0;
    header.opcode = static_cast<Opcode>(bytes[0] & 0x0f);
    header.masked = (bytes[1] & kMaskBit) != 0;
    const uint8_t length7 = bytes[1] & kLength7;
    size_t at = 2;
    if (length7 == kLength16) {
        header.payload_len = (uint64_t{bytes[2]} << 8) | bytes[3];
        at = 4;
    } else if (length7 == kLength64) {
        for (size_t i = 0; i < 8; ++i) {
            header.payload_len = (header.payload_len << 8) | bytes[2 + i];
        }
        at = 10;
        if ((header.payload_len >> 63) != 0) {
            return fail(CloseCode::protocol_error);  // §5.2: the top bit MUST be 0
        }
    } else {
        header.payload_len = length7;
    }
    if (header.masked) {
        std::memcpy(header.mask_key.data(), bytes + at, 4);
        at += 4;
    }
    header.header_len = static_cast<uint8_t>(at);
    m_have = 0;
    m_need = 2;
    return {.status = HeaderStatus::header, .consumed = consumed, .error = CloseCode::none, .header = header};
}

HeaderStep FrameHeaderParser::feed(std::span<const uint8_t> bytes) {
    if (m_error != CloseCode::none) {
        return {.status = HeaderStatus::error, .consumed = 0, .error = m_error};
    }
    // The common case: a whole header at the start of the piece, decoded where it lies.
    if (m_have == 0 && bytes.size() >= 2) {
        uint8_t header_len = 0;
        const CloseCode code = check_start(bytes[0], bytes[1], m_masking, header_len);
        if (code != CloseCode::none) {
            return fail(code);
        }
        if (bytes.size() >= header_len) {
            return finish(bytes.data(), header_len);
        }
    }
    // A header split across pieces: gathered in m_bytes, checked as soon as 2 bytes are in.
    size_t consumed = 0;
    while (consumed < bytes.size()) {
        const size_t want = m_have < 2 ? 2 : m_need;
        const size_t take = std::min(want - m_have, bytes.size() - consumed);
        std::memcpy(m_bytes.data() + m_have, bytes.data() + consumed, take);
        m_have = static_cast<uint8_t>(m_have + take);
        consumed += take;
        if (m_have < want) {
            break;
        }
        if (want == 2) {
            const CloseCode code = check_start(m_bytes[0], m_bytes[1], m_masking, m_need);
            if (code != CloseCode::none) {
                return fail(code);
            }
            if (m_need > 2) {
                continue;
            }
        }
        return finish(m_bytes.data(), consumed);
    }
    return {.status = HeaderStatus::need_more, .consumed = consumed};
}

void apply_mask(std::span<uint8_t> bytes, const MaskKey& key, uint64_t offset_in_payload) {
    // The key as it lines up with bytes[0], repeated over a word: eight is a multiple of four,
    // so the same word fits every later word-aligned position too.
    std::array<uint8_t, 8> pattern;
    for (size_t i = 0; i < pattern.size(); ++i) {
        pattern[i] = key[(offset_in_payload + i) & 3];
    }
    uint64_t word_key;
    std::memcpy(&word_key, pattern.data(), sizeof word_key);
    uint8_t* at = bytes.data();
    size_t left = bytes.size();
    while (left >= 32) {
        uint64_t words[4];
        std::memcpy(words, at, sizeof words);
        for (uint64_t& word : words) {
            word ^= word_key;
        }
        std::memcpy(at, words, sizeof words);
        at += 32;
        left -= 32;
    }
    while (left >= 8) {
        uint64_t word;
        std::memcpy(&word, at, sizeof word);
        word ^= word_key;
        std::memcpy(at, &word, sizeof word);
        at += 8;
        left -= 8;
    }
    for (size_t i = 0; i < left; ++i) {
        at[i] ^= pattern[i];
    }
}

namespace {

size_t write_header(std::span<uint8_t, kMaxFrameHeader> out, bool fin, Opcode opcode,
                    uint64_t payload_len, const MaskKey* key) {
    assert(!is_control(opcode) || (fin && payload_len <= kMaxControlPayload));
    assert((payload_len >> 63) == 0);
    out[0] = static_cast<uint8_t>((fin ? kFin : 0) | static_cast<uint8_t>(opcode));
    const uint8_t mask_bit = key != nullptr ? kMaskBit : 0;
    size_t at = 2;
    if (payload_len < kLength16) {
        out[1] = static_cast<uint8_t>(mask_bit | payload_len);
    } else if (payload_len <= 0xffff) {
        out[1] = mask_bit | kLength16;
        out[2] = static_cast<uint8_t>(payload_len >> 8);
        out[3] = static_cast<uint8_t>(payload_len);
        at = 4;
    } else {
        out[1] = mask_bit | kLength64;
        for (size_t i = 0; i < 8; ++i) {
            out[2 + i] = static_cast<uint8_t>(payload_len >> (56 - 8 * i));
        }
        at = 10;
    }
    if (key != nullptr) {
        std::memcpy(out.data() + at, key->data(), key->size());
        at += key->size();
    }
    return at;
}

}  // namespace

size_t write_frame_header(std::span<uint8_t, kMaxFrameHeader> out, bool fin, Opcode opcode,
                          uint64_t payload_len) {
    return write_header(out, fin, opcode, payload_len, nullptr);
}

size_t write_masked_frame_header(std::span<uint8_t, kMaxFrameHeader> out, bool fin, Opcode opcode,
                                 uint64_t payload_len, const MaskKey& key) {
    return write_header(out, fin, opcode, payload_len, &key);
}

CloseCode MessageSequencer::on_frame(const FrameHeader& header) {
    assert(!m_in_frame);
    if (is_control(header.opcode)) {
        // §5.5: the parser has checked FIN and the 125 bytes; a control frame may come between
        // the fragments of a message (§5.4) and leaves the message alone.
        m_control_len = 0;
    } else if (header.opcode == Opcode::continuation) {
        if (!m_message_open) {
            return CloseCode::protocol_error;  // §5.4: nothing to continue
        }
    } else {
        if (m_message_open) {
            return CloseCode::protocol_error;  // §5.4: fragments of one message are not interleaved
        }
        m_message_open = true;
        m_message_opcode = header.opcode;
        m_message_size = 0;
        m_utf8.reset();
    }
    if (!is_control(header.opcode)) {
        if (header.payload_len > m_max_message_size - m_message_size) {
            return CloseCode::message_too_big;  // §7.4.1: 1009, before receiving it
        }
        m_message_size += header.payload_len;
    }
    m_frame_opcode = header.opcode;
    m_frame_fin = header.fin;
    m_frame_len = header.payload_len;
    m_frame_received = 0;
    m_in_frame = true;
    return CloseCode::none;
}

CloseCode MessageSequencer::on_payload(std::span<const uint8_t> unmasked) {
    assert(m_in_frame && unmasked.size() <= frame_remaining());
    m_frame_received += unmasked.size();
    if (is_control(m_frame_opcode)) {
        std::copy(unmasked.begin(), unmasked.end(), m_control.begin() + m_control_len);
        m_control_len = static_cast<uint8_t>(m_control_len + unmasked.size());
    } else if (m_message_opcode == Opcode::text && !m_utf8.feed(unmasked)) {
        return CloseCode::invalid_payload;  // §8.1
    }
    return CloseCode::none;
}

CloseCode MessageSequencer::on_frame_end() {
    assert(m_in_frame && frame_remaining() == 0);
    m_in_frame = false;
    if (is_control(m_frame_opcode) || !m_frame_fin) {
        return CloseCode::none;
    }
    m_message_open = false;
    if (m_message_opcode == Opcode::text && !m_utf8.complete()) {
        return CloseCode::invalid_payload;  // §8.1: the message ends inside a code point
    }
    return CloseCode::none;
}

}  // namespace slip::apps::ws
