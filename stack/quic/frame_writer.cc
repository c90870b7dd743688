// Writing frames (declared in frame.h): the control frames whole, STREAM and CRYPTO as a
// header in front of data the caller places (or copies, for tests and small payloads).
#include "stack/quic/frame.h"

namespace slip::stack::quic {

namespace {

void write_close(WireWriter& w, const Frame& f) {
    w.varint(f.close.error_code);
    if (f.type == FrameType::connection_close) {
        w.varint(f.close.frame_type);
    }
    w.varint(f.close.reason.size());
    w.bytes(f.close.reason);
}

bool write_new_connection_id(WireWriter& w, const NewConnectionIdFrame& n) {
    if (n.connection_id.empty() || n.connection_id.size() > kMaxConnectionIdLength ||
        n.reset_token.size() != kStatelessResetTokenLength || n.retire_prior_to > n.sequence) {
        return false;
    }
    w.varint(n.sequence);
    w.varint(n.retire_prior_to);
    w.u8(uint8_t(n.connection_id.size()));
    w.bytes(n.connection_id);
    w.bytes(n.reset_token);
    return true;
}

// The frames whose body is a few integers or fixed bytes.
bool write_simple(WireWriter& w, const Frame& f) {
    switch (f.type) {
    case FrameType::ping:
    case FrameType::handshake_done:
        return true;
    case FrameType::reset_stream:
        w.varint(f.reset.stream_id);
        w.varint(f.reset.error_code);
        w.varint(f.reset.final_size);
        return true;
    case FrameType::stop_sending:
        w.varint(f.reset.stream_id);
        w.varint(f.reset.error_code);
        return true;
    case FrameType::new_token:
        w.varint(f.token.size());
        w.bytes(f.token);
        return !f.token.empty();
    case FrameType::max_data:
    case FrameType::data_blocked:
        w.varint(f.maximum);
        return true;
    case FrameType::max_stream_data:
    case FrameType::stream_data_blocked:
        w.varint(f.stream_id);
        w.varint(f.maximum);
        return true;
    case FrameType::max_streams_bidi:
    case FrameType::max_streams_uni:
    case FrameType::streams_blocked_bidi:
    case FrameType::streams_blocked_uni:
        w.varint(f.maximum);
        return f.maximum <= kMaxStreams;
    case FrameType::retire_connection_id:
        w.varint(f.sequence);
        return true;
    case FrameType::path_challenge:
    case FrameType::path_response:
        w.bytes(f.path_data);
        return f.path_data.size() == kPathDataLength;
    default:
        return false;
    }
}

// The ACK body from already parsed fields (round trips in tests and the fuzz target).
void write_parsed_ack(WireWriter& w, const AckFrame& a) {
    w.varint(a.largest);
    w.varint(a.delay);
    w.varint(a.range_count);
    w.varint(a.first_range);
    w.bytes(a.ranges);
    if (a.ecn) {
        w.varint(a.ect0);
        w.varint(a.ect1);
        w.varint(a.ce);
    }
}

}  // namespace

const char* to_string(FrameType t) {
    switch (t) {
    case FrameType::padding: return "PADDING";
    case FrameType::ping: return "PING";
    case FrameType::ack: return "ACK";
    case FrameType::ack_ecn: return "ACK_ECN";
    case FrameType::reset_stream: return "RESET_STREAM";
    case FrameType::stop_sending: return "STOP_SENDING";
    case FrameType::crypto: return "CRYPTO";
    case FrameType::new_token: return "NEW_TOKEN";
    case FrameType::stream: return "STREAM";
    case FrameType::max_data: return "MAX_DATA";
    case FrameType::max_stream_data: return "MAX_STREAM_DATA";
    case FrameType::max_streams_bidi: return "MAX_STREAMS_BIDI";
    case FrameType::max_streams_uni: return "MAX_STREAMS_UNI";
    case FrameType::data_blocked: return "DATA_BLOCKED";
    case FrameType::stream_data_blocked: return "STREAM_DATA_BLOCKED";
    case FrameType::streams_blocked_bidi: return "STREAMS_BLOCKED_BIDI";
    case FrameType::streams_blocked_uni: return "STREAMS_BLOCKED_UNI";
    case FrameType::new_connection_id: return "NEW_CONNECTION_ID";
    case FrameType::retire_connection_id: return "RETIRE_CONNECTION_ID";
    case FrameType::path_challenge: return "PATH_CHALLENGE";
    case FrameType::path_response: return "PATH_RESPONSE";
    case FrameType::connection_close: return "CONNECTION_CLOSE";
    case FrameType::connection_close_app: return "CONNECTION_CLOSE_APP";
    case FrameType::handshake_done: return "HANDSHAKE_DONE";
    }
    return "unknown";
}

size_t stream_frame_header_size(uint64_t stream_id, uint64_t offset, uint64_t length, bool explicit_length) {
    return 1 + varint_size(stream_id) + (offset != 0 ? varint_size(offset) : 0) +
           (explicit_length ? varint_size(length) : 0);
}

bool write_stream_frame_header(WireWriter& w, uint64_t stream_id, uint64_t offset, uint64_t length, bool fin,
                               bool explicit_length) {
    if (offset + length > kMaxVarint) {
        return false;
    }
    // §19.8: OFF (0x04) only when the offset is not zero, LEN (0x02), FIN (0x01).
    w.u8(uint8_t(0x08 | (offset != 0 ? 0x04 : 0) | (explicit_length ? 0x02 : 0) | (fin ? 0x01 : 0)));
    w.varint(stream_id);
    if (offset != 0) {
        w.varint(offset);
    }
    if (explicit_length) {
        w.varint(length);
    }
    return w.ok();
}

bool write_crypto_frame_header(WireWriter& w, uint64_t offset, uint64_t length) {
    w.u8(uint8_t(FrameType::crypto));
    w.varint(offset);
    w.varint(length);
    return w.ok() && offset + length <= kMaxVarint;
}

bool write_ack(WireWriter& w, std::span<const AckInterval> intervals, uint64_t delay, size_t max_ranges,
               const AckFrame* ecn) {
    if (intervals.empty() || max_ranges == 0 || intervals[0].smallest > intervals[0].largest) {
        return false;
    }
    const size_t n = intervals.size() < max_ranges ? intervals.size() : max_ranges;
    w.varint(uint64_t(ecn != nullptr ? FrameType::ack_ecn : FrameType::ack));
    w.varint(intervals[0].largest);
    w.varint(delay);
    w.varint(n - 1);
    w.varint(intervals[0].largest - intervals[0].smallest);
    for (size_t i = 1; i < n; ++i) {
        const AckInterval& prev = intervals[i - 1];
        const AckInterval& cur = intervals[i];
        // §19.3.1: Gap is the unacknowledged run between them, less one.
        if (cur.smallest > cur.largest || cur.largest + 2 > prev.smallest) {
            return false;
        }
        w.varint(prev.smallest - cur.largest - 2);
        w.varint(cur.largest - cur.smallest);
    }
    if (ecn != nullptr) {
        w.varint(ecn->ect0);
        w.varint(ecn->ect1);
        w.varint(ecn->ce);
    }
    return w.ok();
}

bool write_frame(WireWriter& w, const Frame& f, bool last_in_packet) {
    switch (f.type) {
    case FrameType::padding:
        w.zeros(f.padding == 0 ? 1 : f.padding);
        return w.ok();
    case FrameType::stream:
        if (!write_stream_frame_header(w, f.stream.stream_id, f.stream.offset, f.stream.data.size(), f.stream.fin,
                                       !last_in_packet)) {
            return false;
        }
        w.bytes(f.stream.data);
        return w.ok();
    case FrameType::crypto:
        if (!write_crypto_frame_header(w, f.crypto.offset, f.crypto.data.size())) {
            return false;
        }
        w.bytes(f.crypto.data);
        return w.ok();
    default:
        break;
    }
    w.varint(uint64_t(f.type));
    bool fields_ok = true;
    if (f.type == FrameType::ack || f.type == FrameType::ack_ecn) {
        write_parsed_ack(w, f.ack);
    } else if (f.type == FrameType::connection_close || f.type == FrameType::connection_close_app) {
        write_close(w, f);
    } else if (f.type == FrameType::new_connection_id) {
        fields_ok = write_new_connection_id(w, f.new_cid);
    } else {
        fields_ok = write_simple(w, f);
    }
    return fields_ok && w.ok();
}

}  // namespace slip::stack::quic
