#include "stack/quic/handshake.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;
namespace crypto = slip::crypto;

namespace {

ConnectionId cid_of(uint8_t v) {
    const std::vector<uint8_t> b(8, v);
    ConnectionId c;
    ConnectionId::from(b, c);
    return c;
}

TransportParameters params(const ConnectionId& scid) {
    TransportParameters p;
    p.initial_max_data = 1 << 20;
    p.initial_max_streams_bidi = 10;
    p.max_idle_timeout_ms = 30000;
    p.initial_source_connection_id = scid;
    p.has_initial_source_connection_id = true;
    return p;
}

// A client and a server Handshake with their TLS contexts; CRYPTO bytes move between them
// directly (no packets), space by space, as each side's keys allow.
struct Pair {
    PacketProtection protection;
    crypto::TlsContext server_ctx;
    crypto::TlsContext client_ctx;
    Handshake client{protection};
    Handshake server{protection};
    const ConnectionId odcid = cid_of(0x0d);
    const ConnectionId client_scid = cid_of(0xc1);
    const ConnectionId server_scid = cid_of(0x51);

    Pair() {
        crypto::TlsOptions s;
        s.server = true;
        BOOST_REQUIRE_EQUAL(server_ctx.init(s), "");
        crypto::TlsOptions c;
        c.server = false;
        c.client_side.verify_peer = false;
        BOOST_REQUIRE_EQUAL(client_ctx.init(c), "");
    }
    TransportError start(TransportParameters server_params) {
        TransportParameters sp = server_params;
        sp.original_destination_connection_id = odcid;
        sp.has_original_destination_connection_id = true;
        BOOST_REQUIRE(client.start_client(client_ctx, params(client_scid), odcid) == TransportError::no_error);
        client.expect_connection_ids(server_scid, odcid, nullptr);
        server.expect_connection_ids(client_scid, odcid, nullptr);
        return server.start_server(server_ctx, sp, odcid);
    }
    // Moves what `from` has to send in `space` into `to`; the first error.
    static TransportError move(Handshake& from, Handshake& to, PacketNumberSpace space) {
        CryptoSendStream& out = from.crypto_out(space);
        uint64_t offset = 0;
        std::span<const uint8_t> bytes;
        while (out.next(700, offset, bytes)) {
            const std::vector<uint8_t> copy(bytes.begin(), bytes.end());
            out.sent(offset, copy.size());
            out.acked(offset, copy.size());
            const TransportError e = to.on_crypto(space, offset, copy);
            if (e != TransportError::no_error) {
                return e;
            }
        }
        return TransportError::no_error;
    }
    TransportError run() {
        for (int round = 0; round < 10; ++round) {
            for (PacketNumberSpace s : {PacketNumberSpace::initial, PacketNumberSpace::handshake, PacketNumberSpace::application}) {
                TransportError e = move(client, server, s);
                if (e == TransportError::no_error) {
                    e = move(server, client, s);
                }
                if (e != TransportError::no_error) {
                    return e;
                }
            }
        }
        return TransportError::no_error;
    }
};

// One side's write keys open what the other side's read keys expect.
void check_keys_match(PacketProtection& pp, const SpaceKeys& writer, const SpaceKeys& reader) {
    std::vector<uint8_t> packet = {0x40, 0x07};  // a short header, no DCID, packet number 7
    packet.resize(2 + 30 + 16, 0x01);             // PINGs and the tag's room
    OutgoingPacket out{packet, 1, 1, 7, &writer.write};
    BOOST_REQUIRE(pp.protect(std::span(&out, 1)) == 1u);
    IncomingPacket in;
    in.packet = packet;
    in.pn_offset = 1;
    in.keys = &reader.read;
    BOOST_TEST(pp.unprotect(std::span(&in, 1)) == 1u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(handshake)

BOOST_AUTO_TEST_CASE(a_full_handshake_gives_both_sides_the_same_keys) {
    Pair p;
    BOOST_REQUIRE(p.start(params(p.server_scid)) == TransportError::no_error);
    BOOST_REQUIRE(p.run() == TransportError::no_error);
    BOOST_TEST(p.client.complete());
    BOOST_TEST(p.server.complete());
    for (PacketNumberSpace s : {PacketNumberSpace::initial, PacketNumberSpace::handshake, PacketNumberSpace::application}) {
        BOOST_TEST_CONTEXT(int(s)) {
            BOOST_REQUIRE(p.client.keys(s).has_write);
            BOOST_REQUIRE(p.server.keys(s).has_read);
            check_keys_match(p.protection, p.client.keys(s), p.server.keys(s));
            check_keys_match(p.protection, p.server.keys(s), p.client.keys(s));
        }
    }
    BOOST_REQUIRE(p.client.has_peer_params());
    BOOST_REQUIRE(p.server.has_peer_params());
    BOOST_TEST(p.client.peer_params().initial_max_streams_bidi == 10u);
    BOOST_TEST((p.client.peer_params().initial_source_connection_id == p.server_scid));
    BOOST_TEST((p.server.peer_params().initial_source_connection_id == p.client_scid));
    p.client.discard_keys(PacketNumberSpace::initial);
    BOOST_TEST(p.client.keys_discarded(PacketNumberSpace::initial));
    BOOST_TEST(!p.client.keys(PacketNumberSpace::initial).has_write);
}

// RFC 9000 §7.3: the server's parameters must name the client's original DCID and the
// server's own SCID; anything else ends the handshake.
BOOST_AUTO_TEST_CASE(connection_ids_are_authenticated) {
    {
        Pair p;
        BOOST_REQUIRE(p.start(params(cid_of(0x77))) == TransportError::no_error);  // not the SCID it used
        BOOST_TEST(p.run() == TransportError::protocol_violation);
    }
    {
        Pair p;
        TransportParameters sp = params(p.server_scid);
        sp.has_initial_source_connection_id = false;
        BOOST_REQUIRE(p.start(sp) == TransportError::no_error);
        BOOST_TEST(p.run() == TransportError::transport_parameter_error);
    }
}

BOOST_AUTO_TEST_CASE(crypto_data_of_a_tls_failure_is_a_crypto_error) {
    Pair p;
    BOOST_REQUIRE(p.start(params(p.server_scid)) == TransportError::no_error);
    // A handshake message typed ClientHello whose body is no ClientHello.
    const std::vector<uint8_t> junk = {0x01, 0x00, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef};
    Handshake fresh(p.protection);
    TransportParameters sp = params(p.server_scid);
    sp.original_destination_connection_id = p.odcid;
    sp.has_original_destination_connection_id = true;
    BOOST_REQUIRE(fresh.start_server(p.server_ctx, sp, p.odcid) == TransportError::no_error);
    const TransportError e = fresh.on_crypto(PacketNumberSpace::initial, 0, junk);
    BOOST_TEST((uint64_t(e) >= 0x100u && uint64_t(e) <= 0x1ffu));
}

BOOST_AUTO_TEST_SUITE_END()
