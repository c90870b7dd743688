#include "stack/net/icmp.h"

#include <boost/test/unit_test.hpp>

#include "stack/base/byte_order.h"
#include "stack/base/rng.h"
#include "stack/net/checksum.h"
#include "tests/support/frames.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

Bytes random_payload(Rng& rng, size_t n) {
    Bytes b(n);
    for (auto& x : b) {
        x = static_cast<uint8_t>(rng.next());
    }
    return b;
}

// Rewrites a copy of `request` into a reply and checks what RFC 792 asks of it: type 0,
// everything else (code, identifier, sequence, data) returned unchanged, and a
// checksum that verifies over the whole message.
void check_reply(const Bytes& request, const std::string& what) {
    Bytes reply = request;
    echo_request_to_reply(reply.data());
    BOOST_TEST(reply[0] == 0, what);
    BOOST_TEST(reply[1] == request[1], what);
    BOOST_TEST(Bytes(reply.begin() + 4, reply.end()) == Bytes(request.begin() + 4, request.end()), what);
    BOOST_TEST(checksum(reply.data(), reply.size()) == 0, what);
    BOOST_TEST(parse_icmp(reply.data(), reply.size()).ok(), what);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(icmp)

BOOST_AUTO_TEST_CASE(echo_request_parses) {
    const Bytes p = make_icmp_echo(8, 0x1234, 1, Bytes(56, 0x61));
    const auto h = parse_icmp(p.data(), p.size());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->type == 8);
    BOOST_TEST(h->code == 0);
}

BOOST_AUTO_TEST_CASE(truncated) {
    const Bytes p = make_icmp_echo(8, 1, 1, {});
    for (size_t len = 0; len < kIcmpHeaderLen; ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        const auto h = parse_icmp(cut.data(), cut.size());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::icmp_truncated), "length " << len);
        // Even with the checksum already verified, a short header is short.
        BOOST_TEST((parse_icmp(cut.data(), cut.size(), true).reason() == DropReason::icmp_truncated));
    }
}

BOOST_AUTO_TEST_CASE(bad_checksum) {
    // RFC 792: the checksum covers the whole ICMP message, data included.
    const Bytes good = make_icmp_echo(8, 7, 9, {1, 2, 3, 4, 5});
    for (size_t i = 0; i < good.size(); ++i) {
        Bytes p = good;
        p[i] ^= 0x10;
        const auto h = parse_icmp(p.data(), p.size());
        BOOST_TEST((!h.ok() && h.reason() == DropReason::icmp_bad_checksum), "byte " << i);
        BOOST_TEST(parse_icmp(p.data(), p.size(), true).ok());  // the NIC said it was fine
    }
}

BOOST_AUTO_TEST_CASE(cut_messages_never_crash) {
    // Any cut of a valid message is either short or fails its checksum (or, by chance,
    // still sums right); it never reads past the length given.
    const Bytes p = make_icmp_echo(8, 0x4242, 3, Bytes(21, 0x5a));
    for (size_t len = 0; len <= p.size(); ++len) {
        const Bytes cut(p.begin(), p.begin() + long(len));
        const auto h = parse_icmp(cut.data(), cut.size());
        if (len < kIcmpHeaderLen) {
            BOOST_TEST((h.reason() == DropReason::icmp_truncated));
        } else if (!h.ok()) {
            BOOST_TEST((h.reason() == DropReason::icmp_bad_checksum));
        }
    }
}

BOOST_AUTO_TEST_CASE(echo_reply_checksum_stays_valid) {
    // The reply's checksum is adjusted incrementally (RFC 1624); it must verify for any
    // identifier, sequence and payload, odd lengths included.
    Rng rng(792);
    for (int i = 0; i < 2000; ++i) {
        const auto id = static_cast<uint16_t>(rng.next());
        const auto seq = static_cast<uint16_t>(rng.next());
        const Bytes payload = random_payload(rng, rng.below(200));
        check_reply(make_icmp_echo(8, id, seq, payload), "iteration " + std::to_string(i));
    }
    // Payloads whose sums land on the one's complement edges.
    for (uint8_t fill : {0x00, 0xff, 0xf7, 0x08}) {
        for (size_t len : {1u, 2u, 3u, 64u, 65u}) {
            check_reply(make_icmp_echo(8, 0xffff, 0xffff, Bytes(len, fill)), "fill " + std::to_string(fill));
            check_reply(make_icmp_echo(8, 0x0800, 0xf7ff, Bytes(len, fill)), "fill " + std::to_string(fill));
        }
    }
}

BOOST_AUTO_TEST_CASE(echo_reply_with_all_zero_fields) {
    // Identifier 0, sequence 0 and no (or all-zero) data: the default of raw packet tools
    // (scapy's ICMP()). Every word of the reply is zero, so its checksum must be 0xffff:
    // RFC 1624 eqn. 3 yields 0x0000 here (the one case §3 of that RFC calls out), which
    // no receiver accepts.
    for (size_t len : {0u, 1u, 2u, 7u, 56u}) {
        check_reply(make_icmp_echo(8, 0, 0, Bytes(len, 0)), "zero payload of " + std::to_string(len));
    }
}

BOOST_AUTO_TEST_CASE(unreachable_checksum_valid) {
    // RFC 792: type 3, code, 4 unused zero bytes, then the quoted IP header + 8 bytes.
    Rng rng(1122);
    for (size_t quoted : {0u, 1u, 27u, 28u, 29u, 548u}) {
        Bytes msg(kIcmpHeaderLen, 0xcc);  // garbage where the header goes
        const Bytes original = random_payload(rng, quoted);
        msg.insert(msg.end(), original.begin(), original.end());
        write_icmp_unreachable(msg.data(), kIcmpCodePortUnreachable, quoted);
        BOOST_TEST(msg[0] == 3);
        BOOST_TEST(msg[1] == kIcmpCodePortUnreachable);
        BOOST_TEST(load_be32(&msg[4]) == 0u);
        BOOST_TEST(Bytes(msg.begin() + 8, msg.end()) == original);
        BOOST_TEST(checksum(msg.data(), msg.size()) == 0, "quoted " << quoted);
        const auto h = parse_icmp(msg.data(), msg.size());
        BOOST_REQUIRE(h.ok());
        BOOST_TEST(h->type == 3);
    }
}

BOOST_AUTO_TEST_SUITE_END()
