#include "stack/quic/frame.h"

namespace slip::stack::quic {

namespace {

constexpr TransportError kEncoding = TransportError::frame_encoding_error;
constexpr TransportError kOk = TransportError::no_error;

TransportError checked(const WireReader& r) { return r.ok() ? kOk : kEncoding; }

// §19.3.1: every interval stays at or above packet number 0.
TransportError parse_ack(WireReader& r, bool ecn, AckFrame& a) {
    a.largest = r.varint();
    a.delay = r.varint();
    a.range_count = r.varint();
    a.first_range = r.varint();
    if (!r.ok() || a.first_range > a.largest) {
        return kEncoding;
    }
    const size_t ranges_start = r.offset();
    const std::span<const uint8_t> rest = r.rest();
    uint64_t smallest = a.largest - a.first_range;
    for (uint64_t i = 0; i < a.range_count; ++i) {
        const uint64_t gap = r.varint();
        const uint64_t length = r.varint();
        // The next interval's largest is smallest - gap - 2, its smallest that minus length.
        if (!r.ok() || smallest < gap + 2 || smallest - gap - 2 < length) {
            return kEncoding;
        }
        smallest = smallest - gap - 2 - length;
    }
    a.ranges = rest.first(r.offset() - ranges_start);
    a.ecn = ecn;
    if (ecn) {
        a.ect0 = r.varint();
        a.ect1 = r.varint();
        a.ce = r.varint();
    }
    return checked(r);
}

TransportError parse_stream(WireReader& r, uint64_t type, StreamFrame& s) {
    s.stream_id = r.varint();
    s.offset = (type & 0x04) != 0 ? r.varint() : 0;
    const uint64_t length = (type & 0x02) != 0 ? r.varint() : r.left();
    if (!r.ok() || length > r.left()) {
        return kEncoding;
    }
    s.data = r.bytes(size_t(length));
    s.fin = (type & 0x01) != 0;
    // §19.8: the stream's end must stay within 2^62 - 1.
    return s.offset + length > kMaxVarint ? kEncoding : kOk;
}

TransportError parse_crypto(WireReader& r, CryptoFrame& c) {
    c.offset = r.varint();
    const uint64_t length = r.varint();
    if (!r.ok() || length > r.left()) {
        return kEncoding;
    }
    c.data = r.bytes(size_t(length));
    // §19.6: an offset past 2^62 - 1 may be FRAME_ENCODING_ERROR (or CRYPTO_BUFFER_EXCEEDED).
    return c.offset + length > kMaxVarint ? kEncoding : kOk;
}

TransportError parse_new_connection_id(WireReader& r, NewConnectionIdFrame& n) {
    n.sequence = r.varint();
    n.retire_prior_to = r.varint();
    const uint8_t length = r.u8();
    // §19.15: 1 to 20 bytes, and Retire Prior To no larger than the sequence number.
    if (!r.ok() || length < 1 || length > kMaxConnectionIdLength || n.retire_prior_to > n.sequence) {
        return kEncoding;
    }
    n.connection_id = r.bytes(length);
    n.reset_token = r.bytes(kStatelessResetTokenLength);
    return checked(r);
}

TransportError parse_close(WireReader& r, bool transport, ConnectionCloseFrame& c) {
    c.error_code = r.varint();
    c.frame_type = transport ? r.varint() : 0;
    const uint64_t length = r.varint();
    if (!r.ok() || length > r.left()) {
        return kEncoding;
    }
    c.reason = r.bytes(size_t(length));
    return kOk;
}

// Frames of one or two integer fields, and the fixed-size ones.
TransportError parse_simple(WireReader& r, FrameType t, Frame& f) {
    switch (t) {
    case FrameType::reset_stream:
        f.reset.stream_id = r.varint();
        f.reset.error_code = r.varint();
        f.reset.final_size = r.varint();
        return checked(r);
    case FrameType::stop_sending:
        f.reset.stream_id = r.varint();
        f.reset.error_code = r.varint();
        return checked(r);
    case FrameType::new_token: {
        const uint64_t length = r.varint();
        // §19.7: an empty token is FRAME_ENCODING_ERROR.
        if (!r.ok() || length == 0 || length > r.left()) {
            return kEncoding;
        }
        f.token = r.bytes(size_t(length));
        return kOk;
    }
    case FrameType::max_data:
    case FrameType::data_blocked:
        f.maximum = r.varint();
        return checked(r);
    case FrameType::max_stream_data:
    case FrameType::stream_data_blocked:
        f.stream_id = r.varint();
        f.maximum = r.varint();
        return checked(r);
    case FrameType::max_streams_bidi:
    case FrameType::max_streams_uni:
    case FrameType::streams_blocked_bidi:
    case FrameType::streams_blocked_uni:
        f.maximum = r.varint();
        // §19.11, §19.14: a count above 2^60 is FRAME_ENCODING_ERROR.
        return !r.ok() || f.maximum > kMaxStreams ? kEncoding : kOk;
    case FrameType::retire_connection_id:
        f.sequence = r.varint();
        return checked(r);
    case FrameType::path_challenge:
    case FrameType::path_response:
        f.path_data = r.bytes(kPathDataLength);
        return checked(r);
    default:
        return kEncoding;  // §12.4: an unknown frame type
    }
}

}  // namespace

TransportError parse_frame(WireReader& r, Frame& f) {
    f = Frame{};
    const uint64_t type = r.varint();
    if (!r.ok()) {
        return kEncoding;
    }
    // §12.4: frame types use the shortest encoding; a longer one MAY be PROTOCOL_VIOLATION.
    if (r.last_varint_size() != varint_size(type)) {
        return TransportError::protocol_violation;
    }
    if (type >= 0x08 && type <= 0x0f) {
        f.type = FrameType::stream;
        return parse_stream(r, type, f.stream);
    }
    f.type = FrameType(type);
    switch (f.type) {
    case FrameType::padding:
        f.padding = 1;
        while (!r.at_end() && r.rest()[0] == 0) {
            r.skip(1);
            ++f.padding;
        }
        return kOk;
    case FrameType::ping:
    case FrameType::handshake_done:
        return kOk;
    case FrameType::ack:
    case FrameType::ack_ecn:
        return parse_ack(r, f.type == FrameType::ack_ecn, f.ack);
    case FrameType::crypto:
        return parse_crypto(r, f.crypto);
    case FrameType::new_connection_id:
        return parse_new_connection_id(r, f.new_cid);
    case FrameType::connection_close:
    case FrameType::connection_close_app:
        return parse_close(r, f.type == FrameType::connection_close, f.close);
    default:
        return parse_simple(r, f.type, f);
    }
}

AckRangeReader::AckRangeReader(const AckFrame& f)
    : m_ranges(f.ranges), m_left(f.range_count), m_first_largest(f.largest), m_first_range(f.first_range) {}

bool AckRangeReader::next(uint64_t& smallest, uint64_t& largest) {
    if (m_first) {
        m_first = false;
        largest = m_first_largest;
        smallest = m_smallest = m_first_largest - m_first_range;
        return true;
    }
    if (m_left == 0) {
        return false;
    }
    --m_left;
    const uint64_t gap = m_ranges.varint();
    const uint64_t length = m_ranges.varint();
    // Validated by parse_frame: no interval reaches below zero.
    largest = m_smallest - gap - 2;
    smallest = m_smallest = largest - length;
    return m_ranges.ok();
}

bool frame_allowed_in(FrameType t, PacketType packet) {
    const bool initial_or_handshake = packet == PacketType::initial || packet == PacketType::handshake;
    switch (t) {
    case FrameType::padding:
    case FrameType::ping:
    case FrameType::connection_close:
        return true;  // Table 3: I H 0 1
    case FrameType::ack:
    case FrameType::ack_ecn:
    case FrameType::crypto:
        return packet != PacketType::zero_rtt;  // I H _ 1
    case FrameType::new_token:
    case FrameType::path_response:
    case FrameType::handshake_done:
        return packet == PacketType::one_rtt;  // _ _ _ 1
    default:
        return !initial_or_handshake;  // _ _ 0 1
    }
}

bool is_ack_eliciting(FrameType t) {
    return t != FrameType::ack && t != FrameType::ack_ecn && t != FrameType::padding &&
           t != FrameType::connection_close && t != FrameType::connection_close_app;
}

}  // namespace slip::stack::quic
