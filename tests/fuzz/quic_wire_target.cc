#include "tests/fuzz/quic_wire_target.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "stack/quic/frame.h"
#include "stack/quic/packet_header.h"
#include "stack/quic/transport_params.h"

namespace slip::test {

namespace {

using namespace slip::stack::quic;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "quic_wire: invariant broken: %s\n", what);
        std::abort();
    }
}

bool same_span(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// The fields a frame of each type carries (spans by content).
bool same_frame(const Frame& a, const Frame& b) {
    if (a.type != b.type) {
        return false;
    }
    switch (a.type) {
    case FrameType::padding: return a.padding == b.padding;
    case FrameType::ack:
    case FrameType::ack_ecn:
        return a.ack.largest == b.ack.largest && a.ack.delay == b.ack.delay && a.ack.first_range == b.ack.first_range &&
               a.ack.range_count == b.ack.range_count && a.ack.ect0 == b.ack.ect0 && a.ack.ect1 == b.ack.ect1 &&
               a.ack.ce == b.ack.ce;
    case FrameType::stream:
        return a.stream.stream_id == b.stream.stream_id && a.stream.offset == b.stream.offset &&
               a.stream.fin == b.stream.fin && same_span(a.stream.data, b.stream.data);
    case FrameType::crypto: return a.crypto.offset == b.crypto.offset && same_span(a.crypto.data, b.crypto.data);
    case FrameType::new_connection_id:
        return a.new_cid.sequence == b.new_cid.sequence && a.new_cid.retire_prior_to == b.new_cid.retire_prior_to &&
               same_span(a.new_cid.connection_id, b.new_cid.connection_id) &&
               same_span(a.new_cid.reset_token, b.new_cid.reset_token);
    case FrameType::connection_close:
    case FrameType::connection_close_app:
        return a.close.error_code == b.close.error_code && a.close.frame_type == b.close.frame_type &&
               same_span(a.close.reason, b.close.reason);
    default:
        return a.reset.stream_id == b.reset.stream_id && a.reset.error_code == b.reset.error_code &&
               a.reset.final_size == b.reset.final_size && same_span(a.token, b.token) && a.stream_id == b.stream_id &&
               a.maximum == b.maximum && a.sequence == b.sequence && same_span(a.path_data, b.path_data);
    }
}

void walk_ack(const AckFrame& ack, QuicWireReach& reach) {
    AckRangeReader ranges(ack);
    uint64_t lo = 0, hi = 0, count = 0, previous_lo = 0;
    while (ranges.next(lo, hi)) {
        check(lo <= hi, "an ACK interval upside down");
        check(count == 0 || hi + 2 <= previous_lo, "ACK intervals not descending with a gap");
        previous_lo = lo;
        ++count;
        ++reach.ack_ranges;
    }
    check(count == ack.range_count + 1, "ACK interval count");
}

void run_datagram(std::span<const uint8_t> d, size_t dcid_length, QuicWireReach& reach) {
    while (!d.empty()) {
        PacketHeader h;
        if (parse_packet_header(d, dcid_length, h) != HeaderStatus::ok) {
            return;
        }
        ++reach.packets;
        check(h.packet_size > 0 && h.packet_size <= d.size(), "packet size outside the datagram");
        if (h.is_long() && h.type != PacketType::retry && h.type != PacketType::version_negotiation) {
            check(h.pn_offset < h.packet_size, "packet number outside the packet");
        }
        d = d.subspan(h.packet_size);
    }
}

void run_frames(std::span<const uint8_t> payload, PacketType packet, QuicWireReach& reach) {
    WireReader r(payload);
    while (!r.at_end()) {
        Frame f;
        if (parse_frame(r, f) != TransportError::no_error) {
            ++reach.frame_errors;
            return;
        }
        ++reach.frames;
        (void)frame_allowed_in(f.type, packet);
        if (f.type == FrameType::ack || f.type == FrameType::ack_ecn) {
            walk_ack(f.ack, reach);
        }
        // Re-encoded (a STREAM frame with its explicit length), parsed back: the same frame.
        auto out = std::make_unique<uint8_t[]>(payload.size() + 64);
        WireWriter w(std::span(out.get(), payload.size() + 64));
        check(write_frame(w, f), "a parsed frame does not re-encode");
        WireReader back(w.written());
        Frame g;
        check(parse_frame(back, g) == TransportError::no_error && back.at_end(), "a re-encoded frame does not parse");
        check(same_frame(f, g), "a re-encoded frame parses differently");
    }
}

bool same_params(const TransportParameters& a, const TransportParameters& b) {
    return a.max_idle_timeout_ms == b.max_idle_timeout_ms && a.max_udp_payload_size == b.max_udp_payload_size &&
           a.initial_max_data == b.initial_max_data &&
           a.initial_max_stream_data_bidi_local == b.initial_max_stream_data_bidi_local &&
           a.initial_max_stream_data_bidi_remote == b.initial_max_stream_data_bidi_remote &&
           a.initial_max_stream_data_uni == b.initial_max_stream_data_uni &&
           a.initial_max_streams_bidi == b.initial_max_streams_bidi &&
           a.initial_max_streams_uni == b.initial_max_streams_uni && a.ack_delay_exponent == b.ack_delay_exponent &&
           a.max_ack_delay_ms == b.max_ack_delay_ms && a.disable_active_migration == b.disable_active_migration &&
           a.active_connection_id_limit == b.active_connection_id_limit &&
           a.has_initial_source_connection_id == b.has_initial_source_connection_id &&
           a.initial_source_connection_id == b.initial_source_connection_id &&
           a.has_original_destination_connection_id == b.has_original_destination_connection_id &&
           a.original_destination_connection_id == b.original_destination_connection_id &&
           a.has_stateless_reset_token == b.has_stateless_reset_token &&
           a.stateless_reset_token == b.stateless_reset_token && a.has_preferred_address == b.has_preferred_address &&
           a.has_retry_source_connection_id == b.has_retry_source_connection_id;
}

void run_params(std::span<const uint8_t> bytes, Role sender, QuicWireReach& reach) {
    TransportParameters p;
    if (decode_transport_parameters(bytes, sender, p) != TransportError::no_error) {
        ++reach.params_refused;
        return;
    }
    ++reach.params_decoded;
    uint8_t out[1024];
    size_t n = 0;
    check(encode_transport_parameters(p, sender, out, n), "accepted parameters do not re-encode");
    TransportParameters q;
    check(decode_transport_parameters(std::span(out, n), sender, q) == TransportError::no_error,
          "re-encoded parameters are refused");
    check(same_params(p, q), "re-encoded parameters decode differently");
}

}  // namespace

QuicWireReach quic_wire_run(const uint8_t* data, size_t size) {
    QuicWireReach reach;
    if (size == 0) {
        return reach;
    }
    const uint8_t selector = data[0];
    // A block of exactly the input's size, so a read past it is a heap overflow under ASan.
    const size_t n = size - 1;
    auto block = std::make_unique<uint8_t[]>(n == 0 ? 1 : n);
    std::copy(data + 1, data + size, block.get());
    const std::span<const uint8_t> bytes(block.get(), n);
    switch (selector % 3) {
    case 0: run_datagram(bytes, selector / 3 % 21, reach); break;
    case 1: run_frames(bytes, PacketType(selector / 3 % 4 == 3 ? 5 : selector / 3 % 4), reach); break;
    default: run_params(bytes, selector / 3 % 2 == 0 ? Role::client : Role::server, reach); break;
    }
    return reach;
}

int quic_wire_fuzz_one(const uint8_t* data, size_t size) {
    (void)quic_wire_run(data, size);
    return 0;
}

}  // namespace slip::test
