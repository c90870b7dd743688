#include "stack/quic/connection_ids.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

namespace {

ConnectionId cid_of(uint8_t v, size_t len = 8) {
    std::vector<uint8_t> b(len, v);
    ConnectionId c;
    ConnectionId::from(b, c);
    return c;
}

ResetToken token_of(uint8_t v) {
    ResetToken t;
    t.fill(v);
    return t;
}

struct NewCid {
    std::vector<uint8_t> cid;
    ResetToken token;
    NewConnectionIdFrame frame;
    NewCid(uint64_t seq, uint64_t retire_prior_to, uint8_t v) : cid(8, v), token(token_of(v)) {
        frame = {seq, retire_prior_to, cid, token};
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(connection_ids)

BOOST_AUTO_TEST_CASE(we_issue_up_to_the_peers_limit_and_it_retires_them) {
    LocalConnectionIds local;
    local.set_handshake_cid(cid_of(1), token_of(1));
    BOOST_TEST(local.wanted(2) == 1u);
    BOOST_TEST(local.wanted(100) == LocalConnectionIds::kCapacity - 1);
    LocalConnectionIds::Entry e;
    BOOST_REQUIRE(local.issue(cid_of(2), token_of(2), e));
    BOOST_TEST(e.sequence == 1u);
    BOOST_TEST(local.wanted(2) == 0u);
    BOOST_TEST(local.contains(cid_of(2).span()));
    ConnectionId retired;
    bool found = false;
    // RFC 9000 §19.16: a sequence never issued, or the CID the frame arrived on, is a violation.
    BOOST_TEST(local.retire(5, cid_of(2).span(), retired, found) == TransportError::protocol_violation);
    BOOST_TEST(local.retire(1, cid_of(2).span(), retired, found) == TransportError::protocol_violation);
    BOOST_TEST(local.retire(0, cid_of(2).span(), retired, found) == TransportError::no_error);
    BOOST_TEST(found);
    BOOST_TEST((retired == cid_of(1)));
    BOOST_TEST(!local.contains(cid_of(1).span()));
    BOOST_TEST(local.retire(0, cid_of(2).span(), retired, found) == TransportError::no_error);
    BOOST_TEST(!found);  // twice: nothing more
    BOOST_TEST(local.wanted(2) == 1u);
}

BOOST_AUTO_TEST_CASE(the_peers_cids_respect_our_limit) {
    PeerConnectionIds peer(3);
    peer.set_handshake_cid(cid_of(10), nullptr);
    const NewCid a(1, 0, 11), b(2, 0, 12), c(3, 0, 13);
    BOOST_TEST(peer.on_new_connection_id(a.frame) == TransportError::no_error);
    BOOST_TEST(peer.on_new_connection_id(a.frame) == TransportError::no_error);  // a repeat
    BOOST_TEST(peer.on_new_connection_id(b.frame) == TransportError::no_error);
    BOOST_TEST(peer.active() == 3u);
    // §5.1.1: a fourth active CID exceeds our active_connection_id_limit.
    BOOST_TEST(peer.on_new_connection_id(c.frame) == TransportError::connection_id_limit_error);
    // The same sequence for another CID is a violation.
    const NewCid clash(1, 0, 99);
    BOOST_TEST(peer.on_new_connection_id(clash.frame) == TransportError::protocol_violation);
}

BOOST_AUTO_TEST_CASE(retire_prior_to_retires_and_moves_off_the_old_cid) {
    PeerConnectionIds peer(4);
    peer.set_handshake_cid(cid_of(10), nullptr);
    const NewCid a(1, 0, 11), b(2, 2, 12);
    BOOST_REQUIRE(peer.on_new_connection_id(a.frame) == TransportError::no_error);
    BOOST_REQUIRE(peer.on_new_connection_id(b.frame) == TransportError::no_error);
    BOOST_TEST((peer.current() == cid_of(12)));
    uint64_t seq = 99;
    BOOST_REQUIRE(peer.next_retirement(seq));
    BOOST_TEST(seq == 0u);
    peer.retirement_sent(0);
    BOOST_REQUIRE(peer.next_retirement(seq));
    BOOST_TEST(seq == 1u);
    peer.retirement_sent(1);
    BOOST_TEST(!peer.next_retirement(seq));
    peer.retirement_lost(1);  // sent again
    BOOST_TEST(peer.next_retirement(seq));
    // A NEW_CONNECTION_ID already below Retire Prior To is retired at once.
    const NewCid late(1, 0, 11);
    BOOST_TEST(peer.on_new_connection_id(late.frame) == TransportError::no_error);
    BOOST_TEST(peer.active() == 1u);
}

BOOST_AUTO_TEST_CASE(zero_length_peers_send_no_new_cids) {
    PeerConnectionIds peer;
    peer.set_handshake_cid(ConnectionId{}, nullptr);
    const NewCid a(1, 0, 11);
    BOOST_TEST(peer.on_new_connection_id(a.frame) == TransportError::protocol_violation);
}

BOOST_AUTO_TEST_CASE(stateless_resets_are_recognised_by_token) {
    PeerConnectionIds peer;
    const ResetToken t0 = token_of(0x40);
    peer.set_handshake_cid(cid_of(10), &t0);
    const NewCid a(1, 0, 0x41);
    BOOST_REQUIRE(peer.on_new_connection_id(a.frame) == TransportError::no_error);
    BOOST_TEST(peer.is_stateless_reset(std::span<const uint8_t, 16>(t0)));
    const ResetToken t1 = token_of(0x41);
    BOOST_TEST(peer.is_stateless_reset(std::span<const uint8_t, 16>(t1)));
    const ResetToken other = token_of(0x42);
    BOOST_TEST(!peer.is_stateless_reset(std::span<const uint8_t, 16>(other)));
}

BOOST_AUTO_TEST_SUITE_END()
