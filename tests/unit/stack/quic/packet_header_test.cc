#include "stack/quic/packet_header.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;
using slip::test::hex;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes of(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

// RFC 9001 A.2: the client's first Initial before protection (1200 bytes with its payload).
const Bytes kClientInitialHeader = hex("c300000001088394c8f03e5157080000449e00000002");
const Bytes kDcid = hex("8394c8f03e515708");

Bytes client_initial() {
    Bytes b = kClientInitialHeader;
    b.resize(1200, 0);
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(packet_header)

BOOST_AUTO_TEST_CASE(rfc_9001_client_initial) {
    const Bytes d = client_initial();
    PacketHeader h;
    BOOST_REQUIRE(parse_packet_header(d, 8, h) == HeaderStatus::ok);
    BOOST_TEST(h.type == PacketType::initial);
    BOOST_TEST(h.version == kVersion1);
    BOOST_TEST((of(h.dcid) == kDcid));
    BOOST_TEST(h.scid.empty());
    BOOST_TEST(h.token.empty());
    BOOST_TEST(h.length == 1182u);
    BOOST_TEST(h.pn_offset == 18u);
    BOOST_TEST(h.packet_size == 1200u);
}

BOOST_AUTO_TEST_CASE(writing_the_same_initial_header) {
    uint8_t out[64];
    WireWriter w(out);
    BuiltHeader b;
    BOOST_REQUIRE(write_long_header(w, PacketType::initial, kVersion1, kDcid, {}, {}, 2, 4, b));
    patch_long_header_length(w, b, 1182);
    BOOST_TEST(w.ok());
    BOOST_TEST(b.pn_offset == 18u);
    // The RFC's header has a 2-byte Length (0x449e): ours is the same field.
    BOOST_TEST((of(w.written()) == kClientInitialHeader));
}

// RFC 9001 A.4: a Retry, parsed and rebuilt without its tag.
BOOST_AUTO_TEST_CASE(rfc_9001_retry) {
    const Bytes d = hex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
    PacketHeader h;
    BOOST_REQUIRE(parse_packet_header(d, 8, h) == HeaderStatus::ok);
    BOOST_TEST(h.type == PacketType::retry);
    BOOST_TEST(h.dcid.empty());
    BOOST_TEST((of(h.scid) == hex("f067a5502a4262b5")));
    BOOST_TEST((of(h.token) == hex("746f6b656e")));
    BOOST_TEST((of(h.retry_tag) == hex("04a265ba2eff4d829058fb3f0f2496ba")));
    uint8_t out[64];
    WireWriter w(out);
    BOOST_REQUIRE(write_retry_without_tag(w, kVersion1, {}, hex("f067a5502a4262b5"), hex("746f6b656e"), 0x0f));
    BOOST_TEST((of(w.written()) == Bytes(d.begin(), d.end() - 16)));
}

// RFC 9000 §12.2: an Initial and a Handshake packet in one datagram, then a short header.
BOOST_AUTO_TEST_CASE(coalesced_packets_follow_one_another) {
    uint8_t out[256];
    WireWriter w(out);
    BuiltHeader b;
    BOOST_REQUIRE(write_long_header(w, PacketType::initial, kVersion1, kDcid, hex("0102"), hex("aabb"), 7, 1, b));
    w.zeros(30);
    patch_long_header_length(w, b, 31);
    const size_t first = w.size();
    const size_t second_start = w.size();
    BuiltHeader b2;
    BOOST_REQUIRE(write_long_header(w, PacketType::handshake, kVersion1, kDcid, hex("0102"), {}, 9, 2, b2));
    w.zeros(40);
    patch_long_header_length(w, b2, 42);
    BOOST_TEST(b2.start == second_start);
    const size_t second = w.size() - first;
    BuiltHeader b3;
    BOOST_REQUIRE(write_short_header(w, kDcid, 0x1234, 2, true, false, b3));
    w.zeros(25);
    BOOST_REQUIRE(w.ok());
    std::span<const uint8_t> rest = w.written();
    PacketHeader h;
    BOOST_REQUIRE(parse_packet_header(rest, 8, h) == HeaderStatus::ok);
    BOOST_TEST(h.type == PacketType::initial);
    BOOST_TEST((of(h.token) == hex("aabb")));
    BOOST_TEST(h.packet_size == first);
    rest = rest.subspan(h.packet_size);
    BOOST_REQUIRE(parse_packet_header(rest, 8, h) == HeaderStatus::ok);
    BOOST_TEST(h.type == PacketType::handshake);
    BOOST_TEST(h.packet_size == second);
    rest = rest.subspan(h.packet_size);
    BOOST_REQUIRE(parse_packet_header(rest, 8, h) == HeaderStatus::ok);
    BOOST_TEST(h.type == PacketType::one_rtt);
    BOOST_TEST((of(h.dcid) == kDcid));
    BOOST_TEST(h.pn_offset == 9u);
    BOOST_TEST((h.first_byte & 0x04) != 0);  // key phase
    BOOST_TEST(h.packet_size == rest.size());
}

BOOST_AUTO_TEST_CASE(version_negotiation_both_ways) {
    // A client's long header of a version we lack (RFC 8999 allows IDs up to 255 bytes).
    Bytes d = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 21};
    const Bytes long_dcid(21, 0x11);
    d.insert(d.end(), long_dcid.begin(), long_dcid.end());
    d.push_back(3);
    d.insert(d.end(), {0x22, 0x22, 0x22});
    d.resize(1200, 0);
    PacketHeader h;
    BOOST_REQUIRE(parse_packet_header(d, 8, h) == HeaderStatus::unknown_version);
    BOOST_TEST(h.version == 0x1a2a3a4au);
    BOOST_TEST(h.dcid.size() == 21u);
    uint8_t out[128];
    WireWriter w(out);
    const uint32_t versions[] = {kVersion1, 0x0a0a0a0a};
    BOOST_REQUIRE(write_version_negotiation(w, h.dcid, h.scid, versions, 0x35));
    PacketHeader vn;
    BOOST_REQUIRE(parse_packet_header(w.written(), 8, vn) == HeaderStatus::ok);
    BOOST_TEST(vn.type == PacketType::version_negotiation);
    BOOST_TEST((of(vn.dcid) == Bytes{0x22, 0x22, 0x22}));  // the client's SCID
    BOOST_TEST((of(vn.scid) == long_dcid));
    BOOST_TEST((of(vn.versions) == hex("000000010a0a0a0a")));
}

BOOST_AUTO_TEST_CASE(malformed_headers_are_refused) {
    PacketHeader h;
    BOOST_TEST((parse_packet_header({}, 8, h) == HeaderStatus::malformed));
    Bytes d = client_initial();
    d[0] &= uint8_t(~0x40);  // fixed bit clear
    BOOST_TEST((parse_packet_header(d, 8, h) == HeaderStatus::malformed));
    d = client_initial();
    d[5] = 21;  // a version 1 DCID over 20 bytes
    BOOST_TEST((parse_packet_header(d, 8, h) == HeaderStatus::malformed));
    d = client_initial();
    d.resize(600);  // Length beyond the datagram
    BOOST_TEST((parse_packet_header(d, 8, h) == HeaderStatus::malformed));
    d = client_initial();
    d.resize(10);  // cut inside the connection ID
    BOOST_TEST((parse_packet_header(d, 8, h) == HeaderStatus::malformed));
    const Bytes vn_empty = hex("80000000000000");  // Version Negotiation without versions
    BOOST_TEST((parse_packet_header(vn_empty, 8, h) == HeaderStatus::malformed));
    const Bytes short_cut = hex("4001020304");  // shorter than its DCID
    BOOST_TEST((parse_packet_header(short_cut, 8, h) == HeaderStatus::malformed));
    const Bytes retry_short = hex("f0000000010000aabb");  // no room for the tag
    BOOST_TEST((parse_packet_header(retry_short, 8, h) == HeaderStatus::malformed));
}

BOOST_AUTO_TEST_SUITE_END()
