#pragma once
// WebSocket framing (RFC 6455 §5): the frame header parser, the message sequencer that
// checks fragmentation, sizes and text across frames, masking, and the header encoder.
// Sans-I/O: the parser and sequencer read the bytes they are given, in pieces split
// anywhere (TCP segments), and keep small fixed state; nothing allocates or throws.
//
// A receiver strings them together, per connection:
//
//   header:  step = parser.feed(bytes); bytes = bytes.subspan(step.consumed)
//            need_more -> wait for the next segment; error -> fail with step.error
//            header    -> code = sequencer.on_frame(step.header) (fail unless none);
//                         a payload of 0 bytes ends at once: sequencer.on_frame_end()
//   payload: piece = the next min(sequencer.frame_remaining(), bytes.size()) bytes
//            unmask(piece, step.header.mask_key, sequencer.frame_offset())  (before on_payload)
//            code = sequencer.on_payload(piece); data frames: hand the piece to the application
//            frame_remaining() == 0 -> code = sequencer.on_frame_end(); control frames: their
//            whole payload is then sequencer.control_payload()
//
// Every result other than CloseCode::none means: fail the connection with that code (§7.1.7)
// and feed nothing more.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "apps/ws/close_code.h"
#include "apps/ws/utf8.h"

namespace slip::apps::ws {

// RFC 6455 §5.2, §11.8. 3-7 and B-F are reserved.
enum class Opcode : uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xa,
};

// §5.5: control frames are the opcodes with the high bit set.
constexpr bool is_control(Opcode opcode) { return (static_cast<uint8_t>(opcode) & 0x8) != 0; }

// 2 fixed bytes, 8 of extended length, 4 of masking key (§5.2).
inline constexpr size_t kMaxFrameHeader = 14;

// The masking key in wire order: payload byte i is XORed with key[i % 4] (§5.3).
using MaskKey = std::array<uint8_t, 4>;

struct FrameHeader {
    bool fin = false;
    uint8_t rsv = 0;  // RSV1-RSV3 as bits 2-0; always 0 once accepted (no extension negotiated)
    Opcode opcode = Opcode::continuation;
    bool masked = false;
    MaskKey mask_key{};        // zeros when not masked
    uint64_t payload_len = 0;  // below 2^63 (§5.2: the most significant bit must be 0)
    uint8_t header_len = 0;    // bytes the header took on the wire, 2-14
};

// §5.1: a server fails a connection on an unmasked client frame, and a client on a masked
// server frame.
enum class PeerMasking : uint8_t {
    required,   // we are the server
    forbidden,  // we are a client
};

enum class HeaderStatus : uint8_t {
    need_more,  // every byte given was taken; the header continues in the next piece
    header,     // `header` is complete; the bytes after `consumed` are its payload
    error,      // fail the connection with `error`
};

struct HeaderStep {
    HeaderStatus status = HeaderStatus::need_more;
    size_t consumed = 0;  // header bytes taken from this call's input
    CloseCode error = CloseCode::none;
    FrameHeader header;   // with HeaderStatus::header
};

// Reads one frame header at a time, from pieces of any size. After a header the next feed()
// starts the next header (the caller passes the payload on in between); an error is sticky
// until reset(). Checks (§5.2-§5.5), each failing with protocol_error (1002): an RSV bit set,
// a reserved opcode, a control frame without FIN or with more than 125 bytes, the mask bit
// against `PeerMasking`, a 64-bit length with its top bit set. Non-minimal length encodings
// (126 for a length below 126, 127 for one below 65536) are accepted: §5.2 says the minimal
// number of bytes MUST be used, but lists no failure for it, and a longer form is unambiguous.
class FrameHeaderParser {
public:
    explicit FrameHeaderParser(PeerMasking masking = PeerMasking::required) : m_masking(masking) {}

    HeaderStep feed(std::span<const uint8_t> bytes);

    bool mid_header() const { return m_have != 0; }
    void reset() { *this = FrameHeaderParser(m_masking); }

private:
    HeaderStep fail(CloseCode code);
    HeaderStep finish(const uint8_t* bytes, size_t consumed);

    std::array<uint8_t, kMaxFrameHeader> m_bytes{};  // a header split across pieces
    uint8_t m_have = 0;                             // bytes of it so far
    uint8_t m_need = 2;                             // its full length once 2 bytes are known
    PeerMasking m_masking;
    CloseCode m_error = CloseCode::none;
};

// XORs `bytes`, which start `offset_in_payload` bytes into a frame's payload, with the key
// (§5.3): unmasking and masking are the same operation. A word at a time, any offset and length.
void apply_mask(std::span<uint8_t> bytes, const MaskKey& key, uint64_t offset_in_payload);
inline void unmask(std::span<uint8_t> bytes, const MaskKey& key, uint64_t offset_in_payload) {
    apply_mask(bytes, key, offset_in_payload);
}
inline void mask(std::span<uint8_t> bytes, const MaskKey& key, uint64_t offset_in_payload) {
    apply_mask(bytes, key, offset_in_payload);
}

// The header's length for a payload length, with the minimal length encoding (§5.2).
constexpr size_t frame_header_len(uint64_t payload_len, bool masked) {
    const size_t base = payload_len < 126 ? 2 : payload_len <= 0xffff ? 4 : 10;
    return masked ? base + 4 : base;
}

// Writes a frame header, RSV bits clear, minimal length encoding, and returns its length.
// Server frames are unmasked (§5.1); control frames need fin and at most 125 bytes (§5.5) and
// lengths stay below 2^63: the caller's to respect.
size_t write_frame_header(std::span<uint8_t, kMaxFrameHeader> out, bool fin, Opcode opcode,
                          uint64_t payload_len);
// A client frame's header, masked with `key` (§5.3: a fresh unpredictable key per frame). The
// payload is then masked with mask(payload, key, 0).
size_t write_masked_frame_header(std::span<uint8_t, kMaxFrameHeader> out, bool fin, Opcode opcode,
                                 uint64_t payload_len, const MaskKey& key);

// Frames into messages, per connection (§5.4-§5.6): a continuation needs an open message, a
// text or binary frame needs none open, control frames may come between fragments; a message
// over `max_message_size` fails with message_too_big (1009) as soon as a header announces it;
// text goes through the UTF-8 validator across frames and pieces, and fails with
// invalid_payload (1007) at the first bad byte or when the final frame ends inside a code point.
// Control frames' payloads (at most 125 bytes) are collected here for ping replies and Close.
class MessageSequencer {
public:
    explicit MessageSequencer(uint64_t max_message_size) : m_max_message_size(max_message_size) {}

    // A header the parser accepted (no frame may be in progress).
    CloseCode on_frame(const FrameHeader& header);
    // The current frame's next payload bytes, unmasked, at most frame_remaining().
    CloseCode on_payload(std::span<const uint8_t> unmasked);
    // The current frame's payload is complete (frame_remaining() is 0).
    CloseCode on_frame_end();

    bool in_frame() const { return m_in_frame; }
    Opcode frame_opcode() const { return m_frame_opcode; }  // as sent: continuation for fragments
    uint64_t frame_offset() const { return m_frame_received; }  // the unmask offset
    uint64_t frame_remaining() const { return m_frame_len - m_frame_received; }

    // A data message: open between its first frame and the end of its FIN frame; its type
    // (text or binary) stays readable after it ends.
    bool message_open() const { return m_message_open; }
    Opcode message_opcode() const { return m_message_opcode; }
    uint64_t message_size() const { return m_message_size; }  // payload bytes announced so far

    // The last control frame's payload: whole once its on_frame_end() has returned, and kept
    // until the next control frame starts.
    std::span<const uint8_t> control_payload() const { return std::span(m_control.data(), m_control_len); }

private:
    uint64_t m_max_message_size;
    uint64_t m_message_size = 0;
    uint64_t m_frame_len = 0;
    uint64_t m_frame_received = 0;
    Utf8Validator m_utf8;
    Opcode m_message_opcode = Opcode::binary;
    Opcode m_frame_opcode = Opcode::continuation;
    bool m_message_open = false;
    bool m_in_frame = false;
    bool m_frame_fin = false;
    uint8_t m_control_len = 0;
    std::array<uint8_t, kMaxControlPayload> m_control{};
};

}  // namespace slip::apps::ws
