#include "stack/quic/packet_number.h"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace slip::stack::quic;

BOOST_AUTO_TEST_SUITE(packet_number)

// RFC 9000 §17.1's examples.
BOOST_AUTO_TEST_CASE(encoded_length_covers_twice_the_unacknowledged_range) {
    BOOST_TEST(packet_number_length(PacketNumber(0xac5c02), PacketNumber(0xabe8b3), true) == 2u);
    BOOST_TEST(packet_number_length(PacketNumber(0xace8fe), PacketNumber(0xabe8b3), true) == 3u);
    BOOST_TEST(packet_number_length(PacketNumber(0), PacketNumber(0), false) == 1u);
    BOOST_TEST(packet_number_length(PacketNumber(127), PacketNumber(0), false) == 1u);  // 128 in flight
    BOOST_TEST(packet_number_length(PacketNumber(128), PacketNumber(0), false) == 2u);
    BOOST_TEST(packet_number_length(PacketNumber(1u << 30), PacketNumber(0), false) == 4u);
    BOOST_TEST(packet_number_length(PacketNumber(uint64_t(1) << 40), PacketNumber(1), true) == 4u);
}

// RFC 9000 A.3's example.
BOOST_AUTO_TEST_CASE(rfc_9000_decoding_example) {
    BOOST_TEST(decode_packet_number(PacketNumber(0xa82f30ea), true, 0x9b32, 16).raw() == 0xa82f9b32u);
}

BOOST_AUTO_TEST_CASE(decoding_at_the_edges) {
    // Nothing received yet: the truncated value is the number.
    BOOST_TEST(decode_packet_number(PacketNumber(0), false, 5, 8).raw() == 5u);
    // Just below a window boundary, a small truncated value belongs to the next window.
    BOOST_TEST(decode_packet_number(PacketNumber(0xff), true, 0x01, 8).raw() == 0x101u);
    // A late packet from the window before.
    BOOST_TEST(decode_packet_number(PacketNumber(0x101), true, 0xfe, 8).raw() == 0xfeu);
    // Never beyond 2^62 - 1.
    const uint64_t top = PacketNumber::kMax;
    BOOST_TEST(decode_packet_number(PacketNumber(top - 1), true, top & 0xff, 8).raw() == top);
}

// What a sender encodes with packet_number_length, a receiver that has seen anything at or
// above the largest acknowledged recovers.
BOOST_AUTO_TEST_CASE(encode_then_decode_round_trips) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 100000; ++i) {
        const uint64_t acked = rng() % (uint64_t(1) << 40);
        const uint64_t pn = acked + 1 + rng() % (uint64_t(1) << (rng() % 30));
        const size_t len = packet_number_length(PacketNumber(pn), PacketNumber(acked), true);
        const unsigned bits = unsigned(len * 8);
        const uint64_t truncated = pn & ((uint64_t(1) << bits) - 1);
        // The receiver's largest lies between the acknowledged one and the one before pn.
        const uint64_t largest = acked + rng() % (pn - acked);
        BOOST_REQUIRE(decode_packet_number(PacketNumber(largest), true, truncated, bits).raw() == pn);
    }
}

BOOST_AUTO_TEST_SUITE_END()
