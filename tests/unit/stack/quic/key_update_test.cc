#include "stack/quic/key_update.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "stack/quic/packet_header.h"
#include "stack/quic/wire.h"

using namespace slip::stack::quic;

namespace {

using Bytes = std::vector<uint8_t>;
constexpr auto kAlg = slip::crypto::AeadAlgorithm::aes128_gcm;
constexpr uint64_t kThreePtos = 300'000'000;

slip::crypto::Secret secret(uint8_t fill) {
    slip::crypto::Secret s;
    s.len = 32;
    s.bytes.fill(fill);
    return s;
}

PacketKeySet keys_of(PacketProtection& pp, const slip::crypto::Secret& s) {
    slip::crypto::PacketKeys k;
    BOOST_REQUIRE(slip::crypto::derive_packet_keys(slip::crypto::QuicVersion::v1, kAlg, s.span(), k));
    PacketKeySet set;
    BOOST_REQUIRE(pp.make_keys(k, set));
    return set;
}

// One side's 1-RTT keys: `a` sends with secret 1 and reads secret 2; `b` the other way.
struct Sides {
    PacketProtection pp;
    KeyUpdate a{pp}, b{pp};
    Sides() {
        BOOST_REQUIRE(a.install_write(kAlg, secret(1), keys_of(pp, secret(1))));
        BOOST_REQUIRE(a.install_read(kAlg, secret(2), keys_of(pp, secret(2))));
        BOOST_REQUIRE(b.install_write(kAlg, secret(2), keys_of(pp, secret(2))));
        BOOST_REQUIRE(b.install_read(kAlg, secret(1), keys_of(pp, secret(1))));
    }
    // A PING from `from` with packet number `pn`, protected with its current keys.
    Bytes packet(const KeyUpdate& from, uint64_t pn) {
        Bytes p(64);
        WireWriter w(p);
        BuiltHeader h;
        BOOST_REQUIRE(write_short_header(w, {}, pn, 2, from.phase(), false, h));
        w.u8(0x01);
        w.zeros(8 + slip::crypto::kAeadTagLen);
        p.resize(w.size());
        OutgoingPacket out{p, h.pn_offset, 2, pn, &from.write()};
        BOOST_REQUIRE(pp.protect(std::span(&out, 1)) == 1u);
        return p;
    }
    // Opens `p` at `to` as the connection does; its outcome and which keys opened it.
    OpenStatus open(const KeyUpdate& to, Bytes p, KeyChoice& with) {
        IncomingPacket in;
        in.packet = p;
        in.pn_offset = 1;
        in.keys = &to.read();
        in.next_keys = to.read_next();
        in.previous_keys = to.read_previous();
        in.key_phase = to.phase();
        in.phase_start = to.phase_start();
        pp.unprotect(std::span(&in, 1));
        with = in.opened_with;
        return in.status;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(key_update)

// RFC 9001 §6.1-6.5: an update, the peer following it, a late packet of the old phase
// opened with the previous keys until three PTOs have passed, and the header protection
// key kept.
BOOST_AUTO_TEST_CASE(an_update_is_followed_and_old_packets_open_until_retired) {
    Sides s;
    KeyChoice with;
    const Bytes early = s.packet(s.a, 10);
    BOOST_TEST((s.open(s.b, early, with) == OpenStatus::ok));
    BOOST_TEST((with == KeyChoice::current));
    s.b.on_current_phase_packet(PacketNumber(10));
    const Bytes late = s.packet(s.a, 11);  // delivered after the update

    BOOST_TEST(!s.a.can_initiate());  // not confirmed, nothing acknowledged
    s.a.set_confirmed();
    s.a.on_packet_sent(PacketNumber(10));
    s.a.on_packet_acked(PacketNumber(10));
    const slip::crypto::HpKey hp_before = s.a.write().hp;
    BOOST_REQUIRE(s.a.initiate(1'000, kThreePtos));
    BOOST_TEST(s.a.phase());
    BOOST_TEST((hp_before.enc_keys == s.a.write().hp.enc_keys));  // §6.1: not updated
    BOOST_TEST((hp_before.raw == s.a.write().hp.raw));
    BOOST_TEST(!s.a.can_initiate());  // §6.1: not again before an ACK in the new phase

    const Bytes updated = s.packet(s.a, 12);
    BOOST_TEST((s.open(s.b, updated, with) == OpenStatus::ok));
    BOOST_TEST((with == KeyChoice::next));
    BOOST_REQUIRE(s.b.on_peer_update(PacketNumber(12), 2'000, kThreePtos));
    BOOST_TEST(s.b.phase());
    BOOST_TEST(s.b.counters().followed == 1u);
    // The peer answers in the new phase, which `a` reads with its current keys.
    BOOST_TEST((s.open(s.a, s.packet(s.b, 5), with) == OpenStatus::ok));
    BOOST_TEST((with == KeyChoice::current));

    // §6.5: the late packet of the old phase (below where the new phase began).
    BOOST_TEST((s.open(s.b, late, with) == OpenStatus::ok));
    BOOST_TEST((with == KeyChoice::previous));
    BOOST_TEST(s.b.deadline() == 2'000 + kThreePtos);
    s.b.on_timeout(2'000 + kThreePtos);
    BOOST_TEST(s.b.read_previous() == nullptr);
    BOOST_TEST((s.open(s.b, late, with) == OpenStatus::auth_failed));  // tried as the next phase
}

// Two updates in a row: each side's next keys are derived again after every roll.
BOOST_AUTO_TEST_CASE(updates_chain) {
    Sides s;
    s.a.set_confirmed();
    KeyChoice with;
    for (uint64_t round = 0; round < 4; ++round) {
        const uint64_t pn = 100 * (round + 1);
        s.a.on_packet_sent(PacketNumber(pn));
        s.a.on_packet_acked(PacketNumber(pn));
        BOOST_REQUIRE(s.a.initiate(round, kThreePtos));
        const Bytes p = s.packet(s.a, pn + 1);
        BOOST_TEST((s.open(s.b, p, with) == OpenStatus::ok));
        BOOST_TEST((with == KeyChoice::next));
        BOOST_REQUIRE(s.b.on_peer_update(PacketNumber(pn + 1), round, kThreePtos));
        BOOST_TEST(s.a.phase() == s.b.phase());
    }
    BOOST_TEST(s.a.counters().initiated == 4u);
    BOOST_TEST(s.b.counters().followed == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
