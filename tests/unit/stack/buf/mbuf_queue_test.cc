#include "stack/buf/mbuf_queue.h"

#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

Mbuf* packet(uint8_t tag) { return make_mbuf({tag}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(mbuf_queue)

BOOST_FIXTURE_TEST_CASE(fifo_order, LeakCheck) {
    MbufQueue q(8);
    std::vector<Mbuf*> in;
    for (uint8_t i = 0; i < 5; ++i) {
        in.push_back(packet(i));
        BOOST_TEST(q.push(in.back()));
    }
    BOOST_TEST(q.size() == 5u);
    std::array<Mbuf*, 8> out{};
    BOOST_TEST(q.pop_burst(std::span(out.data(), 2)) == 2u);  // partial burst
    BOOST_TEST(q.pop_burst(std::span(out.data() + 2, 6)) == 3u);
    for (size_t i = 0; i < 5; ++i) {
        BOOST_TEST(out[i] == in[i]);
        buf::free(out[i]);
    }
    BOOST_TEST(q.empty());
    BOOST_TEST(q.pop_burst(out) == 0u);
    BOOST_TEST(q.pop_burst(std::span<Mbuf*>()) == 0u);
}

BOOST_FIXTURE_TEST_CASE(capacity_rounds_up_and_full_refuses, LeakCheck) {
    MbufQueue q(5);
    BOOST_TEST(q.capacity() == 8u);  // power of two for the index mask
    for (int i = 0; i < 8; ++i) {
        BOOST_TEST(q.push(packet(1)));
    }
    Mbuf* extra = packet(2);
    BOOST_TEST(!q.push(extra));
    BOOST_TEST(q.size() == 8u);
    buf::free(extra);  // a refused buffer stays the caller's
    // One out, one in again.
    Mbuf* one = nullptr;
    BOOST_TEST(q.pop_burst(std::span(&one, 1)) == 1u);
    buf::free(one);
    BOOST_TEST(q.push(packet(3)));
    extra = packet(4);
    BOOST_TEST(!q.push(extra));
    buf::free(extra);
    // The destructor frees the 8 still queued.
}

BOOST_FIXTURE_TEST_CASE(wraps_many_times, LeakCheck) {
    // Indices run freely and are masked on use: many trips round a small ring keep
    // order and size right. Bursts of 3 on 4 slots put every boundary at a new offset.
    MbufQueue q(4);
    std::array<Mbuf*, 3> pool_of{packet(0), packet(1), packet(2)};
    uint64_t popped = 0;
    bool in_order = true;
    for (int round = 0; round < 100'000 && in_order; ++round) {
        for (Mbuf* m : pool_of) {
            in_order = q.push(m) && in_order;
        }
        in_order = in_order && q.size() == 3u;
        std::array<Mbuf*, 4> out{};
        const uint32_t n = q.pop_burst(out);
        in_order = in_order && n == 3u;
        for (uint32_t i = 0; i < n; ++i) {
            in_order = in_order && out[i] == pool_of[i];
        }
        popped += n;
    }
    BOOST_TEST(in_order);
    BOOST_TEST(popped == 300'000u);
    BOOST_TEST(q.empty());
    for (Mbuf* m : pool_of) {
        buf::free(m);
    }
}

BOOST_FIXTURE_TEST_CASE(clear_frees, LeakCheck) {
    const unsigned before = mbufs_in_use();
    MbufQueue q(16);
    for (int i = 0; i < 10; ++i) {
        q.push(packet(1));
    }
    BOOST_TEST(mbufs_in_use() == before + 10);
    q.clear();
    BOOST_TEST(q.empty());
    BOOST_TEST(q.size() == 0u);
    BOOST_TEST(mbufs_in_use() == before);
    // Usable after clear.
    BOOST_TEST(q.push(packet(2)));
    BOOST_TEST(q.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(destructor_frees, LeakCheck) {
    const unsigned before = mbufs_in_use();
    {
        MbufQueue q(4);
        q.push(packet(1));
        q.push(packet(2));
        BOOST_TEST(mbufs_in_use() == before + 2);
    }
    BOOST_TEST(mbufs_in_use() == before);
}

BOOST_AUTO_TEST_SUITE_END()
