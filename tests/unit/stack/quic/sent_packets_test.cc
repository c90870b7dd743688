#include "stack/quic/sent_packets.h"

#include <boost/test/unit_test.hpp>

using namespace slip::stack::quic;

namespace {

SentPacket packet(uint64_t pn, uint32_t bytes = 1000, bool ack_eliciting = true, bool in_flight = true) {
    SentPacket p;
    p.packet_number = PacketNumber(pn);
    p.time_sent_ns = (pn + 1) * 1000;
    p.bytes = bytes;
    p.token = uint32_t(pn + 100);
    p.ack_eliciting = ack_eliciting;
    p.in_flight = in_flight;
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sent_packets)

BOOST_AUTO_TEST_CASE(counts_what_is_in_flight) {
    SentPackets s(8);
    BOOST_TEST(s.add(packet(0)));
    BOOST_TEST(s.add(packet(1, 50, false, false)));  // ACK only: neither in flight nor eliciting
    BOOST_TEST(s.add(packet(2, 1200, false, true)));  // PADDING only: in flight
    BOOST_TEST(s.outstanding() == 3u);
    BOOST_TEST(s.bytes_in_flight() == 2200u);
    BOOST_TEST(s.ack_eliciting_in_flight() == 1u);
    BOOST_TEST(s.time_of_last_ack_eliciting() == 1000u);  // packet 0's: 1 and 2 elicit nothing
    BOOST_TEST(s.largest_sent().raw() == 2u);
    s.mark(2, SentState::lost);
    s.mark(2, SentState::lost);  // once only
    BOOST_TEST(s.bytes_in_flight() == 1000u);
    s.mark(0, SentState::newly_acked);
    s.mark(0, SentState::acked);
    BOOST_TEST(s.bytes_in_flight() == 0u);
    BOOST_TEST(s.ack_eliciting_in_flight() == 0u);
    BOOST_TEST(s.outstanding() == 1u);
}

BOOST_AUTO_TEST_CASE(packet_numbers_only_increase) {
    SentPackets s(8);
    BOOST_TEST(s.add(packet(5)));
    BOOST_TEST(!s.add(packet(5)));
    BOOST_TEST(!s.add(packet(4)));
    BOOST_TEST(s.add(packet(9)));  // a skipped number is fine
}

BOOST_AUTO_TEST_CASE(slots_are_reclaimed_from_the_oldest_end_only) {
    SentPackets s(4);
    for (uint64_t pn = 0; pn < 4; ++pn) {
        BOOST_TEST(s.add(packet(pn)));
    }
    BOOST_TEST(s.full());
    BOOST_TEST(!s.add(packet(4)));
    s.mark(1, SentState::acked);
    s.mark(2, SentState::lost);
    s.reclaim();
    BOOST_TEST(s.full());  // packet 0 still holds the ring
    s.mark(0, SentState::newly_acked);
    s.reclaim();
    BOOST_TEST(s.slot_count() == 4u);  // not reported yet: kept
    s.mark(0, SentState::acked);
    s.reclaim();
    BOOST_TEST(s.slot_count() == 1u);
    BOOST_TEST(s.at(0).packet_number.raw() == 3u);
    // Wraps around the ring.
    for (uint64_t pn = 4; pn < 7; ++pn) {
        BOOST_TEST(s.add(packet(pn)));
    }
    BOOST_TEST(s.full());
    BOOST_TEST(s.at(3).token == 106u);
    BOOST_TEST(s.upper_bound(PacketNumber(4)) == 2u);
    BOOST_TEST(s.upper_bound(PacketNumber(2)) == 0u);
    BOOST_TEST(s.upper_bound(PacketNumber(6)) == 4u);
}

BOOST_AUTO_TEST_CASE(clear_keeps_the_numbering) {
    SentPackets s(4);
    s.add(packet(0));
    s.add(packet(1));
    s.clear();
    BOOST_TEST(s.bytes_in_flight() == 0u);
    BOOST_TEST(s.slot_count() == 0u);
    BOOST_TEST(s.time_of_last_ack_eliciting() == 0u);
    BOOST_TEST(!s.add(packet(1)));
    BOOST_TEST(s.add(packet(2)));
}

BOOST_AUTO_TEST_SUITE_END()
