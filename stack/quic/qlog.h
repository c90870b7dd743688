#pragma once
// qlog for one connection (draft-ietf-quic-qlog-main-schema-03 and quic-events-02, the
// "0.3" that qvis reads and ngtcp2 0.12 writes): JSON-SEQ records (RFC 7464: RS, the JSON
// text, LF), a header naming the vantage point and the original DCID, then events with a
// time in milliseconds relative to the connection's start. Sans-I/O like the connection:
// records are formatted into a fixed buffer and handed to a sink, which writes them where
// it likes (the engine: a file per connection under --qlog-dir). No allocation per event.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "stack/quic/packet_header.h"
#include "stack/quic/packet_number_space.h"
#include "stack/quic/sent_frames.h"
#include "stack/quic/transport_params.h"

namespace slip::stack::quic {

class QlogSink {
public:
    // One whole record, RS to LF included.
    virtual void record(std::string_view bytes) = 0;

protected:
    ~QlogSink() = default;
};

struct QlogMetrics {
    uint64_t min_rtt_ns = 0;
    uint64_t smoothed_rtt_ns = 0;
    uint64_t latest_rtt_ns = 0;
    uint64_t rtt_variance_ns = 0;
    uint64_t congestion_window = 0;
    uint64_t bytes_in_flight = 0;
};

class QlogWriter {
public:
    QlogWriter(QlogSink& sink, Role role, std::span<const uint8_t> original_dcid, uint64_t start_ns);

    void packet_sent(uint64_t now_ns, PacketType type, uint64_t packet_number, size_t bytes, const SentFrames& frames);
    // `payload`: the decrypted frames, listed by type (and stream, offset, length).
    void packet_received(uint64_t now_ns, PacketType type, uint64_t packet_number, size_t bytes,
                         std::span<const uint8_t> payload);
    void packet_dropped(uint64_t now_ns, PacketType type, size_t bytes, std::string_view trigger);
    void packet_lost(uint64_t now_ns, PacketNumberSpace space, uint64_t packet_number);
    void metrics_updated(uint64_t now_ns, const QlogMetrics& m);
    void parameters_set(uint64_t now_ns, bool local, const TransportParameters& p);
    void key_updated(uint64_t now_ns, bool local, uint64_t generation);
    void connection_closed(uint64_t now_ns, bool local, uint64_t error_code, bool application);

private:
    class Line;
    void begin(Line& l, uint64_t now_ns, std::string_view name) const;

    QlogSink& m_sink;
    uint64_t m_start_ns;
};

}  // namespace slip::stack::quic
