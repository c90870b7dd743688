#pragma once
// QUIC version 1 frames (RFC 9000 §19): parsed from a decrypted payload in place (data and
// tokens are spans into the packet, nothing copied) and written into packet buffers. A
// parse error is the transport error the connection closes with (§12.4: an unknown type
// or a malformed frame is FRAME_ENCODING_ERROR; a frame in a packet type that may not
// carry it is PROTOCOL_VIOLATION).
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/error_code.h"
#include "stack/quic/packet_header.h"
#include "stack/quic/wire.h"

namespace slip::stack::quic {

enum class FrameType : uint64_t {
    padding = 0x00,
    ping = 0x01,
    ack = 0x02,
    ack_ecn = 0x03,
    reset_stream = 0x04,
    stop_sending = 0x05,
    crypto = 0x06,
    new_token = 0x07,
    stream = 0x08,  // 0x08-0x0f: the low three bits are OFF, LEN and FIN (§19.8)
    max_data = 0x10,
    max_stream_data = 0x11,
    max_streams_bidi = 0x12,
    max_streams_uni = 0x13,
    data_blocked = 0x14,
    stream_data_blocked = 0x15,
    streams_blocked_bidi = 0x16,
    streams_blocked_uni = 0x17,
    new_connection_id = 0x18,
    retire_connection_id = 0x19,
    path_challenge = 0x1a,
    path_response = 0x1b,
    connection_close = 0x1c,      // a transport error
    connection_close_app = 0x1d,  // an application error
    handshake_done = 0x1e,
};
const char* to_string(FrameType t);

// RFC 9000 §19.11: stream counts above 2^60 cannot be expressed as stream IDs.
inline constexpr uint64_t kMaxStreams = uint64_t(1) << 60;
inline constexpr size_t kStatelessResetTokenLength = 16;
inline constexpr size_t kPathDataLength = 8;

struct AckFrame {
    uint64_t largest = 0;
    uint64_t delay = 0;  // as sent: scaled by the sender's ack_delay_exponent (§19.3)
    uint64_t first_range = 0;
    uint64_t range_count = 0;
    std::span<const uint8_t> ranges;  // range_count (gap, length) pairs, validated
    bool ecn = false;
    uint64_t ect0 = 0, ect1 = 0, ce = 0;
};

// The acknowledged intervals of an ACK frame, largest first (RFC 9000 §19.3.1).
class AckRangeReader {
public:
    explicit AckRangeReader(const AckFrame& f);
    // The next interval [smallest, largest]; false after the last.
    bool next(uint64_t& smallest, uint64_t& largest);

private:
    WireReader m_ranges;
    uint64_t m_left;
    uint64_t m_smallest = 0;  // of the interval returned last
    bool m_first = true;
    uint64_t m_first_largest;
    uint64_t m_first_range;
};

struct StreamFrame {
    uint64_t stream_id = 0;
    uint64_t offset = 0;
    std::span<const uint8_t> data;
    bool fin = false;
};

struct CryptoFrame {
    uint64_t offset = 0;
    std::span<const uint8_t> data;
};

struct ResetStreamFrame {
    uint64_t stream_id = 0;
    uint64_t error_code = 0;
    uint64_t final_size = 0;
};

struct NewConnectionIdFrame {
    uint64_t sequence = 0;
    uint64_t retire_prior_to = 0;
    std::span<const uint8_t> connection_id;
    std::span<const uint8_t> reset_token;  // 16 bytes
};

struct ConnectionCloseFrame {
    uint64_t error_code = 0;
    uint64_t frame_type = 0;  // transport closes: the frame that caused it (0: unknown)
    std::span<const uint8_t> reason;
};

// One parsed frame; the member named after `type` holds it.
struct Frame {
    FrameType type = FrameType::padding;
    size_t padding = 0;          // padding: the run of zero bytes, collapsed into one frame
    AckFrame ack;                // ack, ack_ecn
    StreamFrame stream;          // stream
    CryptoFrame crypto;          // crypto
    ResetStreamFrame reset;      // reset_stream; stop_sending uses stream_id and error_code
    std::span<const uint8_t> token;  // new_token
    uint64_t stream_id = 0;      // max_stream_data, stream_data_blocked
    uint64_t maximum = 0;        // max_data, max_stream_data, max_streams_*, *_blocked: the limit
    NewConnectionIdFrame new_cid;
    uint64_t sequence = 0;       // retire_connection_id
    std::span<const uint8_t> path_data;  // path_challenge, path_response: 8 bytes
    ConnectionCloseFrame close;  // connection_close, connection_close_app
};

// Parses the frame at the reader's position. no_error: `out` holds it and the reader is
// past it; otherwise the error to close with, and the reader's position is unspecified.
TransportError parse_frame(WireReader& r, Frame& out);

// RFC 9000 §12.4, Table 3: whether a packet of `packet` type may carry the frame.
bool frame_allowed_in(FrameType t, PacketType packet);
// RFC 9000 §13.2.1: everything but ACK, PADDING and CONNECTION_CLOSE elicits an ACK.
bool is_ack_eliciting(FrameType t);

// Writes `f` (any type; stream and crypto with their data, the stream frame with an
// explicit length unless `last_in_packet`). False when it does not fit or a field is out
// of range.
bool write_frame(WireWriter& w, const Frame& f, bool last_in_packet = false);

// The header of a STREAM frame whose `length` data bytes the caller places right behind
// it (zero copy from the application's buffers). `explicit_length` false: the data runs
// to the end of the packet.
bool write_stream_frame_header(WireWriter& w, uint64_t stream_id, uint64_t offset, uint64_t length, bool fin,
                               bool explicit_length);
size_t stream_frame_header_size(uint64_t stream_id, uint64_t offset, uint64_t length, bool explicit_length);
bool write_crypto_frame_header(WireWriter& w, uint64_t offset, uint64_t length);

// An acknowledged interval for write_ack (RFC 9000 §19.3.1): [smallest, largest].
struct AckInterval {
    uint64_t smallest = 0;
    uint64_t largest = 0;
};
// An ACK frame for `intervals` (largest first, disjoint, not adjacent), with `delay` already
// scaled by our ack_delay_exponent; `max_ranges` caps how many go into it (the oldest are
// left out). ECN counts when `ecn` is given.
bool write_ack(WireWriter& w, std::span<const AckInterval> intervals, uint64_t delay, size_t max_ranges,
               const AckFrame* ecn = nullptr);

}  // namespace slip::stack::quic
