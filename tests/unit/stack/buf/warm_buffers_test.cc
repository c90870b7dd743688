#include "stack/buf/warm_buffers.h"

#include <boost/test/unit_test.hpp>

#include <set>
#include <vector>

#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

// As rte_pktmbuf_alloc hands buffers out: empty, alone, one reference, no flags, the
// default headroom.
void check_fresh(const Mbuf* m) {
    BOOST_TEST(m->data_len == 0u);
    BOOST_TEST(m->pkt_len == 0u);
    BOOST_TEST(m->nb_segs == 1u);
    BOOST_TEST((m->next == nullptr));
    BOOST_TEST(rte_mbuf_refcnt_read(m) == 1u);
    BOOST_TEST(m->ol_flags == 0u);
    BOOST_TEST(m->packet_type == 0u);
    BOOST_TEST(buf::headroom(m) == RTE_PKTMBUF_HEADROOM);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(warm_buffers)

BOOST_FIXTURE_TEST_CASE(buffers_come_out_fresh_and_go_back, LeakCheck) {
    std::vector<Mbuf*> taken;
    {
        buf::WarmBuffers warm(pool());
        for (int i = 0; i < 100; ++i) {
            Mbuf* m = warm.take();
            BOOST_REQUIRE(m != nullptr);
            check_fresh(m);
            taken.push_back(m);
        }
        // A reserve, never more than its capacity, always refilled above the low-water mark.
        BOOST_TEST(warm.held() > buf::WarmBuffers::kLowWater - 1);
        BOOST_TEST(warm.held() <= buf::WarmBuffers::kCapacity);
        BOOST_TEST(std::set<Mbuf*>(taken.begin(), taken.end()).size() == taken.size(), "no buffer handed out twice");
        buf::free_bulk(taken);
        warm.release();
        BOOST_TEST(warm.held() == 0u);
        Mbuf* again = warm.take();  // refills on demand after a release
        BOOST_TEST(again != nullptr);
        buf::free(again);
    }  // the destructor returns the reserve
}

BOOST_FIXTURE_TEST_CASE(empty_pool_gives_nullptr_then_recovers, LeakCheck) {
    rte_mempool* small = rte_pktmbuf_pool_create("warm_small", 40, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    BOOST_REQUIRE(small != nullptr);
    {
        buf::WarmBuffers warm(small);
        std::vector<Mbuf*> all;
        for (Mbuf* m = warm.take(); m != nullptr; m = warm.take()) {
            all.push_back(m);
        }
        BOOST_TEST(all.size() == 40u, "every buffer of the pool, one by one at the end");
        BOOST_TEST(warm.take() == nullptr);
        buf::free(all.back());
        all.pop_back();
        Mbuf* back = warm.take();
        BOOST_TEST(back != nullptr);
        all.push_back(back);
        buf::free_bulk(all);
    }
    BOOST_TEST(rte_mempool_in_use_count(small) == 0u);
    rte_mempool_free(small);
}

// Buffers come out of the reserve raw and are reset only when taken: one that was used,
// shortened, chained and flagged before it went back to the pool is fresh again.
BOOST_FIXTURE_TEST_CASE(used_buffers_are_reset_when_taken, LeakCheck) {
    rte_mempool* small = rte_pktmbuf_pool_create("warm_reuse", 40, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    BOOST_REQUIRE(small != nullptr);
    {
        buf::WarmBuffers warm(small);
        for (int round = 0; round < 5; ++round) {
            std::vector<Mbuf*> used;
            for (int i = 0; i < 30; ++i) {
                Mbuf* m = warm.take();
                BOOST_REQUIRE(m != nullptr);
                check_fresh(m);
                BOOST_TEST(buf::data(m) == buf::fresh_data_start(m, small), "the prefetched line is where data starts");
                BOOST_REQUIRE(buf::append(m, 300) != nullptr);
                buf::pull(m, 14);
                m->packet_type = RTE_PTYPE_L3_IPV4;
                m->ol_flags = RTE_MBUF_F_TX_IPV4;
                m->vlan_tci = 7;
                used.push_back(m);
            }
            buf::free_bulk(used);
        }
    }
    BOOST_TEST(rte_mempool_in_use_count(small) == 0u, "the destructor gave the reserve back");
    rte_mempool_free(small);
}

// Views come from a pool without data room; taking them works the same, and they attach.
BOOST_FIXTURE_TEST_CASE(views_from_a_header_only_pool, LeakCheck) {
    Mbuf* data = make_mbuf(std::vector<uint8_t>(1000, 0x5a));
    {
        buf::WarmBuffers views(view_pool(), buf::WarmFor::views);
        std::vector<Mbuf*> taken;
        for (uint16_t i = 0; i < 50; ++i) {
            Mbuf* v = views.take();
            BOOST_REQUIRE(v != nullptr);
            BOOST_TEST(v->pool == view_pool());
            BOOST_TEST(v->data_len == 0u);
            buf::attach_range(v, data, uint16_t(i * 10), 100);
            BOOST_TEST(buf::data(v) == buf::data(data) + i * 10);
            taken.push_back(v);
        }
        BOOST_TEST(rte_mbuf_refcnt_read(data) == 51u);
        buf::free_bulk(taken);
    }
    BOOST_TEST(rte_mbuf_refcnt_read(data) == 1u);
    buf::free(data);
}

BOOST_AUTO_TEST_SUITE_END()
