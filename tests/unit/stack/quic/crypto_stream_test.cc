#include "stack/quic/crypto_stream.h"

#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes numbered(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = uint8_t(i * 13 + i / 256);
    }
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_stream)

BOOST_AUTO_TEST_CASE(received_in_any_order_delivered_in_order) {
    const Bytes flight = numbered(6000);
    std::vector<std::pair<size_t, size_t>> pieces;
    for (size_t at = 0; at < flight.size(); at += 700) {
        pieces.push_back({at, std::min<size_t>(700, flight.size() - at)});
    }
    std::mt19937 rng(9);
    for (int round = 0; round < 50; ++round) {
        std::shuffle(pieces.begin(), pieces.end(), rng);
        CryptoReceiveStream s;
        Bytes got;
        for (size_t k = 0; k < pieces.size() + 3; ++k) {
            const auto [at, n] = pieces[k % pieces.size()];  // the last three again: duplicates
            BOOST_REQUIRE(s.receive(at, std::span(flight).subspan(at, n),
                                    [&](std::span<const uint8_t> b) { got.insert(got.end(), b.begin(), b.end()); }) ==
                          TransportError::no_error);
        }
        BOOST_REQUIRE(got == flight);
        BOOST_TEST(s.delivered() == flight.size());
        BOOST_TEST(s.held_bytes() == 0u);
    }
}

// RFC 9000 §7.5: data too far ahead of what TLS has consumed is CRYPTO_BUFFER_EXCEEDED.
BOOST_AUTO_TEST_CASE(too_far_ahead_is_crypto_buffer_exceeded) {
    CryptoReceiveStream s(4096);
    const Bytes b(100, 1);
    const auto ignore = [](std::span<const uint8_t>) {};
    BOOST_TEST(s.receive(3996, b, ignore) == TransportError::no_error);  // ends exactly at 4096
    BOOST_TEST(s.receive(3997, b, ignore) == TransportError::crypto_buffer_exceeded);
    // In-order data of any size goes straight through: nothing is held for it.
    CryptoReceiveStream t(4096);
    const Bytes big(10000, 2);
    size_t delivered = 0;
    BOOST_TEST(t.receive(0, big, [&](std::span<const uint8_t> d) { delivered += d.size(); }) ==
               TransportError::no_error);
    BOOST_TEST(delivered == 10000u);
}

BOOST_AUTO_TEST_CASE(send_lost_ranges_first_and_free_what_is_acked) {
    CryptoSendStream s;
    const Bytes flight = numbered(3000);
    s.append(flight);
    uint64_t off = 0;
    std::span<const uint8_t> bytes;
    std::vector<std::pair<uint64_t, size_t>> packets;
    while (s.next(1000, off, bytes)) {
        BOOST_TEST((Bytes(bytes.begin(), bytes.end()) == Bytes(flight.begin() + long(off), flight.begin() + long(off) + long(bytes.size()))));
        s.sent(off, bytes.size());
        packets.push_back({off, bytes.size()});
    }
    BOOST_REQUIRE(packets.size() == 3u);
    s.append(numbered(10));  // more handshake bytes
    s.acked(1000, 1000);     // the middle packet
    s.lost(0, 1000);         // the first
    s.lost(1000, 1000);      // lost after being acked: nothing to resend
    BOOST_REQUIRE(s.next(5000, off, bytes));
    BOOST_TEST(off == 0u);  // the lost range before the new bytes
    BOOST_TEST(bytes.size() == 1000u);
    s.sent(0, 1000);
    BOOST_REQUIRE(s.next(5000, off, bytes));
    BOOST_TEST(off == 3000u);
    s.sent(3000, 10);
    BOOST_TEST(!s.has_pending());
    s.acked(0, 1000);
    s.acked(2000, 1010);
    BOOST_TEST(s.all_acked());
    BOOST_TEST(s.end() == 3010u);
}

BOOST_AUTO_TEST_SUITE_END()
