#include "stack/quic/transport_params.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "stack/quic/wire.h"
#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;
using slip::test::hex;

namespace {

using Bytes = std::vector<uint8_t>;

TransportParameters server_params() {
    TransportParameters p;
    ConnectionId::from(hex("8394c8f03e515708"), p.original_destination_connection_id);
    p.has_original_destination_connection_id = true;
    ConnectionId::from(hex("f067a5502a4262b5"), p.initial_source_connection_id);
    p.has_initial_source_connection_id = true;
    p.has_stateless_reset_token = true;
    p.stateless_reset_token.fill(0x5a);
    p.max_idle_timeout_ms = 30000;
    p.max_udp_payload_size = 1472;
    p.initial_max_data = 1 << 20;
    p.initial_max_stream_data_bidi_local = 1 << 18;
    p.initial_max_stream_data_bidi_remote = 1 << 18;
    p.initial_max_stream_data_uni = 1 << 16;
    p.initial_max_streams_bidi = 100;
    p.initial_max_streams_uni = 3;
    p.ack_delay_exponent = 4;
    p.max_ack_delay_ms = 20;
    p.disable_active_migration = true;
    p.active_connection_id_limit = 4;
    return p;
}

// One parameter: id, length, value.
Bytes param(uint64_t id, const Bytes& value) {
    Bytes out(16 + value.size());
    WireWriter w(out);
    w.varint(id);
    w.varint(value.size());
    w.bytes(value);
    out.resize(w.size());
    return out;
}

Bytes int_param(uint64_t id, uint64_t v) {
    Bytes value(8);
    WireWriter w(value);
    w.varint(v);
    value.resize(w.size());
    return param(id, value);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

TransportError decode(const Bytes& b, Role sender, std::string* why = nullptr) {
    TransportParameters p;
    const char* w = nullptr;
    const TransportError e = decode_transport_parameters(b, sender, p, &w);
    if (why != nullptr && w != nullptr) {
        *why = w;
    }
    return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transport_params)

BOOST_AUTO_TEST_CASE(a_server_set_round_trips) {
    const TransportParameters p = server_params();
    uint8_t out[256];
    size_t n = 0;
    BOOST_REQUIRE(encode_transport_parameters(p, Role::server, out, n));
    TransportParameters q;
    BOOST_REQUIRE(decode_transport_parameters(std::span(out, n), Role::server, q) == TransportError::no_error);
    BOOST_TEST((q.original_destination_connection_id == p.original_destination_connection_id));
    BOOST_TEST((q.initial_source_connection_id == p.initial_source_connection_id));
    BOOST_TEST(q.has_stateless_reset_token);
    BOOST_TEST(q.stateless_reset_token[15] == 0x5a);
    BOOST_TEST(q.max_idle_timeout_ms == 30000u);
    BOOST_TEST(q.max_udp_payload_size == 1472u);
    BOOST_TEST(q.initial_max_data == 1u << 20);
    BOOST_TEST(q.initial_max_stream_data_uni == 1u << 16);
    BOOST_TEST(q.initial_max_streams_bidi == 100u);
    BOOST_TEST(q.ack_delay_exponent == 4u);
    BOOST_TEST(q.max_ack_delay_ms == 20u);
    BOOST_TEST(q.disable_active_migration);
    BOOST_TEST(q.active_connection_id_limit == 4u);
    BOOST_TEST(!q.has_retry_source_connection_id);
}

BOOST_AUTO_TEST_CASE(absent_parameters_take_their_defaults) {
    TransportParameters q;
    BOOST_REQUIRE(decode_transport_parameters({}, Role::client, q) == TransportError::no_error);
    BOOST_TEST(q.max_udp_payload_size == 65527u);
    BOOST_TEST(q.ack_delay_exponent == 3u);
    BOOST_TEST(q.max_ack_delay_ms == 25u);
    BOOST_TEST(q.active_connection_id_limit == 2u);
    BOOST_TEST(q.initial_max_data == 0u);
}

BOOST_AUTO_TEST_CASE(a_client_never_sends_server_only_parameters) {
    const TransportParameters p = server_params();
    uint8_t out[256];
    size_t n = 0;
    BOOST_REQUIRE(encode_transport_parameters(p, Role::client, out, n));
    TransportParameters q;
    BOOST_REQUIRE(decode_transport_parameters(std::span(out, n), Role::client, q) == TransportError::no_error);
    BOOST_TEST(!q.has_original_destination_connection_id);
    BOOST_TEST(!q.has_stateless_reset_token);
    BOOST_TEST(q.has_initial_source_connection_id);
}

BOOST_AUTO_TEST_CASE(unknown_and_reserved_parameters_are_ignored) {
    // 31 * N + 27 (§18.1) and an unknown id, around a known one.
    const Bytes b = cat({param(27 + 31 * 5, hex("0102")), int_param(0x04, 500), param(0x4242, {})});
    TransportParameters q;
    BOOST_REQUIRE(decode_transport_parameters(b, Role::client, q) == TransportError::no_error);
    BOOST_TEST(q.initial_max_data == 500u);
}

// §18.2 and §7.4: each is TRANSPORT_PARAMETER_ERROR.
BOOST_AUTO_TEST_CASE(invalid_sets_are_refused) {
    struct Case {
        const char* what;
        Bytes bytes;
        Role sender;
    };
    const Case cases[] = {
        {"max_udp_payload_size 1199", int_param(0x03, 1199), Role::client},
        {"ack_delay_exponent 21", int_param(0x0a, 21), Role::server},
        {"max_ack_delay 2^14", int_param(0x0b, 1 << 14), Role::server},
        {"active_connection_id_limit 1", int_param(0x0e, 1), Role::client},
        {"initial_max_streams_bidi above 2^60", int_param(0x08, (uint64_t(1) << 60) + 1), Role::client},
        {"a duplicate", cat({int_param(0x04, 1), int_param(0x04, 1)}), Role::client},
        {"original_destination_connection_id from a client", param(0x00, hex("0102")), Role::client},
        {"stateless_reset_token from a client", param(0x02, Bytes(16, 1)), Role::client},
        {"preferred_address from a client", param(0x0d, Bytes(45, 1)), Role::client},
        {"retry_source_connection_id from a client", param(0x10, hex("01")), Role::client},
        {"stateless_reset_token of 15 bytes", param(0x02, Bytes(15, 1)), Role::server},
        {"an integer not filling its length", param(0x04, hex("0500")), Role::client},
        {"an integer cut short", param(0x04, hex("80")), Role::client},
        {"a connection ID of 21 bytes", param(0x0f, Bytes(21, 1)), Role::client},
        {"disable_active_migration with a value", param(0x0c, hex("01")), Role::client},
        {"preferred_address with an empty connection ID", param(0x0d, Bytes(4 + 2 + 16 + 2 + 1 + 16, 0)), Role::server},
        {"a length past the end", hex("0405"), Role::client},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            std::string why;
            BOOST_TEST(decode(c.bytes, c.sender, &why) == TransportError::transport_parameter_error);
            BOOST_TEST(!why.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_preferred_address_round_trips) {
    TransportParameters p;
    p.has_preferred_address = true;
    p.preferred_address.ipv4 = {10, 0, 0, 2};
    p.preferred_address.ipv4_port = 4433;
    p.preferred_address.ipv6[15] = 2;
    p.preferred_address.ipv6_port = 4434;
    ConnectionId::from(hex("0a0b0c0d"), p.preferred_address.connection_id);
    p.preferred_address.reset_token.fill(7);
    uint8_t out[128];
    size_t n = 0;
    BOOST_REQUIRE(encode_transport_parameters(p, Role::server, out, n));
    TransportParameters q;
    BOOST_REQUIRE(decode_transport_parameters(std::span(out, n), Role::server, q) == TransportError::no_error);
    BOOST_TEST(q.has_preferred_address);
    BOOST_TEST(q.preferred_address.ipv4_port == 4433);
    BOOST_TEST(q.preferred_address.ipv6[15] == 2);
    BOOST_TEST((q.preferred_address.connection_id == p.preferred_address.connection_id));
    BOOST_TEST(q.preferred_address.reset_token[0] == 7);
}

BOOST_AUTO_TEST_SUITE_END()
