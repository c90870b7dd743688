#include "stack/quic/qlog.h"

#include <cinttypes>
#include <cstdio>

#include "stack/quic/frame.h"
#include "stack/quic/wire.h"

namespace slip::stack::quic {

// A record being formatted: appends that do not fit are cut off (the record is then closed
// as far as it got, still one valid JSON text only if nothing was cut: kept short).
class QlogWriter::Line {
public:
    void raw(std::string_view s) {
        for (char c : s) {
            put(c);
        }
    }
    void u64(uint64_t v) {
        char tmp[24];
        const int n = std::snprintf(tmp, sizeof tmp, "%" PRIu64, v);
        raw(std::string_view(tmp, size_t(n)));
    }
    void millis(uint64_t ns) {
        char tmp[32];
        const int n = std::snprintf(tmp, sizeof tmp, "%" PRIu64 ".%03" PRIu64, ns / 1'000'000, (ns / 1000) % 1000);
        raw(std::string_view(tmp, size_t(n)));
    }
    void hex(std::span<const uint8_t> bytes) {
        static constexpr char kDigits[] = "0123456789abcdef";
        for (uint8_t b : bytes) {
            put(kDigits[b >> 4]);
            put(kDigits[b & 15]);
        }
    }
    void key_u64(std::string_view key, uint64_t v) {
        raw("\"");
        raw(key);
        raw("\":");
        u64(v);
    }
    std::string_view view() const { return {m_buf.data(), m_len}; }

private:
    void put(char c) {
        if (m_len < m_buf.size()) {
            m_buf[m_len++] = c;
        }
    }
    std::array<char, 4096> m_buf{};
    size_t m_len = 0;
};

namespace {

const char* qlog_packet_type(PacketType t) {
    switch (t) {
    case PacketType::initial: return "initial";
    case PacketType::zero_rtt: return "0RTT";
    case PacketType::handshake: return "handshake";
    case PacketType::retry: return "retry";
    case PacketType::version_negotiation: return "version_negotiation";
    case PacketType::one_rtt: return "1RTT";
    }
    return "unknown";
}

const char* qlog_space_type(PacketNumberSpace s) {
    return s == PacketNumberSpace::initial ? "initial" : s == PacketNumberSpace::handshake ? "handshake" : "1RTT";
}

// quic-events-02 frame_type names.
const char* qlog_frame_type(FrameType t) {
    switch (t) {
    case FrameType::padding: return "padding";
    case FrameType::ping: return "ping";
    case FrameType::ack:
    case FrameType::ack_ecn: return "ack";
    case FrameType::reset_stream: return "reset_stream";
    case FrameType::stop_sending: return "stop_sending";
    case FrameType::crypto: return "crypto";
    case FrameType::new_token: return "new_token";
    case FrameType::stream: return "stream";
    case FrameType::max_data: return "max_data";
    case FrameType::max_stream_data: return "max_stream_data";
    case FrameType::max_streams_bidi:
    case FrameType::max_streams_uni: return "max_streams";
    case FrameType::data_blocked: return "data_blocked";
    case FrameType::stream_data_blocked: return "stream_data_blocked";
    case FrameType::streams_blocked_bidi:
    case FrameType::streams_blocked_uni: return "streams_blocked";
    case FrameType::new_connection_id: return "new_connection_id";
    case FrameType::retire_connection_id: return "retire_connection_id";
    case FrameType::path_challenge: return "path_challenge";
    case FrameType::path_response: return "path_response";
    case FrameType::connection_close:
    case FrameType::connection_close_app: return "connection_close";
    case FrameType::handshake_done: return "handshake_done";
    }
    return "unknown";
}

}  // namespace

QlogWriter::QlogWriter(QlogSink& sink, Role role, std::span<const uint8_t> original_dcid, uint64_t start_ns)
    : m_sink(sink), m_start_ns(start_ns) {
    Line l;
    l.raw("\x1e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":\"slipstream qlog\",");
    l.raw("\"trace\":{\"vantage_point\":{\"name\":\"slipstream\",\"type\":\"");
    l.raw(role == Role::server ? "server" : "client");
    l.raw("\"},\"common_fields\":{\"protocol_type\":[\"QUIC\"],\"time_format\":\"relative\",\"reference_time\":");
    l.millis(start_ns);
    l.raw(",\"group_id\":\"");
    l.hex(original_dcid);
    l.raw("\"}}}\n");
    m_sink.record(l.view());
}

void QlogWriter::begin(Line& l, uint64_t now_ns, std::string_view name) const {
    l.raw("\x1e{\"time\":");
    l.millis(now_ns > m_start_ns ? now_ns - m_start_ns : 0);
    l.raw(",\"name\":\"");
    l.raw(name);
    l.raw("\",\"data\":{");
}

void QlogWriter::packet_sent(uint64_t now_ns, PacketType type, uint64_t packet_number, size_t bytes,
                             const SentFrames& f) {
    Line l;
    begin(l, now_ns, "transport:packet_sent");
    l.raw("\"header\":{\"packet_type\":\"");
    l.raw(qlog_packet_type(type));
    l.raw("\",");
    l.key_u64("packet_number", packet_number);
    l.raw("},\"raw\":{");
    l.key_u64("length", bytes);
    l.raw("},\"frames\":[");
    bool first = true;
    const auto frame = [&](std::string_view name) {
        l.raw(first ? "{\"frame_type\":\"" : ",{\"frame_type\":\"");
        l.raw(name);
        l.raw("\"");
        first = false;
    };
    if (f.has_ack) {
        frame("ack");
        l.raw("}");
    }
    for (uint8_t i = 0; i < f.crypto_count; ++i) {
        frame("crypto");
        l.raw(",");
        l.key_u64("offset", f.crypto[i].offset);
        l.raw(",");
        l.key_u64("length", f.crypto[i].length);
        l.raw("}");
    }
    for (uint8_t i = 0; i < f.stream_count; ++i) {
        frame("stream");
        l.raw(",");
        l.key_u64("stream_id", f.stream[i].id);
        l.raw(",");
        l.key_u64("offset", f.stream[i].offset);
        l.raw(",");
        l.key_u64("length", f.stream[i].length);
        l.raw(f.stream[i].fin ? ",\"fin\":true}" : "}");
    }
    if (f.handshake_done) {
        frame("handshake_done");
        l.raw("}");
    }
    if (f.new_token) {
        frame("new_token");
        l.raw("}");
    }
    l.raw("]}}\n");
    m_sink.record(l.view());
}

void QlogWriter::packet_received(uint64_t now_ns, PacketType type, uint64_t packet_number, size_t bytes,
                                 std::span<const uint8_t> payload) {
    Line l;
    begin(l, now_ns, "transport:packet_received");
    l.raw("\"header\":{\"packet_type\":\"");
    l.raw(qlog_packet_type(type));
    l.raw("\",");
    l.key_u64("packet_number", packet_number);
    l.raw("},\"raw\":{");
    l.key_u64("length", bytes);
    l.raw("},\"frames\":[");
    WireReader r(payload);
    bool first = true;
    for (int n = 0; n < 32 && !r.at_end(); ++n) {
        Frame f;
        if (parse_frame(r, f) != TransportError::no_error) {
            break;
        }
        l.raw(first ? "{\"frame_type\":\"" : ",{\"frame_type\":\"");
        first = false;
        l.raw(qlog_frame_type(f.type));
        l.raw("\"");
        if (f.type == FrameType::stream) {
            l.raw(",");
            l.key_u64("stream_id", f.stream.stream_id);
            l.raw(",");
            l.key_u64("offset", f.stream.offset);
            l.raw(",");
            l.key_u64("length", f.stream.data.size());
            l.raw(f.stream.fin ? ",\"fin\":true" : "");
        } else if (f.type == FrameType::crypto) {
            l.raw(",");
            l.key_u64("offset", f.crypto.offset);
            l.raw(",");
            l.key_u64("length", f.crypto.data.size());
        } else if (f.type == FrameType::ack || f.type == FrameType::ack_ecn) {
            l.raw(",");
            l.key_u64("largest_acknowledged", f.ack.largest);
        } else if (f.type == FrameType::max_data || f.type == FrameType::max_stream_data) {
            l.raw(",");
            l.key_u64("maximum", f.maximum);
        }
        l.raw("}");
    }
    l.raw("]}}\n");
    m_sink.record(l.view());
}

void QlogWriter::packet_dropped(uint64_t now_ns, PacketType type, size_t bytes, std::string_view trigger) {
    Line l;
    begin(l, now_ns, "transport:packet_dropped");
    l.raw("\"header\":{\"packet_type\":\"");
    l.raw(qlog_packet_type(type));
    l.raw("\"},\"raw\":{");
    l.key_u64("length", bytes);
    l.raw("},\"trigger\":\"");
    l.raw(trigger);
    l.raw("\"}}\n");
    m_sink.record(l.view());
}

void QlogWriter::packet_lost(uint64_t now_ns, PacketNumberSpace space, uint64_t packet_number) {
    Line l;
    begin(l, now_ns, "recovery:packet_lost");
    l.raw("\"header\":{\"packet_type\":\"");
    l.raw(qlog_space_type(space));
    l.raw("\",");
    l.key_u64("packet_number", packet_number);
    l.raw("}}}\n");
    m_sink.record(l.view());
}

void QlogWriter::metrics_updated(uint64_t now_ns, const QlogMetrics& m) {
    Line l;
    begin(l, now_ns, "recovery:metrics_updated");
    l.raw("\"min_rtt\":");
    l.millis(m.min_rtt_ns);
    l.raw(",\"smoothed_rtt\":");
    l.millis(m.smoothed_rtt_ns);
    l.raw(",\"latest_rtt\":");
    l.millis(m.latest_rtt_ns);
    l.raw(",\"rtt_variance\":");
    l.millis(m.rtt_variance_ns);
    l.raw(",");
    l.key_u64("congestion_window", m.congestion_window);
    l.raw(",");
    l.key_u64("bytes_in_flight", m.bytes_in_flight);
    l.raw("}}\n");
    m_sink.record(l.view());
}

void QlogWriter::parameters_set(uint64_t now_ns, bool local, const TransportParameters& p) {
    Line l;
    begin(l, now_ns, "transport:parameters_set");
    l.raw(local ? "\"owner\":\"local\"," : "\"owner\":\"remote\",");
    l.key_u64("max_idle_timeout", p.max_idle_timeout_ms);
    l.raw(",");
    l.key_u64("max_udp_payload_size", p.max_udp_payload_size);
    l.raw(",");
    l.key_u64("initial_max_data", p.initial_max_data);
    l.raw(",");
    l.key_u64("initial_max_stream_data_bidi_local", p.initial_max_stream_data_bidi_local);
    l.raw(",");
    l.key_u64("initial_max_stream_data_bidi_remote", p.initial_max_stream_data_bidi_remote);
    l.raw(",");
    l.key_u64("initial_max_stream_data_uni", p.initial_max_stream_data_uni);
    l.raw(",");
    l.key_u64("initial_max_streams_bidi", p.initial_max_streams_bidi);
    l.raw(",");
    l.key_u64("initial_max_streams_uni", p.initial_max_streams_uni);
    l.raw(",");
    l.key_u64("ack_delay_exponent", p.ack_delay_exponent);
    l.raw(",");
    l.key_u64("max_ack_delay", p.max_ack_delay_ms);
    l.raw(",");
    l.key_u64("active_connection_id_limit", p.active_connection_id_limit);
    l.raw(p.disable_active_migration ? ",\"disable_active_migration\":true}}\n" : "}}\n");
    m_sink.record(l.view());
}

void QlogWriter::key_updated(uint64_t now_ns, bool local, uint64_t generation) {
    Line l;
    begin(l, now_ns, "security:key_updated");
    l.raw("\"key_type\":\"");
    l.raw(local ? "client_1rtt_secret" : "server_1rtt_secret");
    l.raw("\",");
    l.key_u64("generation", generation);
    l.raw(local ? ",\"trigger\":\"local_update\"}}\n" : ",\"trigger\":\"remote_update\"}}\n");
    m_sink.record(l.view());
}

void QlogWriter::connection_closed(uint64_t now_ns, bool local, uint64_t error_code, bool application) {
    Line l;
    begin(l, now_ns, "transport:connection_closed");
    l.raw(local ? "\"owner\":\"local\"," : "\"owner\":\"remote\",");
    l.key_u64(application ? "application_code" : "connection_code", error_code);
    l.raw("}}\n");
    m_sink.record(l.view());
}

}  // namespace slip::stack::quic
