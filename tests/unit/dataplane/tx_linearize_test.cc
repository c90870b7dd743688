#include "dataplane/tx_linearize.h"

#include <boost/test/unit_test.hpp>

#include <rte_errno.h>

#include <vector>

#include "tests/support/frames.h"
#include "tests/support/leak_check.h"
#include "tests/support/print.h"
#include "tests/support/test_env.h"

using namespace slip::dataplane;
using namespace slip::stack;
using namespace slip::test;

namespace {

Bytes pattern(size_t n, uint8_t salt) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = static_cast<uint8_t>(i * 13 + salt);
    }
    return b;
}

// A frame shaped as TCP sends it: a header buffer chained to views of payload held in
// another buffer (zero copy). `expected` receives the bytes the frame stands for.
Mbuf* chained_frame(uint16_t header_len, uint16_t view_len, uint16_t views, Bytes& expected) {
    expected = pattern(header_len, 1);
    Mbuf* head = make_mbuf(expected);
    const Bytes payload_bytes = pattern(static_cast<size_t>(view_len) * views, 7);
    Mbuf* payload = make_mbuf(payload_bytes);
    Mbuf* last = head;
    for (uint16_t i = 0; i < views; ++i) {
        Mbuf* v = buf::alloc(view_pool());
        BOOST_REQUIRE(v != nullptr);
        buf::attach_range(v, payload, static_cast<uint16_t>(i * view_len), view_len);
        buf::chain(head, last, v, view_len, 1);
        last = v;
    }
    expected.insert(expected.end(), payload_bytes.begin(), payload_bytes.end());
    buf::free(payload);  // the views keep it alive
    return head;
}

// A pool of a few full-size buffers of the test's own, so it can be emptied.
struct SmallPool {
    rte_mempool* pool = rte_pktmbuf_pool_create("linearize_small", 4, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    std::vector<Mbuf*> taken;

    SmallPool() { BOOST_REQUIRE_MESSAGE(pool != nullptr, rte_strerror(rte_errno)); }
    ~SmallPool() {
        give_back();
        BOOST_TEST(rte_mempool_in_use_count(pool) == 0u);  // linearize_frames kept no copy it dropped
        rte_mempool_free(pool);
    }
    void exhaust() {
        while (Mbuf* m = buf::alloc(pool)) {
            taken.push_back(m);
        }
    }
    void give_back() {
        for (Mbuf* m : taken) {
            buf::free(m);
        }
        taken.clear();
    }
};

void free_bulk_of(std::vector<Mbuf*>& frames, uint32_t n) { buf::free_bulk({frames.data(), n}); }

void require_single_segments(std::span<Mbuf* const> frames) {
    for (const Mbuf* m : frames) {
        BOOST_TEST(m->nb_segs == 1);
        BOOST_TEST(m->next == nullptr);
        BOOST_TEST(m->data_len == m->pkt_len);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tx_linearize)

BOOST_AUTO_TEST_CASE(chains_become_one_buffer_with_the_same_bytes) {
    LeakCheck leaks;
    SmallPool small;
    Bytes want_a;
    Bytes want_b;
    const Bytes single = pattern(60, 3);
    std::vector<Mbuf*> frames = {chained_frame(54, 500, 2, want_a), make_mbuf(single), chained_frame(66, 1000, 1, want_b)};
    Mbuf* const untouched = frames[1];
    LinearizeStats stats;
    const uint32_t kept = linearize_frames(frames, small.pool, stats);
    BOOST_REQUIRE(kept == 3u);
    require_single_segments({frames.data(), kept});
    BOOST_TEST(bytes_of(frames[0]) == want_a);
    BOOST_TEST(frames[1] == untouched);  // a one-buffer frame is passed on as it is
    BOOST_TEST(bytes_of(frames[1]) == single);
    BOOST_TEST(bytes_of(frames[2]) == want_b);
    BOOST_TEST(stats.linearized == 2u);
    BOOST_TEST(stats.no_buffer == 0u);
    BOOST_TEST(stats.too_long == 0u);
    free_bulk_of(frames, kept);
}

BOOST_AUTO_TEST_CASE(pool_exhausted_drops_the_chain_and_never_passes_it_on) {
    LeakCheck leaks;
    SmallPool small;
    small.exhaust();
    BOOST_REQUIRE(!small.taken.empty());
    Bytes want;
    const Bytes first = pattern(60, 4);
    const Bytes last = pattern(70, 5);
    std::vector<Mbuf*> frames = {make_mbuf(first), chained_frame(54, 700, 2, want), make_mbuf(last),
                                 chained_frame(54, 100, 3, want)};
    LinearizeStats stats;
    const uint32_t kept = linearize_frames(frames, small.pool, stats);
    // Both chains dropped and counted; the one-buffer frames kept, in order.
    BOOST_REQUIRE(kept == 2u);
    require_single_segments({frames.data(), kept});
    BOOST_TEST(bytes_of(frames[0]) == first);
    BOOST_TEST(bytes_of(frames[1]) == last);
    BOOST_TEST(stats.no_buffer == 2u);
    BOOST_TEST(stats.linearized == 0u);
    free_bulk_of(frames, kept);

    // A buffer free again: the next chain goes out, copied.
    buf::free(small.taken.back());
    small.taken.pop_back();
    std::vector<Mbuf*> again = {chained_frame(54, 700, 2, want)};
    BOOST_REQUIRE(linearize_frames(again, small.pool, stats) == 1u);
    require_single_segments(again);
    BOOST_TEST(bytes_of(again[0]) == want);
    BOOST_TEST(stats.linearized == 1u);
    BOOST_TEST(stats.no_buffer == 2u);
    free_bulk_of(again, 1);
}

BOOST_AUTO_TEST_CASE(chain_longer_than_one_buffer_is_dropped) {
    LeakCheck leaks;
    SmallPool small;
    Bytes want;
    const uint32_t room = rte_pktmbuf_data_room_size(small.pool) - RTE_PKTMBUF_HEADROOM;
    // Exactly one buffer's room still fits; one byte more does not.
    std::vector<Mbuf*> frames = {chained_frame(48, static_cast<uint16_t>((room - 48) / 2), 2, want),
                                 chained_frame(49, static_cast<uint16_t>((room - 48) / 2), 2, want)};
    BOOST_REQUIRE(frames[0]->pkt_len == room);
    LinearizeStats stats;
    const uint32_t kept = linearize_frames(frames, small.pool, stats);
    BOOST_REQUIRE(kept == 1u);
    require_single_segments({frames.data(), kept});
    BOOST_TEST(frames[0]->pkt_len == room);
    BOOST_TEST(stats.linearized == 1u);
    BOOST_TEST(stats.too_long == 1u);
    free_bulk_of(frames, kept);
}

BOOST_AUTO_TEST_CASE(drops_reach_the_per_reason_counters) {
    LinearizeStats stats;
    stats.no_buffer = 3;
    stats.too_long = 2;
    stats.linearized = 40;
    Counters c;
    stats.add_drops_to(c);
    BOOST_TEST(c[DropReason::tx_linearize_no_buffer] == 3u);
    BOOST_TEST(c[DropReason::tx_linearize_too_long] == 2u);
    BOOST_TEST(c.total_drops() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
