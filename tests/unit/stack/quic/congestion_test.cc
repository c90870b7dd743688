#include "stack/quic/congestion.h"

#include <boost/test/unit_test.hpp>

using namespace slip::stack::quic;

namespace {

// The interface's shared parts, without an algorithm's reactions.
class Fixed final : public CongestionController {
public:
    explicit Fixed(uint64_t mds) : CongestionController(mds) {}
    void on_packets_acked(uint64_t, std::span<const AckedPacket>, const RttEstimator&) override {}
    void on_congestion_event(uint64_t, uint64_t) override { allow_one_packet(); }
    void on_persistent_congestion(uint64_t) override { m_cwnd = minimum_window(); }
    void reset() override { m_cwnd = initial_window(m_max_datagram_size); }
    const char* name() const override { return "fixed"; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(congestion)

// RFC 9002 §7.2: min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)).
BOOST_AUTO_TEST_CASE(initial_window) {
    BOOST_TEST(Fixed(1200).congestion_window() == 12000u);
    BOOST_TEST(Fixed(1472).congestion_window() == 14720u);
    BOOST_TEST(Fixed(1500).congestion_window() == 14720u);
    BOOST_TEST(Fixed(9000).congestion_window() == 18000u);
    BOOST_TEST(Fixed(500).max_datagram_size() == kMinMaxDatagramSize);  // QUIC's floor
}

// RFC 9002 §7: not beyond the window, except one packet on entering recovery.
BOOST_AUTO_TEST_CASE(can_send_keeps_bytes_in_flight_within_the_window) {
    Fixed cc(1200);
    BOOST_TEST(cc.can_send(0));
    BOOST_TEST(cc.can_send(10800));
    BOOST_TEST(!cc.can_send(10801));
    BOOST_TEST(cc.can_send(11999, 1));
    BOOST_TEST(!cc.can_send(12000, 1));
    cc.on_congestion_event(0, 0);
    BOOST_TEST(cc.can_send(50000));
    cc.on_packet_sent(0, 1200, 51200);
    BOOST_TEST(!cc.can_send(50000));
    cc.on_persistent_congestion(0);
    BOOST_TEST(cc.congestion_window() == 2400u);  // §7.2 minimum window
}

// RFC 9002 §7.7: 5/4 * congestion_window / smoothed_rtt.
BOOST_AUTO_TEST_CASE(pacing_rate) {
    Fixed cc(1200);
    RttEstimator rtt;
    rtt.on_sample(100 * kNanosPerMilli, 0, true, 0);
    BOOST_TEST(cc.pacing_rate(rtt) == 12000u * 10 * 5 / 4);  // bytes per second
}

BOOST_AUTO_TEST_CASE(app_limited_flag) {
    Fixed cc(1200);
    BOOST_TEST(!cc.app_limited());
    cc.set_app_limited(true);
    BOOST_TEST(cc.app_limited());
}

BOOST_AUTO_TEST_SUITE_END()
