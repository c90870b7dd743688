#include "stack/net/checksum.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <bit>
#include <utility>

#include "stack/base/byte_order.h"
#include "stack/base/rng.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

// Straight RFC 1071 §4.1 loop, 16 bits at a time, as the reference the optimised
// 32/64-bit version must agree with.
uint16_t reference_sum(const uint8_t* p, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += uint32_t(p[i]) << 8 | p[i + 1];
    }
    if (len % 2 != 0) {
        sum += uint32_t(p[len - 1]) << 8;  // the odd byte is padded with a zero octet
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(sum);
}

Bytes random_bytes(Rng& rng, size_t n) {
    Bytes b(n);
    for (auto& x : b) {
        x = static_cast<uint8_t>(rng.next());
    }
    return b;
}

// A chain of single-segment buffers holding `b` split at the given cut points.
rte_mbuf* make_chain(const Bytes& b, std::initializer_list<size_t> cuts) {
    rte_mbuf* head = nullptr;
    size_t from = 0;
    std::vector<size_t> ends(cuts);
    ends.push_back(b.size());
    for (size_t to : ends) {
        rte_mbuf* seg = make_mbuf(Bytes(b.begin() + from, b.begin() + to));
        if (head == nullptr) {
            head = seg;
        } else {
            BOOST_REQUIRE(rte_pktmbuf_chain(head, seg) == 0);
        }
        from = to;
    }
    return head;
}

}  // namespace

// The suite name is also a namespace, which hides the function `checksum` inside it:
// calls are qualified.
BOOST_AUTO_TEST_SUITE(checksum)

BOOST_AUTO_TEST_CASE(rfc1071_numerical_example) {
    // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 2ddf0, folded ddf2, checksum 220d.
    // (The unfolded partial sum is an implementation detail: it adds 32-bit words.)
    const Bytes b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    BOOST_TEST(checksum_fold(checksum_partial(b.data(), b.size())) == 0xddf2);
    BOOST_TEST(slip::stack::checksum(b.data(), b.size()) == 0x220d);
}

BOOST_AUTO_TEST_CASE(a_message_with_its_checksum_sums_to_zero) {
    // RFC 1071 §1: the receiver's sum over data and checksum is all ones.
    Bytes b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0, 0};
    const uint16_t c = slip::stack::checksum(b.data(), 8);
    store_be16(&b[8], c);
    BOOST_TEST(slip::stack::checksum(b.data(), b.size()) == 0);
}

BOOST_AUTO_TEST_CASE(odd_lengths_pad_with_a_zero_octet) {
    const uint8_t one = 0xab;
    BOOST_TEST(checksum_partial(&one, 1) == 0xab00u);
    BOOST_TEST(checksum_partial(nullptr, 0) == 0u);
    BOOST_TEST(slip::stack::checksum(nullptr, 0) == 0xffff);
    // Every length 0..300 at every alignment 0..7 (the fast path reads 8/4/2/1 bytes).
    Rng rng(1071);
    const Bytes data = random_bytes(rng, 320);
    for (size_t align = 0; align < 8; ++align) {
        for (size_t len = 0; len <= 300; ++len) {
            const uint8_t* p = data.data() + align;
            BOOST_TEST(checksum_fold(checksum_partial(p, len)) == reference_sum(p, len),
                       "align " << align << " length " << len);
        }
    }
}

// The small-datagram sum (whole words, then one shifted load of the last eight bytes):
// every length it takes at every alignment, random bytes and all ones, against RFC 1071.
BOOST_AUTO_TEST_CASE(short_datagram_sum_matches_the_reference) {
    const auto as_big_endian = [](uint64_t native) {
        const uint16_t folded = checksum_fold(native);
        return std::endian::native == std::endian::little ? __builtin_bswap16(folded) : folded;
    };
    Rng rng(768);
    const Bytes data = random_bytes(rng, 80);
    const Bytes ones(80, 0xff);
    for (size_t align = 0; align < 8; ++align) {
        for (size_t len = 8; len < 64; ++len) {
            for (const Bytes* b : {&data, &ones}) {
                const uint8_t* p = b->data() + align;
                BOOST_TEST(as_big_endian(checksum_native_8_to_63(p, len)) == reference_sum(p, len),
                           "align " << align << " length " << len << (b == &ones ? " all ones" : ""));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(all_ones_data_does_not_lose_carries) {
    // Worst case for the accumulator: every word 0xffff, 64 KiB of it.
    const Bytes b(65536, 0xff);
    BOOST_TEST(checksum_fold(checksum_partial(b.data(), b.size())) == 0xffff);
    BOOST_TEST(checksum_fold(checksum_partial(b.data(), b.size() - 1)) == reference_sum(b.data(), b.size() - 1));
}

// The carry-folding form against the plain repeated fold, over edge values and random sums.
BOOST_AUTO_TEST_CASE(fold_matches_repeated_folding) {
    auto slow = [](uint64_t sum) {
        while (sum >> 16) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return static_cast<uint16_t>(sum);
    };
    std::vector<uint64_t> values = {0, 1, 0xffff, 0x10000, 0x1fffe, 0xffffffffull, 0x100000000ull,
                                    0xffffffffffffffffull, 0xffff0000ffff0000ull, 0x0000ffff0000ffffull};
    Rng rng(1624);
    for (int i = 0; i < 100000; ++i) {
        values.push_back(rng.next());
    }
    for (uint64_t v : values) {
        BOOST_TEST(checksum_fold(v) == slow(v), "sum " << v);
    }
}

BOOST_AUTO_TEST_CASE(initial_sum_is_added) {
    const Bytes b{0x12, 0x34, 0x56};
    BOOST_TEST(checksum_fold(checksum_partial(b.data(), b.size(), 0x10000)) ==
               checksum_fold(checksum_partial(b.data(), b.size()) + 1));
}

BOOST_AUTO_TEST_CASE(multi_segment_equals_flat) {
    const unsigned in_use = mbufs_in_use();
    Rng rng(7);
    for (size_t len : {1u, 2u, 3u, 17u, 64u, 101u}) {
        const Bytes b = random_bytes(rng, len);
        const uint16_t flat = checksum_fold(checksum_partial(b.data(), b.size()));
        // Two segments, cut at every offset: odd cuts split a 16-bit word across segments.
        for (size_t cut = 0; cut <= len; ++cut) {
            rte_mbuf* m = make_chain(b, {cut});
            BOOST_TEST(checksum_fold(checksum_partial_mbuf(m, 0, uint32_t(len))) == flat,
                       "length " << len << " cut " << cut);
            rte_pktmbuf_free(m);
        }
        // Three segments, odd/odd, odd/even, even/odd and one-byte middles.
        if (len >= 4) {
            using Cuts = std::pair<size_t, size_t>;
            for (auto [a, c] : std::initializer_list<Cuts>{{1, 2}, {1, 3}, {2, 3}, {3, std::min<size_t>(5, len)}, {2, len}}) {
                rte_mbuf* m = make_chain(b, {a, c});
                BOOST_TEST(checksum_fold(checksum_partial_mbuf(m, 0, uint32_t(len))) == flat,
                           "length " << len << " cuts " << a << "," << c);
                rte_pktmbuf_free(m);
            }
        }
    }
    BOOST_TEST(mbufs_in_use() == in_use);
}

BOOST_AUTO_TEST_CASE(multi_segment_with_offset_and_length) {
    // A sub-range starting inside a later segment and ending inside another, as the
    // UDP checksum over a payload behind headers does.
    const unsigned in_use = mbufs_in_use();
    Rng rng(8);
    const Bytes b = random_bytes(rng, 90);
    rte_mbuf* m = make_chain(b, {13, 40, 41, 70});
    for (uint32_t off = 0; off <= 90; off += 3) {
        for (uint32_t len = 0; off + len <= 90; len += 7) {
            BOOST_TEST(checksum_fold(checksum_partial_mbuf(m, off, len)) == reference_sum(b.data() + off, len),
                       "offset " << off << " length " << len);
        }
    }
    // A length past the end stops at the end of the chain.
    BOOST_TEST(checksum_fold(checksum_partial_mbuf(m, 10, 1000)) == reference_sum(b.data() + 10, 80));
    rte_pktmbuf_free(m);
    BOOST_TEST(mbufs_in_use() == in_use);
}

BOOST_AUTO_TEST_CASE(pseudo_header_v4_matches_hand_computed_udp_checksum) {
    // 10.0.0.1:1234 -> 10.0.0.2:7, payload "hi", UDP length 10 (RFC 768 pseudo-header):
    //   0a00 + 0001 + 0a00 + 0002 + 0011 + 000a             = 141e  (pseudo-header)
    //   + 04d2 + 0007 + 000a + 0000 (checksum) + 6869        = 816a
    //   ~816a = 7e95
    const Ipv4Addr src = Ipv4Addr::from_octets(10, 0, 0, 1);
    const Ipv4Addr dst = Ipv4Addr::from_octets(10, 0, 0, 2);
    BOOST_TEST(checksum_fold(pseudo_header_v4(src, dst, 17, 10)) == 0x141e);
    const Bytes udp{0x04, 0xd2, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x00, 'h', 'i'};
    const uint16_t sum =
        static_cast<uint16_t>(~checksum_fold(checksum_partial(udp.data(), udp.size(), pseudo_header_v4(src, dst, 17, 10))));
    BOOST_TEST(sum == 0x7e95);
    // The frame builder agrees.
    const Bytes built = make_udp4(src, dst, 1234, 7, {'h', 'i'});
    BOOST_TEST(load_be16(&built[6]) == 0x7e95);
}

BOOST_AUTO_TEST_CASE(pseudo_header_v6_matches_hand_computed_udp_checksum) {
    // fd00::1:1234 -> fd00::2:7, payload "hi" (RFC 8200 §8.1 pseudo-header):
    //   fd00 + 0001 + fd00 + 0002 + 000a (length) + 0011 (next header) = 1fa1e -> fa1f
    //   + 04d2 + 0007 + 000a + 6869 = 1676b -> 676c;  ~676c = 9893
    const Ipv6Addr src = *Ipv6Addr::parse("fd00::1");
    const Ipv6Addr dst = *Ipv6Addr::parse("fd00::2");
    BOOST_TEST(checksum_fold(pseudo_header_v6(src, dst, 17, 10)) == 0xfa1f);
    const Bytes udp{0x04, 0xd2, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x00, 'h', 'i'};
    const uint16_t sum =
        static_cast<uint16_t>(~checksum_fold(checksum_partial(udp.data(), udp.size(), pseudo_header_v6(src, dst, 17, 10))));
    BOOST_TEST(sum == 0x9893);
    const Bytes built = make_udp6(src, dst, 1234, 7, {'h', 'i'});
    BOOST_TEST(load_be16(&built[6]) == 0x9893);
}

BOOST_AUTO_TEST_CASE(pseudo_header_v6_large_length) {
    // RFC 8200 §8.1: the length is a 32-bit field (jumbograms); both halves count.
    const Ipv6Addr a{};
    BOOST_TEST(checksum_fold(pseudo_header_v6(a, a, 17, 0x00010002)) == 0x0014);  // 0001 + 0002 + 0011
}

BOOST_AUTO_TEST_CASE(rfc1624_example) {
    // RFC 1624 §3: the sum of the other words is cd7a, a field changes 5555 -> 3285.
    // Recomputation gives 0000; eqn. 3 must too (eqn. 2 of RFC 1141 gave ffff).
    const uint16_t hc = static_cast<uint16_t>(~checksum_fold(0xcd7a + 0x5555));
    BOOST_TEST(hc == 0xdd2f);
    BOOST_TEST(checksum_adjust(hc, 0x5555, 0x3285) == 0x0000);
}

BOOST_AUTO_TEST_CASE(adjust_equals_recomputation) {
    // 20-byte header (10 words) with its checksum in word 5, like IPv4; one word changes.
    Rng rng(1624);
    const uint16_t edge[] = {0x0000, 0xffff, 0x0001, 0xfffe, 0x8000, 0x7fff};
    for (int iter = 0; iter < 20000; ++iter) {
        uint16_t words[10];
        for (auto& w : words) {
            w = static_cast<uint16_t>(rng.next());
        }
        // Some headers made mostly of edge words, so sums land on 0x0000/0xffff.
        if (iter % 4 == 0) {
            for (auto& w : words) {
                w = edge[rng.below(std::size(edge))];
            }
        }
        words[0] |= 0x4500;  // a real header never sums to zero apart from the checksum (see below)
        words[5] = 0;
        uint8_t bytes[20];
        auto store = [&] {
            for (size_t i = 0; i < 10; ++i) {
                store_be16(bytes + 2 * i, words[i]);
            }
        };
        store();
        const uint16_t hc = slip::stack::checksum(bytes, 20);
        size_t k = 1 + rng.below(9);
        if (k == 5) {
            k = 6;
        }
        const uint16_t old_word = words[k];
        const uint16_t new_word =
            iter % 3 == 0 ? edge[rng.below(std::size(edge))] : static_cast<uint16_t>(rng.next());
        words[k] = new_word;
        store();
        const uint16_t recomputed = slip::stack::checksum(bytes, 20);
        const uint16_t adjusted = checksum_adjust(hc, old_word, new_word);
        BOOST_TEST(adjusted == recomputed,
                   "iteration " << iter << ": word " << k << " " << old_word << " -> " << new_word);
        // And the adjusted header verifies.
        words[5] = adjusted;
        store();
        BOOST_TEST(slip::stack::checksum(bytes, 20) == 0);
    }
}

BOOST_AUTO_TEST_CASE(adjust_identity_and_inverse) {
    // Changing a word to itself changes nothing; changing it back restores the field.
    Rng rng(3);
    for (int i = 0; i < 1000; ++i) {
        const uint16_t hc = static_cast<uint16_t>(rng.next() | 1);  // not 0x0000 (see rfc1624_example)
        const uint16_t a = static_cast<uint16_t>(rng.next());
        const uint16_t b = static_cast<uint16_t>(rng.next());
        BOOST_TEST(checksum_adjust(hc, a, a) == (hc == 0xffff ? 0x0000 : hc));
        const uint16_t there = checksum_adjust(hc, a, b);
        const uint16_t back = checksum_adjust(there, b, a);
        // Equal as one's complement numbers: 0x0000 and 0xffff are both zero.
        BOOST_TEST((back == hc || (back == 0 && hc == 0xffff) || (back == 0xffff && hc == 0)));
    }
}

BOOST_AUTO_TEST_SUITE_END()
