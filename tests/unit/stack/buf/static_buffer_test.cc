#include "stack/buf/static_buffer.h"

#include <boost/test/unit_test.hpp>

#include <vector>

#include "stack/tcp/send_queue.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

buf::StaticBuffer* make_static(const std::vector<uint8_t>& bytes) { return buf::StaticBuffer::adopt(make_mbuf(bytes)); }

std::vector<uint8_t> range(uint8_t from, uint8_t n) {
    std::vector<uint8_t> v;
    for (uint8_t i = 0; i < n; ++i) {
        v.push_back(uint8_t(from + i));
    }
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(static_buffer)

BOOST_FIXTURE_TEST_CASE(views_read_the_buffer_and_count_themselves, LeakCheck) {
    buf::StaticBuffer* s = make_static(range(0, 200));
    Mbuf* a = buf::alloc(view_pool());
    Mbuf* b = buf::alloc(view_pool());
    s->attach(a, 10, 5);
    s->attach(b, 100, 3);
    BOOST_TEST(s->live_views() == 2u);
    BOOST_TEST(buf::StaticBuffer::is_view(a));
    BOOST_TEST(bytes_of(a) == range(10, 5));
    BOOST_TEST(bytes_of(b) == range(100, 3));
    // The shared count stays at one, so DPDK never takes its atomic path.
    BOOST_TEST(rte_mbuf_ext_refcnt_read(a->shinfo) == 1);
    buf::free(a);
    BOOST_TEST(s->live_views() == 1u);
    BOOST_TEST(rte_mbuf_ext_refcnt_read(b->shinfo) == 1);
    buf::free(b);
    BOOST_TEST(s->live_views() == 0u);
    s->retire();
}

BOOST_FIXTURE_TEST_CASE(views_of_views_count_against_the_buffer, LeakCheck) {
    buf::StaticBuffer* s = make_static(range(0, 100));
    Mbuf* a = buf::alloc(view_pool());
    s->attach(a, 20, 50);
    Mbuf* b = buf::alloc(view_pool());
    buf::StaticBuffer::attach_to_view(b, a, 5, 10);
    BOOST_TEST(buf::StaticBuffer::is_view(b));
    BOOST_TEST(bytes_of(b) == range(25, 10));
    BOOST_TEST(s->live_views() == 2u);
    buf::free(a);  // the view's view stays valid
    BOOST_TEST(bytes_of(b) == range(25, 10));
    buf::free(b);
    BOOST_TEST(s->live_views() == 0u);
    s->retire();
}

BOOST_FIXTURE_TEST_CASE(retired_buffer_lives_until_its_last_view, LeakCheck) {
    const unsigned before = mbufs_in_use();
    buf::StaticBuffer* s = make_static(range(0, 64));
    Mbuf* a = buf::alloc(view_pool());
    s->attach(a, 0, 64);
    s->retire();  // the owner goes first (a queue still sending at shutdown)
    BOOST_TEST(mbufs_in_use() == before + 2, "buffer and view still held");
    BOOST_TEST(bytes_of(a) == range(0, 64));
    buf::free(a);
    BOOST_TEST(mbufs_in_use() == before);
}

BOOST_FIXTURE_TEST_CASE(plain_buffers_are_not_views, LeakCheck) {
    Mbuf* m = make_mbuf(range(0, 10));
    Mbuf* v = buf::alloc(view_pool());
    buf::attach_range(v, m, 2, 3);
    BOOST_TEST(!buf::StaticBuffer::is_view(m));
    BOOST_TEST(!buf::StaticBuffer::is_view(v));
    buf::free(v);
    buf::free(m);
}

// The send queue references static views the same way as any queued buffer, across
// acknowledgments that free them, and chains of frees in DPDK's bulk path.
BOOST_FIXTURE_TEST_CASE(send_queue_over_static_views, LeakCheck) {
    buf::StaticBuffer* s = make_static(range(0, 250));
    {
        buf::WarmBuffers views(view_pool(), buf::WarmFor::views);
        tcp::SendQueue q;
        for (int i = 0; i < 40; ++i) {
            Mbuf* v = buf::alloc(view_pool());
            s->attach(v, uint32_t(i * 5), 50);
            q.append(v);
        }
        BOOST_TEST(q.bytes() == 2000u);
        std::vector<Mbuf*> sent;
        for (uint32_t off = 0; off + 120 <= 2000; off += 120) {
            const auto view = q.reference(off, 120, views);
            BOOST_REQUIRE(view.head != nullptr);
            std::vector<uint8_t> expect;
            for (uint32_t k = off; k < off + 120; ++k) {
                expect.push_back(uint8_t((k / 50) * 5 + k % 50));
            }
            BOOST_TEST(bytes_of(view.head) == expect);
            sent.push_back(view.head);
        }
        q.acknowledge(1000);
        buf::free_bulk(sent);
        BOOST_TEST(s->live_views() == 20u);
    }
    BOOST_TEST(s->live_views() == 0u);
    s->retire();
}

BOOST_AUTO_TEST_SUITE_END()
