#include "stack/quic/packet_protection.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

#include "stack/quic/packet_header.h"
#include "tests/unit/crypto/vectors.h"

using namespace slip::stack::quic;
namespace crypto = slip::crypto;
using slip::test::Bytes;
using slip::test::unhex;

namespace {

const Bytes kDcid = unhex("8394c8f03e515708");  // RFC 9001 Appendix A
const Bytes kServerScid = unhex("f067a5502a4262b5");

std::map<std::string, Bytes> appendix_a() {
    std::map<std::string, Bytes> values;
    for (const auto& row : slip::test::read_rows("quic/rfc9001_appendix_a.txt")) {
        BOOST_REQUIRE_EQUAL(row.size(), 2u);
        values[row[0]] = unhex(row[1]);
    }
    return values;
}

struct InitialKeys {
    PacketKeySet client;
    PacketKeySet server;
};

InitialKeys initial_keys(PacketProtection& pp) {
    crypto::PacketKeys c, s;
    BOOST_REQUIRE(crypto::initial_keys(crypto::QuicVersion::v1, kDcid, c, s));
    InitialKeys k;
    BOOST_REQUIRE(pp.make_keys(c, k.client));
    BOOST_REQUIRE(pp.make_keys(s, k.server));
    return k;
}

// A long-header packet built the way the engine builds them: header, payload, tag room.
Bytes build_initial(std::span<const uint8_t> dcid, std::span<const uint8_t> scid, uint64_t pn, size_t pn_length,
                    const Bytes& payload, size_t& pn_offset) {
    Bytes packet(64 + payload.size() + crypto::kAeadTagLen);
    WireWriter w(packet);
    BuiltHeader h;
    BOOST_REQUIRE(write_long_header(w, PacketType::initial, kVersion1, dcid, scid, {}, pn, pn_length, h));
    patch_long_header_length(w, h, pn_length + payload.size() + crypto::kAeadTagLen);
    w.bytes(payload);
    w.zeros(crypto::kAeadTagLen);
    BOOST_REQUIRE(w.ok());
    packet.resize(w.size());
    pn_offset = h.pn_offset;
    return packet;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(packet_protection)

// RFC 9001 A.2 and A.3: the engine's own header writer and burst protection give the RFC's
// protected packets byte for byte, and unprotecting them gives the payloads back.
BOOST_AUTO_TEST_CASE(rfc_9001_initial_packets_both_ways) {
    const auto v = appendix_a();
    PacketProtection pp;
    BOOST_REQUIRE(pp.ok());
    const InitialKeys keys = initial_keys(pp);
    Bytes client_payload = v.at("client_initial_payload");
    client_payload.resize(1162, 0);  // PADDING
    size_t client_pn_offset = 0, server_pn_offset = 0;
    Bytes client = build_initial(kDcid, {}, 2, 4, client_payload, client_pn_offset);
    Bytes server = build_initial({}, kServerScid, 1, 2, v.at("server_initial_payload"), server_pn_offset);
    OutgoingPacket out[2] = {{client, client_pn_offset, 4, 2, &keys.client}, {server, server_pn_offset, 2, 1, &keys.server}};
    BOOST_REQUIRE(pp.protect(out) == 2u);
    BOOST_TEST((client == v.at("client_initial_packet")));
    BOOST_TEST((server == v.at("server_initial_packet")));

    IncomingPacket in[2];
    in[0].packet = client;
    in[0].pn_offset = client_pn_offset;
    in[0].keys = &keys.client;
    in[1].packet = server;
    in[1].pn_offset = server_pn_offset;
    in[1].keys = &keys.server;
    BOOST_REQUIRE(pp.unprotect(in) == 2u);
    BOOST_TEST(in[0].packet_number.raw() == 2u);
    BOOST_TEST(in[0].pn_length == 4u);
    BOOST_TEST(in[0].first_byte == 0xc3);
    BOOST_TEST((Bytes(in[0].payload.begin(), in[0].payload.end()) == client_payload));
    BOOST_TEST(in[1].packet_number.raw() == 1u);
    BOOST_TEST((Bytes(in[1].payload.begin(), in[1].payload.end()) == v.at("server_initial_payload")));
}

// RFC 9001 A.5: ChaCha20-Poly1305 with a short header and a 3-byte packet number.
BOOST_AUTO_TEST_CASE(rfc_9001_chacha20_short_header) {
    PacketProtection pp;
    crypto::PacketKeys k;
    BOOST_REQUIRE(crypto::derive_packet_keys(crypto::QuicVersion::v1, crypto::AeadAlgorithm::chacha20_poly1305,
                                             unhex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b"),
                                             k));
    PacketKeySet keys;
    BOOST_REQUIRE(pp.make_keys(k, keys));
    Bytes packet(32);
    WireWriter w(packet);
    BuiltHeader h;
    BOOST_REQUIRE(write_short_header(w, {}, 654360564, 3, false, false, h));
    w.u8(0x01);  // PING
    w.zeros(crypto::kAeadTagLen);
    packet.resize(w.size());
    BOOST_TEST((Bytes(packet.begin(), packet.begin() + 4) == unhex("4200bff4")));
    OutgoingPacket out{packet, h.pn_offset, 3, 654360564, &keys};
    BOOST_REQUIRE(pp.protect(std::span(&out, 1)) == 1u);
    BOOST_TEST((packet == unhex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb")));

    IncomingPacket in;
    in.packet = packet;
    in.pn_offset = 1;
    in.keys = &keys;
    in.largest_received = PacketNumber(654360563);
    in.has_largest = true;
    BOOST_REQUIRE(pp.unprotect(std::span(&in, 1)) == 1u);
    BOOST_TEST(in.packet_number.raw() == 654360564u);
    BOOST_TEST(in.payload.size() == 1u);
    BOOST_TEST(in.payload[0] == 0x01);
}

// A burst with every outcome: opened, tag failed, too short to sample, reserved bits set,
// no keys; the good ones are not disturbed by the bad ones beside them.
BOOST_AUTO_TEST_CASE(a_burst_reports_each_packet) {
    PacketProtection pp;
    const InitialKeys keys = initial_keys(pp);
    std::vector<Bytes> packets;
    std::vector<size_t> offsets;
    for (uint64_t pn = 0; pn < 100; ++pn) {
        size_t off = 0;
        packets.push_back(build_initial(kDcid, {}, pn, 2, Bytes(40, uint8_t(pn)), off));
        offsets.push_back(off);
    }
    std::vector<OutgoingPacket> out;
    for (size_t i = 0; i < packets.size(); ++i) {
        if (i == 7) {
            packets[i][0] |= 0x04;  // a reserved bit (sent, so the receiver must refuse it)
        }
        out.push_back({packets[i], offsets[i], 2, i, i % 2 == 0 ? &keys.client : &keys.server});
    }
    BOOST_REQUIRE(pp.protect(out) == 100u);  // more than one chunk, keys alternating
    packets[3][30] ^= 1;                      // ciphertext changed in flight
    packets[5].resize(offsets[5] + 10);       // cut before the sample ends
    std::vector<IncomingPacket> in(packets.size());
    for (size_t i = 0; i < packets.size(); ++i) {
        in[i].packet = packets[i];
        in[i].pn_offset = offsets[i];
        in[i].keys = i == 9 ? nullptr : i % 2 == 0 ? &keys.client : &keys.server;
        in[i].largest_received = PacketNumber(i == 0 ? 0 : i - 1);
        in[i].has_largest = i > 0;
    }
    BOOST_TEST(pp.unprotect(in) == 96u);
    BOOST_TEST((in[3].status == OpenStatus::auth_failed));
    BOOST_TEST((in[5].status == OpenStatus::too_short));
    BOOST_TEST((in[7].status == OpenStatus::reserved_bits));
    BOOST_TEST((in[9].status == OpenStatus::no_keys));
    for (size_t i : {0u, 1u, 2u, 4u, 6u, 8u, 10u, 63u, 64u, 99u}) {
        BOOST_TEST_CONTEXT(i) {
            BOOST_TEST((in[i].status == OpenStatus::ok));
            BOOST_TEST(in[i].packet_number.raw() == i);
            BOOST_TEST((Bytes(in[i].payload.begin(), in[i].payload.end()) == Bytes(40, uint8_t(i))));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
