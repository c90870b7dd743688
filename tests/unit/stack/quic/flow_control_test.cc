#include "stack/quic/flow_control.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

BOOST_AUTO_TEST_SUITE(flow_control)

BOOST_AUTO_TEST_CASE(send_credit_never_shrinks_and_blocks_once_per_limit) {
    SendCredit c(1000);
    c.consume(600);
    BOOST_TEST(c.available() == 400u);
    c.raise(800);  // RFC 9000 §4.1: a smaller limit is ignored
    BOOST_TEST(c.limit() == 1000u);
    BOOST_TEST(!c.should_signal_blocked());
    c.consume(400);
    BOOST_TEST(c.should_signal_blocked());
    c.blocked_signalled();
    BOOST_TEST(!c.should_signal_blocked());  // once per limit
    c.raise(2000);
    BOOST_TEST(c.available() == 1000u);
    c.consume(1000);
    BOOST_TEST(c.should_signal_blocked());  // a new limit, a new signal
}

BOOST_AUTO_TEST_CASE(the_window_follows_what_the_application_consumed) {
    ReceiveWindow w(1000);
    BOOST_TEST(w.on_received_up_to(1000) == TransportError::no_error);
    BOOST_TEST(w.on_received_up_to(1001) == TransportError::flow_control_error);
    BOOST_TEST(!w.update_due());  // received, but nothing consumed: no new credit
    w.on_consumed(499);
    BOOST_TEST(!w.update_due());
    w.on_consumed(1);
    BOOST_REQUIRE(w.update_due());
    BOOST_TEST(w.take_update() == 1500u);
    BOOST_TEST(!w.update_due());
    BOOST_TEST(w.on_received_up_to(1500) == TransportError::no_error);
    BOOST_TEST(w.highest() == 1500u);
}

BOOST_AUTO_TEST_SUITE_END()
