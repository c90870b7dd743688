#include "stack/net/icmpv6.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <iterator>

#include "stack/base/byte_order.h"
#include "stack/base/rng.h"
#include "stack/net/checksum.h"
#include "tests/support/frames.h"
#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

constexpr uint8_t kNs = 135;
constexpr uint8_t kNa = 136;
constexpr uint8_t kFlagR = 0x80;
constexpr uint8_t kFlagS = 0x40;
constexpr uint8_t kFlagO = 0x20;

Parsed<Icmpv6Header> parse(const Bytes& m, const Ipv6Addr& src, const Ipv6Addr& dst) {
    return parse_icmpv6(m.data(), m.size(), src, dst, checksum_partial(m.data(), m.size()));
}

Parsed<NeighborMessage> parse_nd(const Bytes& m) { return parse_neighbor_message(m.data(), m.size()); }

bool nd_bad(const Parsed<NeighborMessage>& r) { return !r.ok() && r.reason() == DropReason::nd_bad_format; }

// NS from the peer for our address, with its source link-layer address (RFC 4861 §4.3).
Bytes solicitation(const Bytes& options) {
    return make_neighbor_message(peer_ip6(), engine_ip6().solicited_node(), kNs, 0, engine_ip6(), options);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(icmpv6)

BOOST_AUTO_TEST_CASE(checksum_accepted) {
    const Bytes m = make_icmpv6(peer_ip6(), engine_ip6(), 128, 0, {0, 1, 0, 1, 'a', 'b', 'c'});
    const auto h = parse(m, peer_ip6(), engine_ip6());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->type == 128);
    BOOST_TEST(h->code == 0);
}

BOOST_AUTO_TEST_CASE(checksum_rejected) {
    // RFC 4443 §2.3: the checksum covers the pseudo-header too.
    const Bytes good = make_icmpv6(peer_ip6(), engine_ip6(), 128, 0, {0, 1, 0, 1, 'a', 'b', 'c'});
    for (size_t i = 0; i < good.size(); ++i) {
        Bytes m = good;
        m[i] ^= 0x01;
        const auto h = parse(m, peer_ip6(), engine_ip6());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::icmp6_bad_checksum), "byte " << i);
    }
    // Right bytes, wrong addresses.
    BOOST_TEST((parse(good, engine_ip6(), *Ipv6Addr::parse("fd00::3")).reason() == DropReason::icmp6_bad_checksum));
    BOOST_TEST((parse(good, *Ipv6Addr::parse("fd00::9"), engine_ip6()).reason() == DropReason::icmp6_bad_checksum));
    // A zero checksum field is not "no checksum" as it can be in UDP over IPv4.
    Bytes zero = good;
    store_be16(&zero[2], 0);
    BOOST_TEST((parse(zero, peer_ip6(), engine_ip6()).reason() == DropReason::icmp6_bad_checksum));
}

BOOST_AUTO_TEST_CASE(truncated) {
    const Bytes m = make_icmpv6(peer_ip6(), engine_ip6(), 128, 0, {0, 1, 0, 1});
    for (size_t len = 0; len < kIcmpv6HeaderLen; ++len) {
        const Bytes cut(m.begin(), m.begin() + long(len));
        const auto h = parse(cut, peer_ip6(), engine_ip6());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::icmp6_truncated), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(solicitation_parsed) {
    const Bytes m = solicitation(make_link_addr_option(1, kPeerMac));
    BOOST_REQUIRE(parse(m, peer_ip6(), engine_ip6().solicited_node()).ok());
    const auto ns = parse_nd(m);
    BOOST_REQUIRE(ns.ok());
    BOOST_TEST(ns->target == engine_ip6());
    BOOST_REQUIRE(ns->link_addr.has_value());
    BOOST_TEST(*ns->link_addr == kPeerMac);  // SLLAO
    BOOST_TEST(!ns->router);
    BOOST_TEST(!ns->solicited);
    BOOST_TEST(!ns->override_flag);
}

BOOST_AUTO_TEST_CASE(advertisement_parsed) {
    const Bytes m = make_neighbor_message(peer_ip6(), engine_ip6(), kNa, kFlagR | kFlagS | kFlagO, peer_ip6(),
                                          make_link_addr_option(2, kPeerMac));
    const auto na = parse_nd(m);
    BOOST_REQUIRE(na.ok());
    BOOST_TEST(na->target == peer_ip6());
    BOOST_REQUIRE(na->link_addr.has_value());
    BOOST_TEST(*na->link_addr == kPeerMac);  // TLLAO
    BOOST_TEST(na->router);
    BOOST_TEST(na->solicited);
    BOOST_TEST(na->override_flag);
    for (uint8_t flag : {kFlagR, kFlagS, kFlagO}) {
        const auto one = parse_nd(make_neighbor_message(peer_ip6(), engine_ip6(), kNa, flag, peer_ip6(), {}));
        BOOST_REQUIRE(one.ok());
        BOOST_TEST(one->router == (flag == kFlagR));
        BOOST_TEST(one->solicited == (flag == kFlagS));
        BOOST_TEST(one->override_flag == (flag == kFlagO));
        BOOST_TEST(!one->link_addr.has_value());
    }
}

BOOST_AUTO_TEST_CASE(only_the_matching_link_address_option_counts) {
    // An NS carries a source, an NA a target link-layer address option (RFC 4861 §4.3,
    // §4.4); the other kind and unknown options (§4.6: skipped) are ignored.
    const auto ns = parse_nd(solicitation(make_link_addr_option(2, kPeerMac)));
    BOOST_REQUIRE(ns.ok());
    BOOST_TEST(!ns->link_addr.has_value());
    const auto na = parse_nd(
        make_neighbor_message(peer_ip6(), engine_ip6(), kNa, kFlagS, peer_ip6(), make_link_addr_option(1, kPeerMac)));
    BOOST_REQUIRE(na.ok());
    BOOST_TEST(!na->link_addr.has_value());

    Bytes options{14, 1, 1, 2, 3, 4, 5, 6};  // RFC 3971 nonce option, 8 bytes
    const Bytes sllao = make_link_addr_option(1, kEngineMac);
    options.insert(options.end(), sllao.begin(), sllao.end());
    const auto mixed = parse_nd(solicitation(options));
    BOOST_REQUIRE(mixed.ok());
    BOOST_REQUIRE(mixed->link_addr.has_value());
    BOOST_TEST(*mixed->link_addr == kEngineMac);
}

BOOST_AUTO_TEST_CASE(neighbor_message_too_short) {
    const Bytes m = solicitation({});
    BOOST_REQUIRE(m.size() == kNdMessageLen);
    BOOST_TEST(parse_nd(m).ok());  // no options at all is fine (e.g. DAD probes)
    for (size_t len = 0; len < kNdMessageLen; ++len) {
        const Bytes cut(m.begin(), m.begin() + long(len));
        BOOST_TEST(nd_bad(parse_nd(cut)), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(neighbor_message_code_not_zero) {
    // RFC 4861 §7.1.1/§7.1.2: ICMP Code is 0.
    for (uint8_t code : {1, 2, 255}) {
        Bytes m = solicitation(make_link_addr_option(1, kPeerMac));
        m[1] = code;
        BOOST_TEST(nd_bad(parse_nd(m)), "code " << int(code));
    }
}

BOOST_AUTO_TEST_CASE(multicast_target) {
    // RFC 4861 §7.1.1: Target Address is not a multicast address.
    const Bytes ns = make_neighbor_message(peer_ip6(), engine_ip6(), kNs, 0, Ipv6Addr::all_nodes(),
                                           make_link_addr_option(1, kPeerMac));
    BOOST_TEST(nd_bad(parse_nd(ns)));
    const Bytes na = make_neighbor_message(peer_ip6(), engine_ip6(), kNa, 0, engine_ip6().solicited_node(), {});
    BOOST_TEST(nd_bad(parse_nd(na)));
}

BOOST_AUTO_TEST_CASE(option_length_zero) {
    // RFC 4861 §4.6: a length of 0 is invalid (and would loop forever); discard.
    BOOST_TEST(nd_bad(parse_nd(solicitation({1, 0, 0, 0, 0, 0, 0, 0}))));
    // Also after a valid option.
    Bytes options = make_link_addr_option(1, kPeerMac);
    options.insert(options.end(), {14, 0, 0, 0, 0, 0, 0, 0});
    BOOST_TEST(nd_bad(parse_nd(solicitation(options))));
}

BOOST_AUTO_TEST_CASE(option_past_end) {
    // Length 2 (16 bytes) with 8 present.
    BOOST_TEST(nd_bad(parse_nd(solicitation({1, 2, 1, 2, 3, 4, 5, 6}))));
    // A lone byte where an option would start: no room for its length.
    BOOST_TEST(nd_bad(parse_nd(solicitation({1}))));
    // Every cut inside the option area of a valid message.
    const Bytes m = solicitation(make_link_addr_option(1, kPeerMac));
    for (size_t len = kNdMessageLen + 1; len < m.size(); ++len) {
        const Bytes cut(m.begin(), m.begin() + long(len));
        BOOST_TEST(nd_bad(parse_nd(cut)), "length " << len);
    }
    // Length 255 (2040 bytes) in a short message.
    BOOST_TEST(nd_bad(parse_nd(solicitation({1, 255, 1, 2, 3, 4, 5, 6}))));
}

BOOST_AUTO_TEST_CASE(longer_link_address_option_is_read) {
    // Option length 2 (16 bytes): the MAC is still its first 6 octets after type/length.
    const Bytes opt{1, 2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
    const auto ns = parse_nd(solicitation(opt));
    BOOST_REQUIRE(ns.ok());
    BOOST_REQUIRE(ns->link_addr.has_value());
    BOOST_TEST(*ns->link_addr == *MacAddr::parse("aa:bb:cc:dd:ee:ff"));
}

BOOST_AUTO_TEST_CASE(written_messages_are_accepted) {
    for (uint8_t type : {kNs, kNa}) {
        NeighborMessage sent;
        sent.target = type == kNs ? peer_ip6() : engine_ip6();
        sent.link_addr = kEngineMac;
        sent.solicited = type == kNa;
        sent.override_flag = type == kNa;
        const Ipv6Addr src = engine_ip6();
        const Ipv6Addr dst = type == kNs ? peer_ip6().solicited_node() : peer_ip6();
        uint8_t buf[64];
        std::fill(std::begin(buf), std::end(buf), 0xee);
        const size_t len = write_neighbor_message(buf, static_cast<Icmpv6Type>(type), sent, src, dst);
        BOOST_TEST(len == kNdMessageLen + kNdLinkAddrOptionLen);
        const Bytes m(buf, buf + len);
        const auto h = parse(m, src, dst);
        BOOST_REQUIRE(h.ok());
        BOOST_TEST(h->type == type);
        BOOST_TEST(h->code == 0);
        const auto got = parse_nd(m);
        BOOST_REQUIRE(got.ok());
        BOOST_TEST(got->target == sent.target);
        BOOST_REQUIRE(got->link_addr.has_value());
        BOOST_TEST(*got->link_addr == kEngineMac);
        BOOST_TEST(got->solicited == sent.solicited);
        BOOST_TEST(got->override_flag == sent.override_flag);
        BOOST_TEST(!got->router);
        // Byte for byte what the builder makes.
        const Bytes expected = make_neighbor_message(src, dst, type, type == kNa ? kFlagS | kFlagO : 0, sent.target,
                                                     make_link_addr_option(type == kNs ? 1 : 2, kEngineMac));
        BOOST_TEST(m == expected);
    }
}

BOOST_AUTO_TEST_CASE(echo_reply_checksum_valid) {
    // The reply goes back from our address to the requester, whatever the request was
    // sent to (RFC 4443 §4.2: a reply to a multicast request comes from a unicast address).
    Rng rng(4443);
    for (int i = 0; i < 500; ++i) {
        Bytes body(4 + rng.below(300));
        for (auto& b : body) {
            b = static_cast<uint8_t>(rng.next());
        }
        const Ipv6Addr request_dst = i % 2 == 0 ? engine_ip6() : Ipv6Addr::all_nodes();
        Bytes m = make_icmpv6(peer_ip6(), request_dst, 128, 0, body);
        BOOST_REQUIRE(parse(m, peer_ip6(), request_dst).ok());
        echo6_request_to_reply(m.data(), m.size(), engine_ip6(), peer_ip6());
        const auto h = parse(m, engine_ip6(), peer_ip6());
        BOOST_TEST(h.ok(), "iteration " << i << " length " << m.size());
        BOOST_TEST(m[0] == 129);
        BOOST_TEST(Bytes(m.begin() + 4, m.end()) == body);
    }
    // The all-zero identifier/sequence/data case that trips incremental updates.
    Bytes zero = make_icmpv6(peer_ip6(), engine_ip6(), 128, 0, Bytes(4, 0));
    echo6_request_to_reply(zero.data(), zero.size(), engine_ip6(), peer_ip6());
    BOOST_TEST(parse(zero, engine_ip6(), peer_ip6()).ok());
}

BOOST_AUTO_TEST_CASE(unreachable_checksum_valid) {
    for (size_t quoted : {0u, 1u, 48u, 49u, 1232u}) {
        Bytes m(kIcmpv6HeaderLen + quoted, 0x33);
        write_icmpv6_unreachable(m.data(), kIcmpv6CodePortUnreachable, quoted, engine_ip6(), peer_ip6());
        const auto h = parse(m, engine_ip6(), peer_ip6());
        BOOST_REQUIRE(h.ok());
        BOOST_TEST(h->type == 1);
        BOOST_TEST(h->code == kIcmpv6CodePortUnreachable);
        BOOST_TEST(load_be32(&m[4]) == 0u);
    }
}

BOOST_AUTO_TEST_SUITE_END()
