#include "stack/buf/shared_bytes.h"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "stack/tcp/send_queue.h"
#include "stack/buf/warm_buffers.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

std::vector<uint8_t> numbered(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) {
        v[i] = uint8_t(i * 7 + i / 251);
    }
    return v;
}

std::vector<uint8_t> slice(const std::vector<uint8_t>& v, size_t at, size_t n) {
    return {v.begin() + long(at), v.begin() + long(at + n)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shared_bytes)

BOOST_FIXTURE_TEST_CASE(views_read_the_bytes_in_pieces_of_at_most_64k, LeakCheck) {
    const std::vector<uint8_t> bytes = numbered(200000);
    const buf::SharedBytes shared(bytes.data(), 0, bytes.size());
    uint32_t made = 0;
    Mbuf* m = shared.make(1000, 150000, view_pool(), made);
    BOOST_REQUIRE(m != nullptr);
    BOOST_TEST(made == 150000u);
    BOOST_TEST(m->nb_segs == 3);  // 65535 + 65535 + 18930
    BOOST_TEST(buf::pkt_len(m) == 150000u);
    BOOST_TEST((bytes_of(m) == slice(bytes, 1000, 150000)));
    BOOST_TEST(shared.live_views() == 3u);
    buf::free(m);
    BOOST_TEST(shared.live_views() == 0u);
}

// With physical device addresses each page has its own: a view never crosses a page, and
// each carries its page's address plus its offset into the page.
BOOST_FIXTURE_TEST_CASE(views_stay_on_their_page_with_its_device_address, LeakCheck) {
    alignas(4096) static uint8_t memory[4 * 4096];
    const std::vector<uint64_t> pages = {0x100000, 0x900000, 0x300000, 0x700000};
    const buf::SharedBytes shared(memory + 1000, 3 * 4096, pages, 4096);
    uint32_t made = 0;
    Mbuf* m = shared.make(0, 3 * 4096, view_pool(), made);
    BOOST_REQUIRE(m != nullptr);
    BOOST_TEST(made == 3u * 4096);
    const uint32_t expect_len[] = {4096 - 1000, 4096, 4096, 1000};
    const uint64_t expect_iova[] = {0x100000 + 1000, 0x900000, 0x300000, 0x700000};
    int i = 0;
    for (const Mbuf* v = m; v != nullptr; v = v->next, ++i) {
        BOOST_REQUIRE(i < 4);
        BOOST_TEST(v->data_len == expect_len[i]);
        BOOST_TEST(rte_pktmbuf_iova(v) == expect_iova[i]);
        BOOST_TEST(buf::data(v) == memory + 1000 + (i == 0 ? 0 : 4096 * i - 1000));
    }
    BOOST_TEST(i == 4);
    buf::free(m);
}

BOOST_FIXTURE_TEST_CASE(nothing_past_the_end, LeakCheck) {
    const std::vector<uint8_t> bytes = numbered(5000);
    const buf::SharedBytes shared(bytes.data(), 0, bytes.size());
    uint32_t made = 0;
    Mbuf* m = shared.make(4000, 3000, view_pool(), made);
    BOOST_TEST(made == 1000u);
    BOOST_TEST((bytes_of(m) == slice(bytes, 4000, 1000)));
    buf::free(m);
    BOOST_TEST(shared.make(5000, 10, view_pool(), made) == nullptr);
    BOOST_TEST(made == 0u);
}

// Views are external buffers with an atomic count: the bytes are never written and never
// freed by a view, whichever way the views go (frees, views of views, the send queue).
BOOST_FIXTURE_TEST_CASE(views_of_views_and_the_send_queue, LeakCheck) {
    const std::vector<uint8_t> bytes = numbered(3000);
    const buf::SharedBytes shared(bytes.data(), 0, bytes.size());
    {
        buf::WarmBuffers views(view_pool(), buf::WarmFor::views);
        tcp::SendQueue q;
        uint32_t made = 0;
        q.append(shared.make(0, 3000, view_pool(), made));
        // A short send behind a shared view is not packed into it (it is not ours to write).
        q.append(make_mbuf({1, 2, 3}));
        BOOST_TEST(q.bytes() == 3003u);
        std::vector<Mbuf*> sent;
        for (uint32_t off = 0; off + 1000 <= 3000; off += 1000) {
            const auto view = q.reference(off, 1000, views);
            BOOST_REQUIRE(view.head != nullptr);
            BOOST_TEST((bytes_of(view.head) == slice(bytes, off, 1000)));
            sent.push_back(view.head);
        }
        BOOST_TEST(shared.live_views() == 4u);
        q.acknowledge(3003);
        BOOST_TEST(shared.live_views() == 3u);
        buf::free_bulk(sent);
    }
    BOOST_TEST(shared.live_views() == 0u);
    BOOST_TEST((std::vector<uint8_t>(bytes) == numbered(3000)));
}

BOOST_FIXTURE_TEST_CASE(an_empty_pool_makes_what_it_can, LeakCheck) {
    const std::vector<uint8_t> bytes = numbered(200000);
    const buf::SharedBytes shared(bytes.data(), 0, bytes.size());
    std::vector<Mbuf*> taken;
    while (Mbuf* m = buf::alloc(view_pool())) {
        taken.push_back(m);
    }
    buf::free(taken.back());  // one view left: one 64 KiB piece
    taken.pop_back();
    uint32_t made = 0;
    Mbuf* m = shared.make(0, 200000, view_pool(), made);
    BOOST_TEST(made == 65535u);
    BOOST_TEST(shared.make(0, 10, view_pool(), made) == nullptr);
    BOOST_TEST(made == 0u);
    buf::free(m);
    buf::free_bulk(taken);
    BOOST_TEST(shared.live_views() == 0u);
}

// Several cores make views of the same bytes while others free them (a worker's sends go
// out on a polling core): the count must end where it started, every change atomic.
BOOST_FIXTURE_TEST_CASE(views_made_and_freed_on_several_threads, LeakCheck) {
    const std::vector<uint8_t> bytes = numbered(100000);
    const buf::SharedBytes shared(bytes.data(), 0, bytes.size());
    constexpr int kRounds = 20000;
    std::atomic<int> wrong{0};
    const auto work = [&](uint32_t seed) {
        for (int i = 0; i < kRounds; ++i) {
            uint32_t made = 0;
            const uint32_t at = (seed * 7919u + uint32_t(i) * 104729u) % 90000u;
            Mbuf* m = shared.make(at, 1 + uint32_t(i) % 9000, view_pool(), made);
            if (m != nullptr) {
                wrong += buf::data(m)[0] != bytes[at] ? 1 : 0;
                buf::free(m);
            }
        }
    };
    std::thread a(work, 1);
    std::thread b(work, 2);
    work(3);
    a.join();
    b.join();
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(shared.live_views() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
