// HeldChain (stack/buf/held_chain.h): received bytes a service keeps unconsumed.
// Bytes come out as they went in; short segments behind held data are gathered into few
// buffers; the front is handed over exactly up to a limit, splitting a buffer by copy.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "stack/buf/held_chain.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

Bytes stream(size_t offset, size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = uint8_t((offset + i) * 7 + 3);
    }
    return b;
}

Bytes front_of(const HeldChain& h) {
    Bytes b(h.bytes());
    BOOST_REQUIRE(h.copy_front(b) == h.bytes());
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(held_chain)

BOOST_AUTO_TEST_CASE(short_segments_behind_held_data_share_buffers) {
    const unsigned baseline = mbufs_in_use();
    {
        HeldChain h;
        size_t at = 0;
        h.append(make_mbuf(stream(at, 1400)), pool());  // the first: linked as it came
        at += 1400;
        for (int i = 0; i < 600; ++i, at += 10) {
            h.append(make_mbuf(stream(at, 10)), pool());
        }
        BOOST_TEST(h.bytes() == at);
        // 6,000 bytes in 10-byte segments: a few gathering buffers, not 600.
        BOOST_TEST(h.buffers() <= 1u + 6000u / 1500u + 1u);
        BOOST_TEST((front_of(h) == stream(0, at)));
        BOOST_TEST(mbufs_in_use() - baseline == h.buffers());
        // A full-size segment is linked, the next short one starts a new gathering buffer.
        h.append(make_mbuf(stream(at, 1400)), pool());
        h.append(make_mbuf(stream(at + 1400, 5)), pool());
        at += 1405;
        BOOST_TEST((front_of(h) == stream(0, at)));
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_CASE(copy_all_packs_every_segment_into_buffers_of_the_given_pool) {
    const unsigned baseline = mbufs_in_use();
    const unsigned held_baseline = rte_mempool_in_use_count(held_pool());
    {
        HeldChain h;
        size_t at = 0;
        for (int i = 0; i < 20; ++i, at += 1400) {
            h.append(make_mbuf(stream(at, 1400)), held_pool(), HeldChain::Copy::all);
        }
        BOOST_TEST(h.bytes() == at);
        BOOST_TEST((front_of(h) == stream(0, at)));
        // Packed: 28,000 bytes in full buffers of the held pool, none of the receive pool.
        const unsigned room = rte_pktmbuf_data_room_size(held_pool()) - RTE_PKTMBUF_HEADROOM;
        BOOST_TEST(h.buffers() == (at + room - 1) / room);
        BOOST_TEST(rte_mempool_in_use_count(held_pool()) - held_baseline == h.buffers());
        BOOST_TEST(mbufs_in_use() - baseline == h.buffers());
        // Taken and dropped like any held data.
        uint32_t taken = 0;
        Mbuf* front = h.take_front(5000, pool(), taken);
        BOOST_TEST(taken == 5000u);
        BOOST_TEST((bytes_of(front) == stream(0, 5000)));
        buf::free(front);
        h.drop_front(3000);
        BOOST_TEST((front_of(h) == stream(8000, at - 8000)));
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_CASE(without_a_pool_segments_are_linked) {
    HeldChain h;
    h.append(make_mbuf(stream(0, 100)), nullptr);
    h.append(make_mbuf(stream(100, 10)), nullptr);
    BOOST_TEST(h.buffers() == 2u);
    BOOST_TEST((front_of(h) == stream(0, 110)));
}

BOOST_AUTO_TEST_CASE(a_chain_is_taken_apart_segment_by_segment) {
    HeldChain h;
    Mbuf* chain = make_mbuf(stream(0, 1000));
    Mbuf* second = make_mbuf(stream(1000, 700));
    buf::chain(chain, chain, second, 700, 1);
    h.append(chain, pool());
    BOOST_TEST(h.bytes() == 1700u);
    BOOST_TEST((front_of(h) == stream(0, 1700)));
}

BOOST_AUTO_TEST_CASE(take_front_hands_over_exactly_up_to_the_limit) {
    const unsigned baseline = mbufs_in_use();
    {
        HeldChain h;
        h.append(make_mbuf(stream(0, 1400)), pool());
        h.append(make_mbuf(stream(1400, 1400)), pool());
        h.append(make_mbuf(stream(2800, 1400)), pool());
        uint32_t taken = 0;
        Mbuf* part = h.take_front(2000, pool(), taken);  // one whole buffer and 600 bytes copied
        BOOST_REQUIRE(part != nullptr);
        BOOST_TEST(taken == 2000u);
        BOOST_TEST(buf::pkt_len(part) == 2000u);
        BOOST_TEST((bytes_of(part) == stream(0, 2000)));
        buf::free(part);
        BOOST_TEST(h.bytes() == 2200u);
        BOOST_TEST((front_of(h) == stream(2000, 2200)));
        // Without a pool only whole buffers: none fits in 500 bytes.
        BOOST_TEST(h.take_front(500, nullptr, taken) == nullptr);
        BOOST_TEST(taken == 0u);
        // More than held: everything.
        part = h.take_front(1u << 20, pool(), taken);
        BOOST_TEST(taken == 2200u);
        BOOST_TEST((bytes_of(part) == stream(2000, 2200)));
        buf::free(part);
        BOOST_TEST(h.empty());
        BOOST_TEST(h.buffers() == 0u);
        BOOST_TEST(h.front() == nullptr);
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_CASE(a_taken_gathering_buffer_is_never_written_again) {
    HeldChain h;
    h.append(make_mbuf(stream(0, 100)), pool());
    h.append(make_mbuf(stream(100, 10)), pool());  // gathered into a buffer of ours
    uint32_t taken = 0;
    Mbuf* all = h.take_front(110, pool(), taken);
    BOOST_REQUIRE(taken == 110u);
    h.append(make_mbuf(stream(110, 10)), pool());  // must not land in the buffer handed over
    BOOST_TEST((bytes_of(all) == stream(0, 110)));
    BOOST_TEST((front_of(h) == stream(110, 10)));
    buf::free(all);
}

BOOST_AUTO_TEST_CASE(drop_front_frees_what_it_passes) {
    const unsigned baseline = mbufs_in_use();
    {
        HeldChain h;
        h.append(make_mbuf(stream(0, 1000)), pool());
        h.append(make_mbuf(stream(1000, 1000)), pool());
        h.drop_front(1500);
        BOOST_TEST(h.bytes() == 500u);
        BOOST_TEST(h.buffers() == 1u);
        BOOST_TEST((front_of(h) == stream(1500, 500)));
        h.drop_front(5000);
        BOOST_TEST(h.empty());
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_SUITE_END()
