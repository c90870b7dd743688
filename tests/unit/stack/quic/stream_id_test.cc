#include "stack/quic/stream_id.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

BOOST_AUTO_TEST_SUITE(stream_id)

// RFC 9000 §2.1, Table 1.
BOOST_AUTO_TEST_CASE(the_low_bits_name_initiator_and_direction) {
    BOOST_TEST(make_stream_id(Role::client, StreamDirection::bidirectional, 0) == 0u);
    BOOST_TEST(make_stream_id(Role::server, StreamDirection::bidirectional, 0) == 1u);
    BOOST_TEST(make_stream_id(Role::client, StreamDirection::unidirectional, 0) == 2u);
    BOOST_TEST(make_stream_id(Role::server, StreamDirection::unidirectional, 3) == 15u);
    BOOST_TEST(stream_index(15) == 3u);
    BOOST_TEST(initiated_by(15, Role::server));
    BOOST_TEST(!initiated_by(15, Role::client));
    // A client's unidirectional stream: the server only receives, the client only sends.
    BOOST_TEST(we_receive_on(2, Role::server));
    BOOST_TEST(!we_send_on(2, Role::server));
    BOOST_TEST(!we_receive_on(2, Role::client));
    BOOST_TEST(we_send_on(2, Role::client));
    BOOST_TEST(we_receive_on(0, Role::client));
    BOOST_TEST(we_send_on(0, Role::server));
}

BOOST_AUTO_TEST_CASE(peer_streams_open_in_order_within_the_limit) {
    PeerStreamLimit l(10);
    uint64_t opened = 0;
    BOOST_TEST(l.open_up_to(3, opened) == TransportError::no_error);
    BOOST_TEST(opened == 4u);  // RFC 9000 §3.2: 0-3 open together
    BOOST_TEST(l.open_up_to(1, opened) == TransportError::no_error);
    BOOST_TEST(opened == 0u);
    BOOST_TEST(l.open_up_to(10, opened) == TransportError::stream_limit_error);  // §4.6
    for (int i = 0; i < 4; ++i) {
        l.closed();
    }
    BOOST_TEST(!l.update_due(10));
    l.closed();
    BOOST_REQUIRE(l.update_due(10));
    BOOST_TEST(l.take_update(10) == 15u);
    BOOST_TEST(l.open_up_to(14, opened) == TransportError::no_error);
}

BOOST_AUTO_TEST_CASE(our_streams_wait_for_the_peers_limit) {
    LocalStreamLimit l(1);
    BOOST_REQUIRE(l.can_open());
    BOOST_TEST(l.open() == 0u);
    BOOST_TEST(!l.can_open());
    l.raise(0);
    BOOST_TEST(!l.can_open());
    l.raise(3);
    BOOST_TEST(l.can_open());
}

BOOST_AUTO_TEST_SUITE_END()
