#include "stack/quic/qlog.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "stack/quic/frame.h"
#include "stack/quic/wire.h"

using namespace slip::stack::quic;

namespace {

struct Collect final : QlogSink {
    std::vector<std::string> records;
    void record(std::string_view bytes) override { records.emplace_back(bytes); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(qlog)

// JSON-SEQ (RFC 7464): RS, one JSON text, LF; the header of qlog 0.3 as qvis reads it.
BOOST_AUTO_TEST_CASE(header_and_events_are_json_seq_records) {
    Collect sink;
    const uint8_t odcid[] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    QlogWriter q(sink, Role::server, odcid, 1'000'000'000);
    BOOST_REQUIRE_EQUAL(sink.records.size(), 1u);
    BOOST_TEST(sink.records[0] ==
               "\x1e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":\"slipstream qlog\","
               "\"trace\":{\"vantage_point\":{\"name\":\"slipstream\",\"type\":\"server\"},\"common_fields\":"
               "{\"protocol_type\":[\"QUIC\"],\"time_format\":\"relative\",\"reference_time\":1000.000,"
               "\"group_id\":\"8394c8f03e515708\"}}}\n");
    SentFrames f;
    f.has_ack = true;
    f.stream_count = 1;
    f.stream[0] = {4, 1200, 1000, true};
    q.packet_sent(1'002'500'000, PacketType::one_rtt, 7, 1050, f);
    BOOST_TEST(sink.records[1] ==
               "\x1e{\"time\":2.500,\"name\":\"transport:packet_sent\",\"data\":{\"header\":{\"packet_type\":\"1RTT\","
               "\"packet_number\":7},\"raw\":{\"length\":1050},\"frames\":[{\"frame_type\":\"ack\"},"
               "{\"frame_type\":\"stream\",\"stream_id\":4,\"offset\":1200,\"length\":1000,\"fin\":true}]}}\n");
    std::vector<uint8_t> payload(64);
    WireWriter w(payload);
    w.u8(0x01);  // PING
    write_stream_frame_header(w, 8, 0, 3, false, true);
    w.bytes(std::vector<uint8_t>{1, 2, 3});
    q.packet_received(1'003'000'000, PacketType::one_rtt, 9, 80, std::span(payload.data(), w.size()));
    BOOST_TEST(sink.records[2] ==
               "\x1e{\"time\":3.000,\"name\":\"transport:packet_received\",\"data\":{\"header\":{\"packet_type\":\"1RTT\","
               "\"packet_number\":9},\"raw\":{\"length\":80},\"frames\":[{\"frame_type\":\"ping\"},"
               "{\"frame_type\":\"stream\",\"stream_id\":8,\"offset\":0,\"length\":3}]}}\n");
    q.metrics_updated(1'004'000'000, QlogMetrics{20'000'000, 25'500'000, 30'000'000, 5'000'000, 14720, 2400});
    BOOST_TEST(sink.records[3] ==
               "\x1e{\"time\":4.000,\"name\":\"recovery:metrics_updated\",\"data\":{\"min_rtt\":20.000,"
               "\"smoothed_rtt\":25.500,\"latest_rtt\":30.000,\"rtt_variance\":5.000,\"congestion_window\":14720,"
               "\"bytes_in_flight\":2400}}\n");
    q.packet_lost(1'005'000'000, PacketNumberSpace::handshake, 3);
    BOOST_TEST(sink.records[4] ==
               "\x1e{\"time\":5.000,\"name\":\"recovery:packet_lost\",\"data\":{\"header\":{\"packet_type\":"
               "\"handshake\",\"packet_number\":3}}}\n");
}

BOOST_AUTO_TEST_SUITE_END()
