#include "tests/fuzz/ws_frame_target.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "apps/ws/close_code.h"
#include "apps/ws/frame.h"

namespace slip::test {

namespace {

using namespace slip::apps::ws;

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "ws_frame_fuzz: invariant broken: %s\n", what);
        std::abort();
    }
}

enum class Utf8Verdict { complete, incomplete, invalid };

// A decoder written apart from Utf8Validator: it decodes each code point from the bit
// patterns of RFC 3629 §3 and checks its value; for a code point cut short by the end of the
// text it asks whether any continuation bytes could still make it valid.
Utf8Verdict reference_utf8(std::span<const uint8_t> text) {
    size_t at = 0;
    while (at < text.size()) {
        const uint8_t lead = text[at];
        if (lead < 0x80) {
            ++at;
            continue;
        }
        size_t length = 0;
        uint32_t value = 0;
        uint32_t smallest = 0;
        if ((lead & 0xe0) == 0xc0) {
            length = 2, value = lead & 0x1fu, smallest = 0x80;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3, value = lead & 0x0fu, smallest = 0x800;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4, value = lead & 0x07u, smallest = 0x10000;
        } else {
            return Utf8Verdict::invalid;
        }
        const size_t have = std::min(length, text.size() - at);
        for (size_t k = 1; k < have; ++k) {
            if ((text[at + k] & 0xc0) != 0x80) {
                return Utf8Verdict::invalid;
            }
            value = (value << 6) | (text[at + k] & 0x3fu);
        }
        const auto missing_bits = static_cast<unsigned>(6 * (length - have));
        const uint32_t low = std::max(value << missing_bits, smallest);
        const uint32_t high = std::min((value << missing_bits) | ((1u << missing_bits) - 1),
                                       length == 2 ? 0x7ffu : length == 3 ? 0xffffu : 0x10ffffu);
        if (low > high || (low >= 0xd800 && high <= 0xdfff)) {
            return Utf8Verdict::invalid;  // overlong, above U+10FFFF or a surrogate, whatever follows
        }
        if (have < length) {
            return Utf8Verdict::incomplete;
        }
        at += length;
    }
    return Utf8Verdict::complete;
}

uint64_t mask_word(const MaskKey& key) {
    return (uint64_t{key[0]} << 24) | (uint64_t{key[1]} << 16) | (uint64_t{key[2]} << 8) | key[3];
}

// Event tags in the log both feedings must agree on.
enum : uint64_t { kHeader = 1, kFrameEnd, kClose, kFailure, kStreamEnd };

struct Limits {
    PeerMasking masking;
    uint64_t max_message_size;
};

// The receive loop of apps/ws/frame.h, with every step checked.
class Receiver {
public:
    Receiver(const Limits& limits, std::span<const uint8_t> stream)
        : m_parser(limits.masking), m_sequencer(limits.max_message_size), m_masking(limits.masking),
          m_stream(stream) {}

    // The next piece of the stream (a private copy, unmasked in place).
    void feed(std::span<uint8_t> piece) {
        while (!piece.empty() && m_failure == CloseCode::none) {
            const size_t used = m_in_payload ? payload(piece) : header(piece);
            require(used <= piece.size(), "a step took more than its piece");
            piece = piece.subspan(used);
            m_position += used;
        }
    }

    // Where the stream stopped; after a failure only that it did (a split header has been
    // taken further by then than a whole one).
    void finish() {
        if (m_failure != CloseCode::none) {
            m_log.push_back(kStreamEnd);
            return;
        }
        m_log.insert(m_log.end(), {kStreamEnd, m_position, m_in_payload, m_parser.mid_header(),
                                   m_in_payload ? m_sequencer.frame_remaining() : 0});
        if (m_sequencer.message_open() &&
            m_sequencer.message_opcode() == Opcode::text) {
            require(reference_utf8(m_text) != Utf8Verdict::invalid, "text the reference rejects was accepted");
        }
    }

    const std::vector<uint64_t>& log() const { return m_log; }
    const WsFrameReach& reach() const { return m_reach; }

private:
    size_t header(std::span<const uint8_t> piece) {
        if (!m_parser.mid_header()) {
            m_header_start = m_position;
        }
        const HeaderStep step = m_parser.feed(piece);
        require(step.consumed <= piece.size(), "the parser took more than its piece");
        if (step.status == HeaderStatus::need_more) {
            require(step.consumed == piece.size(), "need_more left bytes behind");
            return step.consumed;
        }
        if (step.status == HeaderStatus::error) {
            m_reach.failed_in_header = true;
            fail(step.error);
            return 0;
        }
        m_frame = step.header;
        check_header(m_frame);
        ++m_reach.frames;
        m_log.insert(m_log.end(), {kHeader, m_frame.fin, static_cast<uint64_t>(m_frame.opcode), m_frame.payload_len,
                                   m_frame.header_len, mask_word(m_frame.mask_key)});
        const bool starts_text = m_frame.opcode == Opcode::text;
        const CloseCode code = m_sequencer.on_frame(m_frame);
        if (code != CloseCode::none) {
            fail(code);
            return step.consumed;
        }
        if (starts_text) {
            m_text.clear();
        }
        m_payload_hash = 0xcbf29ce484222325ULL;
        m_in_payload = true;
        if (m_frame.payload_len == 0) {
            end_frame();
        }
        return step.consumed;
    }

    // §5.2-§5.5 on an accepted header, and the encoder's bytes for it.
    void check_header(const FrameHeader& frame) {
        require(frame.rsv == 0, "RSV bits accepted");
        require(frame.masked == (m_masking == PeerMasking::required), "mask bit against the rule");
        require(!is_control(frame.opcode) || (frame.fin && frame.payload_len <= kMaxControlPayload),
                "bad control frame accepted");
        require((frame.payload_len >> 63) == 0, "64-bit length with the top bit");
        require(m_header_start + frame.header_len <= m_stream.size(), "header beyond the stream");
        const uint8_t* wire = m_stream.data() + m_header_start;
        if (frame_header_len(frame.payload_len, frame.masked) != frame.header_len) {
            return;  // a non-minimal length encoding: accepted, not reproduced
        }
        uint8_t again[kMaxFrameHeader];
        const size_t length = frame.masked
                                  ? write_masked_frame_header(again, frame.fin, frame.opcode, frame.payload_len,
                                                              frame.mask_key)
                                  : write_frame_header(again, frame.fin, frame.opcode, frame.payload_len);
        require(length == frame.header_len && std::memcmp(again, wire, length) == 0, "re-encoded header differs");
    }

    size_t payload(std::span<uint8_t> piece) {
        const size_t length = static_cast<size_t>(std::min<uint64_t>(m_sequencer.frame_remaining(), piece.size()));
        const std::span<uint8_t> bytes = piece.first(length);
        const uint64_t offset = m_sequencer.frame_offset();
        unmask(bytes, m_frame.mask_key, offset);
        for (size_t i = 0; i < length; ++i) {
            const uint8_t wire = m_stream[m_position + i];
            require(bytes[i] == (wire ^ m_frame.mask_key[(offset + i) % 4]), "unmask differs from the reference");
            m_payload_hash = (m_payload_hash ^ bytes[i]) * 0x100000001b3ULL;
        }
        const bool text = !is_control(m_frame.opcode) && m_sequencer.message_opcode() == Opcode::text;
        if (text) {
            m_text.insert(m_text.end(), bytes.begin(), bytes.end());
        }
        const CloseCode code = m_sequencer.on_payload(bytes);
        if (code != CloseCode::none) {
            require(code == CloseCode::invalid_payload && text, "a payload failed other than as bad text");
            require(reference_utf8(m_text) == Utf8Verdict::invalid, "text the reference accepts was rejected");
            fail(code);
            return length;
        }
        if (m_sequencer.frame_remaining() == 0) {
            end_frame();
        }
        return length;
    }

    void end_frame() {
        const Opcode opcode = m_frame.opcode;
        const CloseCode code = m_sequencer.on_frame_end();
        m_in_payload = false;
        m_log.insert(m_log.end(), {kFrameEnd, m_payload_hash, to_wire(code)});
        if (is_control(opcode)) {
            control_end(opcode);
        } else if (m_frame.fin) {
            message_end(code);
        }
        if (code != CloseCode::none) {
            fail(code);
        }
    }

    void control_end(Opcode opcode) {
        ++m_reach.control_frames;
        const std::span<const uint8_t> payload = m_sequencer.control_payload();
        require(payload.size() == m_frame.payload_len, "control payload length");
        uint64_t hash = 0xcbf29ce484222325ULL;
        for (const uint8_t byte : payload) {
            hash = (hash ^ byte) * 0x100000001b3ULL;
        }
        require(hash == m_payload_hash, "control payload differs from the frame's");
        if (opcode != Opcode::close) {
            return;
        }
        const ClosePayload close = parse_close_payload(payload);
        m_log.insert(m_log.end(), {kClose, to_wire(close.error), close.has_code, close.code, close.reason.size()});
        if (close.error != CloseCode::none) {
            m_reach.close_payload_bad = true;
            require(payload.size() == 1 || !close_code_valid_on_wire(static_cast<uint16_t>((payload[0] << 8) | payload[1])) ||
                        reference_utf8(payload.subspan(2)) != Utf8Verdict::complete,
                    "a good Close payload was rejected");
        } else if (close.has_code) {
            ++m_reach.close_with_code;
            require(close.reason.data() == payload.data() + 2, "Close reason outside its payload");
        }
    }

    void message_end(CloseCode code) {
        ++m_reach.messages;
        if (m_sequencer.message_opcode() != Opcode::text) {
            return;
        }
        ++m_reach.text_messages;
        const Utf8Verdict verdict = reference_utf8(m_text);
        require(code == CloseCode::none ? verdict == Utf8Verdict::complete : verdict == Utf8Verdict::incomplete,
                "message-end UTF-8 verdict differs from the reference");
    }

    void fail(CloseCode code) {
        require(code != CloseCode::none, "failure without a code");
        m_failure = code;
        m_reach.failure = to_wire(code);
        m_log.insert(m_log.end(), {kFailure, to_wire(code)});
    }

    FrameHeaderParser m_parser;
    MessageSequencer m_sequencer;
    PeerMasking m_masking;
    std::span<const uint8_t> m_stream;  // the whole stream as received, for the references
    size_t m_position = 0;              // stream offset of the next byte to process
    size_t m_header_start = 0;
    FrameHeader m_frame;
    bool m_in_payload = false;
    uint64_t m_payload_hash = 0;
    std::vector<uint8_t> m_text;  // the current text message, unmasked
    CloseCode m_failure = CloseCode::none;
    std::vector<uint64_t> m_log;
    WsFrameReach m_reach;
};

// A private heap block of exactly the piece's size: ASan reports any read past it.
void feed_exact(Receiver& receiver, std::span<const uint8_t> piece) {
    const auto block = std::make_unique<uint8_t[]>(piece.size());
    std::copy(piece.begin(), piece.end(), block.get());
    receiver.feed(std::span(block.get(), piece.size()));
}

}  // namespace

WsFrameReach ws_frame_run(const uint8_t* data, size_t size) {
    if (size == 0) {
        return {};
    }
    const uint8_t setup = data[0];
    constexpr uint64_t kSizeLimits[] = {125, 1000, 65536, std::numeric_limits<uint64_t>::max()};
    const Limits limits{.masking = (setup & 1) != 0 ? PeerMasking::forbidden : PeerMasking::required,
                        .max_message_size = kSizeLimits[(setup >> 1) & 3]};
    const std::span<const uint8_t> stream(data + 1, size - 1);

    Receiver whole(limits, stream);
    if (!stream.empty()) {
        feed_exact(whole, stream);
    }
    whole.finish();

    Receiver pieces(limits, stream);
    const size_t largest_piece = 1 + (setup >> 3);
    for (size_t at = 0; at < stream.size();) {
        const size_t piece = std::min(stream.size() - at, 1 + (stream[at] ^ (at * 31)) % largest_piece);
        feed_exact(pieces, stream.subspan(at, piece));
        at += piece;
    }
    pieces.finish();

    require(whole.log() == pieces.log(), "whole and piecewise feeding disagree");
    return whole.reach();
}

int ws_frame_fuzz_one(const uint8_t* data, size_t size) {
    ws_frame_run(data, size);
    return 0;
}

}  // namespace slip::test
