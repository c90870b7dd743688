#include "stack/tcp/tcp_header.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "stack/base/byte_order.h"

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

using Bytes = std::vector<uint8_t>;

// A segment built by hand from the RFC 9293 §3.1 layout: `options` zero-padded (EOL) to a
// word, the data offset following, then `payload` bytes of 0xab.
Bytes segment(uint8_t flags, Bytes options = {}, size_t payload = 0) {
    while (options.size() % 4 != 0) options.push_back(0);
    Bytes p(kTcpHeaderLen, 0);
    store_be16(&p[0], 40000);
    store_be16(&p[2], 80);
    store_be32(&p[4], 0xfffffff0);
    store_be32(&p[8], 0x01020304);
    p[12] = static_cast<uint8_t>(((kTcpHeaderLen + options.size()) / 4) << 4);
    p[13] = flags;
    store_be16(&p[14], 512);
    p.insert(p.end(), options.begin(), options.end());
    p.insert(p.end(), payload, 0xab);
    return p;
}

// Parses from a heap block of exactly the segment's size, so that under ASan any read
// past `segment_len` is caught (a vector may have spare capacity after its end).
Parsed<TcpHeader> parse(const Bytes& p) {
    const auto exact = std::make_unique<uint8_t[]>(p.size());
    std::copy(p.begin(), p.end(), exact.get());
    return parse_tcp(exact.get(), p.size());
}

Bytes written(uint8_t flags, const TcpOptionsToSend& o) {
    Bytes p(kTcpMaxHeaderLen, 0xee);
    const size_t len = write_tcp(p.data(), 1234, 443, Seq(100), Seq(200), flags, 1000, o);
    p.resize(len);
    return p;
}

TcpOptionsToSend syn_options() {
    TcpOptionsToSend o;
    o.mss = 1460;
    o.wscale = 7;
    o.sack_permitted = true;
    o.timestamps = true;
    o.ts_val = 0x11223344;
    o.ts_ecr = 0;
    return o;
}

TcpOptionsToSend with_sack(TcpOptionsToSend o, size_t blocks) {
    o.sack_count = static_cast<uint8_t>(blocks);
    for (size_t b = 0; b < blocks; ++b) {
        o.sack[b] = SackBlock{Seq(uint32_t(1000 * b + 500)), Seq(uint32_t(1000 * b + 900))};
    }
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_header)

BOOST_AUTO_TEST_CASE(fixed_fields_parsed) {
    Bytes p = segment(flag::ack | flag::psh | flag::urg, {}, 3);
    p[12] |= 0x0f;  // reserved bits: ignored on receipt (RFC 9293 §3.1)
    store_be16(&p[16], 0xbeef);
    store_be16(&p[18], 7);
    const auto h = parse(p);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->src_port == 40000);
    BOOST_TEST(h->dst_port == 80);
    BOOST_TEST(h->seq.raw() == 0xfffffff0u);
    BOOST_TEST(h->ack.raw() == 0x01020304u);
    BOOST_TEST(h->data_offset == 20);
    BOOST_TEST(h->flags == (flag::ack | flag::psh | flag::urg));
    BOOST_TEST(h->window == 512);
    BOOST_TEST(h->checksum == 0xbeef);
    BOOST_TEST(h->urgent == 7);
    BOOST_TEST(!h->options.has_mss);
    BOOST_TEST(!h->options.has_timestamps);
}

BOOST_AUTO_TEST_CASE(hand_built_syn_matches_writer_byte_for_byte) {
    // RFC 9293 §3.1 header, options in Linux's SYN layout: MSS (§3.2), SACK-permitted
    // (RFC 2018 §2) packed before timestamps (RFC 7323 §3.2), NOP + window scale (§2.2).
    const Bytes expected = {
        0x9c, 0x40, 0x00, 0x50,  // ports 40000 -> 80
        0x01, 0x02, 0x03, 0x04,  // sequence number
        0x00, 0x00, 0x00, 0x00,  // acknowledgment number
        0xa0, 0x02, 0xfa, 0xf0,  // data offset 10 words, reserved 0, SYN; window 64240
        0x00, 0x00, 0x00, 0x00,  // checksum (left to the caller), urgent pointer
        0x02, 0x04, 0x05, 0xb4,  // MSS 1460
        0x04, 0x02, 0x08, 0x0a,  // SACK-permitted, timestamps kind and length
        0x11, 0x22, 0x33, 0x44,  // TSval
        0x00, 0x00, 0x00, 0x00,  // TSecr
        0x01, 0x03, 0x03, 0x07,  // NOP, window scale 7
    };
    uint8_t buf[kTcpMaxHeaderLen];
    const size_t len = write_tcp(buf, 40000, 80, Seq(0x01020304), Seq(0), flag::syn, 64240, syn_options());
    BOOST_TEST(Bytes(buf, buf + len) == expected, boost::test_tools::per_element());

    const auto h = parse(expected);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->data_offset == 40);
    BOOST_TEST(h->flags == flag::syn);
    BOOST_TEST(h->window == 64240);
    BOOST_TEST(h->options.has_mss);
    BOOST_TEST(h->options.mss == 1460);
    BOOST_TEST(h->options.has_wscale);
    BOOST_TEST(h->options.wscale == 7);
    BOOST_TEST(h->options.sack_permitted);
    BOOST_TEST(h->options.has_timestamps);
    BOOST_TEST(h->options.ts_val == 0x11223344u);
    BOOST_TEST(h->options.ts_ecr == 0u);
    BOOST_TEST(h->options.sack_count == 0);
    BOOST_TEST(!h->options.has_tfo);
}

BOOST_AUTO_TEST_CASE(established_timestamps_and_sack_blocks_are_capped) {
    // RFC 2018 §3: beside timestamps (NOP,NOP,TS = 12 bytes) at most 3 blocks fit in 40.
    TcpOptionsToSend ts;
    ts.timestamps = true;
    ts.ts_val = 5;
    ts.ts_ecr = 6;
    for (size_t n = 1; n <= kMaxSackBlocks; ++n) {
        const size_t sent = std::min<size_t>(n, 3);
        const TcpOptionsToSend o = with_sack(ts, n);
        BOOST_TEST(tcp_sack_blocks_sent(o) == sent, "requested " << n);
        BOOST_TEST(tcp_options_len(o) == 12 + 4 + 8 * sent, "requested " << n);
        const Bytes p = written(flag::ack, o);
        BOOST_TEST((Bytes(p.begin() + 20, p.begin() + 24) == Bytes{1, 1, 8, 10}));
        BOOST_TEST((Bytes(p.begin() + 32, p.begin() + 36) == Bytes{1, 1, 5, uint8_t(2 + 8 * sent)}));
        const auto h = parse(p);
        BOOST_REQUIRE(h.ok());
        BOOST_TEST(h->options.ts_val == 5u);
        BOOST_TEST(h->options.ts_ecr == 6u);
        BOOST_REQUIRE(h->options.sack_count == sent);
        for (size_t b = 0; b < sent; ++b) {
            BOOST_TEST(h->options.sack[b].left.raw() == o.sack[b].left.raw());
            BOOST_TEST(h->options.sack[b].right.raw() == o.sack[b].right.raw());
        }
    }
}

BOOST_AUTO_TEST_CASE(four_sack_blocks_fit_without_timestamps) {
    const TcpOptionsToSend o = with_sack({}, 4);
    BOOST_TEST(tcp_options_len(o) == 36u);
    const auto h = parse(written(flag::ack, o));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->data_offset == 56);
    BOOST_REQUIRE(h->options.sack_count == 4);
    BOOST_TEST(h->options.sack[3].left.raw() == 3500u);
    BOOST_TEST(h->options.sack[3].right.raw() == 3900u);
}

BOOST_AUTO_TEST_CASE(tfo_cookie_request_round_trips) {
    // RFC 7413 §4.1.1 (erratum 4238): an empty Fast Open option, length 2, asks for a cookie.
    TcpOptionsToSend o;
    o.mss = 1460;
    o.tfo = true;
    const Bytes p = written(flag::syn, o);
    BOOST_TEST((Bytes(p.begin() + 24, p.end()) == Bytes{34, 2, 1, 1}));
    const auto h = parse(p);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.has_tfo);
    BOOST_TEST(h->options.tfo_cookie_len == 0);
    BOOST_TEST(h->options.mss == 1460);
}

BOOST_AUTO_TEST_CASE(tfo_eight_byte_cookie_round_trips) {
    TcpOptionsToSend o = syn_options();
    o.tfo = true;
    o.tfo_cookie_len = 8;
    for (uint8_t i = 0; i < 8; ++i) o.tfo_cookie[i] = static_cast<uint8_t>(0xc0 + i);
    BOOST_TEST(tcp_options_len(o) == 32u);  // 20 + kind, length, 8 bytes, 2 NOPs
    const auto h = parse(written(flag::syn, o));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.has_tfo);
    BOOST_REQUIRE(h->options.tfo_cookie_len == 8);
    BOOST_TEST(Bytes(h->options.tfo_cookie.begin(), h->options.tfo_cookie.begin() + 8) ==
                   Bytes(o.tfo_cookie.begin(), o.tfo_cookie.begin() + 8),
               boost::test_tools::per_element());
    BOOST_TEST(h->options.has_wscale);
    BOOST_TEST(h->options.sack_permitted);
}

BOOST_AUTO_TEST_CASE(full_syn_with_largest_cookie_leaves_no_room_for_sack) {
    TcpOptionsToSend o = with_sack(syn_options(), 2);
    o.tfo = true;
    o.tfo_cookie_len = 16;
    BOOST_TEST(tcp_sack_blocks_sent(o) == 0u);
    BOOST_TEST(tcp_options_len(o) == 40u);
    const auto h = parse(written(flag::syn, o));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->data_offset == 60);
    BOOST_TEST(h->options.tfo_cookie_len == 16);
    BOOST_TEST(h->options.sack_count == 0);
}

BOOST_AUTO_TEST_CASE(every_option_combination_round_trips) {
    for (int mask = 0; mask < 16; ++mask) {
        for (size_t blocks = 0; blocks <= kMaxSackBlocks; ++blocks) {
            for (int tfo : {-1, 0, 8, 16}) {
                TcpOptionsToSend o = with_sack({}, blocks);
                o.mss = (mask & 1) ? 1440 : 0;
                o.wscale = (mask & 2) ? 14 : -1;
                o.sack_permitted = (mask & 4) != 0;
                o.timestamps = (mask & 8) != 0;
                o.ts_val = 77;
                o.tfo = tfo >= 0;
                o.tfo_cookie_len = static_cast<uint8_t>(tfo < 0 ? 0 : tfo);
                const Bytes p = written(flag::syn | flag::ack, o);
                BOOST_TEST_CONTEXT("mask " << mask << " blocks " << blocks << " tfo " << tfo) {
                    BOOST_TEST(p.size() == kTcpHeaderLen + tcp_options_len(o));
                    BOOST_TEST(p.size() % 4 == 0u);
                    BOOST_TEST(p.size() <= kTcpMaxHeaderLen);
                    const auto h = parse(p);
                    BOOST_REQUIRE(h.ok());
                    const TcpOptions& r = h->options;
                    BOOST_TEST(r.has_mss == (o.mss != 0));
                    BOOST_TEST(r.has_wscale == (o.wscale >= 0));
                    BOOST_TEST(r.sack_permitted == o.sack_permitted);
                    BOOST_TEST(r.has_timestamps == o.timestamps);
                    BOOST_TEST(r.sack_count == tcp_sack_blocks_sent(o));
                    BOOST_TEST(r.has_tfo == o.tfo);
                    BOOST_TEST(r.tfo_cookie_len == o.tfo_cookie_len);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(writer_clamps_window_scale) {
    TcpOptionsToSend o;
    o.wscale = 100;  // RFC 7323 §2.3: never send more than 14
    const auto h = parse(written(flag::syn, o));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.wscale == kMaxWindowScale);
}

BOOST_AUTO_TEST_CASE(every_truncation_length) {
    const Bytes p = written(flag::syn, syn_options());  // 40-byte header
    Bytes seg = p;
    seg.insert(seg.end(), 5, 0x55);
    for (size_t len = 0; len <= seg.size(); ++len) {
        const Bytes cut(seg.begin(), seg.begin() + long(len));
        const auto h = parse(cut);
        if (len < kTcpHeaderLen) {
            BOOST_TEST((!h.ok() && h.reason() == DropReason::tcp_truncated), "length " << len);
        } else if (len < p.size()) {
            BOOST_TEST((!h.ok() && h.reason() == DropReason::tcp_bad_offset), "length " << len);
        } else {
            BOOST_TEST(h.ok(), "length " << len);
        }
    }
}

BOOST_AUTO_TEST_CASE(data_offset_below_five_words) {
    for (uint8_t words = 0; words < 5; ++words) {
        Bytes p = segment(flag::ack, {}, 40);
        p[12] = static_cast<uint8_t>(words << 4);
        BOOST_TEST((parse(p).reason() == DropReason::tcp_bad_offset), "offset " << int(words));
    }
}

BOOST_AUTO_TEST_CASE(data_offset_beyond_segment) {
    for (uint8_t words = 6; words <= 15; ++words) {
        Bytes p = segment(flag::ack);
        p.insert(p.end(), 4 * words - 21, 1);  // NOPs, one byte short of the header
        p[12] = static_cast<uint8_t>(words << 4);
        BOOST_TEST((parse(p).reason() == DropReason::tcp_bad_offset), "offset " << int(words));
        p.push_back(1);  // NOP: now the header is all there
        BOOST_TEST(parse(p).ok(), "offset " << int(words));
    }
}

BOOST_AUTO_TEST_CASE(malformed_options) {
    // Each list is zero-padded to a word, and the segment ends with the header.
    Bytes tfo_len_20(20, 0xcc);  // an 18-byte cookie: beyond RFC 7413's 16
    tfo_len_20[0] = 34;
    tfo_len_20[1] = 20;
    const std::vector<std::pair<const char*, Bytes>> cases = {
        {"unknown kind, length 0", {99, 0, 0, 0}},
        {"MSS, length 0", {2, 0, 5, 0xb4}},
        {"unknown kind, length 1", {99, 1, 0, 0}},
        {"NOP, NOP, NOP, then a kind with no length byte", {1, 1, 1, 99}},
        {"unknown kind running past the header", {99, 12, 0, 0, 0, 0, 0, 0}},
        {"timestamps running past the header", {1, 1, 8, 10, 0, 0, 0, 1}},
        {"SACK running past the header", {1, 1, 5, 10, 0, 0, 0, 1}},
        {"MSS length 3", {2, 3, 5, 1}},
        {"MSS length 5", {2, 5, 5, 0xb4, 0}},
        {"WS length 2", {3, 2, 1, 1}},
        {"WS length 4", {3, 4, 7, 0}},
        {"SACK-permitted length 3", {4, 3, 0, 1}},
        {"SACK-permitted length 4", {4, 4, 0, 0}},
        {"timestamps length 8", {8, 8, 0, 0, 0, 1, 0, 0}},
        {"timestamps length 12", {8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0}},
        {"SACK with 0 blocks", {5, 2, 1, 1}},
        {"SACK length 9", {5, 9, 0, 0, 0, 1, 0, 0, 0, 2}},
        {"SACK length 11", {5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}},
        {"TFO length 3", {34, 3, 0xaa, 1}},
        {"TFO length 4 (2-byte cookie)", {34, 4, 0xaa, 0xbb}},
        {"TFO length 7 (odd)", {34, 7, 1, 2, 3, 4, 5, 1}},
        {"TFO length 20 (18-byte cookie)", tfo_len_20},
    };
    for (const auto& [name, options] : cases) {
        const auto h = parse(segment(flag::ack, options));  // no payload: an over-read leaves the buffer
        BOOST_TEST((!h.ok() && h.reason() == DropReason::tcp_bad_option), name);
    }
}

BOOST_AUTO_TEST_CASE(eol_stops_parsing) {
    // RFC 9293 §3.2: nothing after EOL is an option, even bytes that would be malformed.
    const auto h = parse(segment(flag::ack, {2, 4, 5, 0xb4, 0, 99, 0, 8, 1, 0xff, 3, 3, 9, 0, 0, 0}));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->data_offset == 36);
    BOOST_TEST(h->options.mss == 1460);
    BOOST_TEST(!h->options.has_wscale);
    BOOST_TEST(!h->options.has_timestamps);
}

BOOST_AUTO_TEST_CASE(unknown_kinds_are_skipped) {
    // RFC 9293 §3.1 MUST-6: skipped by their length, whatever their position or alignment.
    const auto h = parse(segment(flag::syn, {99, 4, 0xff, 0xff, 254, 2, 1, 2, 4, 5, 0xb4, 253, 3, 0, 3, 3, 2}));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.has_mss);
    BOOST_TEST(h->options.mss == 1460);
    BOOST_TEST(h->options.has_wscale);
    BOOST_TEST(h->options.wscale == 2);
}

BOOST_AUTO_TEST_CASE(unaligned_options_parse) {
    // RFC 9293 §3.2 MUST-64: no NOP alignment is assumed.
    const auto h = parse(segment(flag::ack, {1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
                                            3, 0, 0, 0, 4}));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.ts_val == 9u);
    BOOST_TEST(h->options.ts_ecr == 8u);
    BOOST_REQUIRE(h->options.sack_count == 2);
    BOOST_TEST(h->options.sack[0].left.raw() == 1u);
    BOOST_TEST(h->options.sack[1].right.raw() == 4u);
}

BOOST_AUTO_TEST_CASE(window_scale_above_14_kept_as_received) {
    // RFC 7323 §2.3: not a malformed segment; the connection logic clamps.
    for (uint8_t shift : {15, 255}) {
        const auto h = parse(segment(flag::syn, {1, 3, 3, shift}));
        BOOST_REQUIRE(h.ok());
        BOOST_TEST(h->options.wscale == shift);
    }
}

BOOST_AUTO_TEST_CASE(syn_only_options_parsed_on_any_segment) {
    // MSS, WS and SACK-permitted mean something only on a SYN; whether to ignore them is
    // the caller's call, so they are reported on an ACK as well.
    const auto h = parse(segment(flag::ack, {2, 4, 2, 0, 1, 3, 3, 4, 1, 1, 4, 2}));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.mss == 512);
    BOOST_TEST(h->options.wscale == 4);
    BOOST_TEST(h->options.sack_permitted);
}

BOOST_AUTO_TEST_CASE(repeated_option_last_one_wins) {
    const auto h = parse(segment(flag::syn, {2, 4, 1, 0, 2, 4, 2, 0}));
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->options.mss == 512);
}

BOOST_AUTO_TEST_CASE(invalid_flag_combinations) {
    using namespace flag;
    const uint8_t bad[] = {
        0, fin, fin | psh | urg,  // NULL, FIN and Xmas scans
        psh, urg, psh | urg, ece | cwr, syn | fin, syn | rst, syn | fin | ack, syn | rst | ack, 0xff,
    };
    for (uint8_t flags : bad) {
        const auto h = parse(segment(flags));
        BOOST_TEST((!h.ok() && h.reason() == DropReason::tcp_bad_flags), "flags 0x" << std::hex << int(flags));
    }
}

BOOST_AUTO_TEST_CASE(valid_flag_combinations) {
    using namespace flag;
    const uint8_t good[] = {
        syn, syn | ack, syn | ece | cwr /* ECN setup, RFC 3168 §6.1.1 */, syn | ack | ece, ack, ack | psh, ack | fin,
        ack | urg | psh | fin, rst, rst | ack, rst | ack | fin,
    };
    for (uint8_t flags : good) {
        BOOST_TEST(parse(segment(flags)).ok(), "flags 0x" << std::hex << int(flags));
    }
}

BOOST_AUTO_TEST_CASE(flag_rule_over_all_256_values) {
    // The rule of tcp_header.h stated independently: one of SYN/ACK/RST, and SYN alone
    // among SYN/FIN/RST.
    for (int f = 0; f < 256; ++f) {
        const bool any = (f & (flag::syn | flag::ack | flag::rst)) != 0;
        const bool syn_mixed = (f & flag::syn) != 0 && (f & (flag::fin | flag::rst)) != 0;
        const auto h = parse(segment(static_cast<uint8_t>(f)));
        BOOST_TEST(h.ok() == (any && !syn_mixed), "flags 0x" << std::hex << f);
        if (!h.ok()) BOOST_TEST((h.reason() == DropReason::tcp_bad_flags));
    }
}

BOOST_AUTO_TEST_SUITE_END()
