// Masking and unmasking (RFC 6455 §5.3), which apps/ws/frame.h does a word at a time, against
// the RFC's byte-at-a-time definition: "octet i of the transformed data is the XOR of octet i
// of the original data with octet at index i modulo 4 of the masking key".
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "apps/ws/frame.h"

using namespace slip::apps::ws;

namespace {

using Bytes = std::vector<uint8_t>;

void reference_mask(std::span<uint8_t> bytes, const MaskKey& key, uint64_t offset) {
    for (size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] ^= key[(offset + i) % 4];
    }
}

Bytes pattern(size_t length, uint8_t seed) {
    Bytes bytes(length);
    for (size_t i = 0; i < length; ++i) {
        bytes[i] = static_cast<uint8_t>(seed + i * 37);
    }
    return bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masking)

// §5.7: the masked "Hello" and its key.
BOOST_AUTO_TEST_CASE(rfc_example) {
    Bytes payload = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    unmask(payload, {0x37, 0xfa, 0x21, 0x3d}, 0);
    BOOST_TEST(std::string(payload.begin(), payload.end()) == "Hello");
    apply_mask(payload, {0x37, 0xfa, 0x21, 0x3d}, 0);
    BOOST_TEST((payload == Bytes{0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

// Every payload offset (its residue mod 4 and beyond 32 bits), every length up to 64 and every
// start alignment in memory: the same bytes as the reference, and nothing around them touched.
BOOST_AUTO_TEST_CASE(every_offset_length_and_alignment) {
    const MaskKey key = {0x12, 0x9a, 0xe7, 0x45};
    for (uint64_t offset = 0; offset <= 64; ++offset) {
        for (size_t length = 0; length <= 64; ++length) {
            for (size_t align = 0; align < 8; ++align) {
                for (const uint64_t high : {uint64_t{0}, uint64_t{1} << 33}) {
                    Bytes fast = pattern(length + 16, static_cast<uint8_t>(offset + length));
                    Bytes slow = fast;
                    unmask(std::span(fast).subspan(align, length), key, high + offset);
                    reference_mask(std::span(slow).subspan(align, length), key, high + offset);
                    BOOST_TEST_REQUIRE((fast == slow), "offset " << offset << " length " << length << " align " << align);
                }
            }
        }
    }
}

// A payload unmasked in pieces (as TCP segments bring it) equals it unmasked whole, and masking
// it again gives the wire bytes back.
BOOST_AUTO_TEST_CASE(pieces_and_round_trip) {
    const MaskKey key = {0xde, 0xad, 0xbe, 0xef};
    const Bytes wire = pattern(1000, 3);
    Bytes whole = wire;
    unmask(whole, key, 0);
    for (size_t step = 1; step <= 67; ++step) {
        Bytes pieces = wire;
        for (size_t at = 0; at < pieces.size(); at += step) {
            const size_t length = std::min(step, pieces.size() - at);
            unmask(std::span(pieces).subspan(at, length), key, at);
        }
        BOOST_TEST_REQUIRE((pieces == whole), "step " << step);
    }
    mask(whole, key, 0);
    BOOST_TEST((whole == wire));
}

// A zero key leaves the bytes alone (a client may choose one; §5.3 only asks for unpredictability).
BOOST_AUTO_TEST_CASE(zero_key) {
    Bytes bytes = pattern(100, 9);
    const Bytes before = bytes;
    unmask(bytes, {0, 0, 0, 0}, 3);
    BOOST_TEST((bytes == before));
}

BOOST_AUTO_TEST_SUITE_END()
