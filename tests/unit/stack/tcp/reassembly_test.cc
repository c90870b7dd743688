#include "stack/tcp/reassembly.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "stack/base/rng.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;

namespace {

// Sequence numbers start near the wrap so every comparison crosses it.
constexpr uint32_t kBase = 0xffff'f000u;

Seq at(uint32_t offset) { return Seq(kBase + offset); }

// The byte the sender put at stream offset `o`.
uint8_t byte_at(uint32_t o) { return static_cast<uint8_t>(o * 7 + (o >> 8)); }

Mbuf* segment(uint32_t offset, uint32_t len) {
    std::vector<uint8_t> b(len);
    for (uint32_t i = 0; i < len; ++i) {
        b[i] = byte_at(offset + i);
    }
    return make_mbuf(b);
}

struct Queue {
    OooPool pool{64};
    Reassembly q;
    SackBlock overlap{};

    Reassembly::Insert insert(uint32_t offset, uint32_t len, uint32_t max_segments = 32) {
        Mbuf* m = segment(offset, len);
        const auto r = q.insert(pool, at(offset), m, len, max_segments, overlap);
        if (r == Reassembly::Insert::full) {
            buf::free(m);  // the caller keeps a segment the queue refused
        }
        return r;
    }
    ~Queue() { q.clear(pool); }
};

// Whether `out` is the sender's stream from offset `first` on, byte for byte.
bool matches_stream(const std::vector<uint8_t>& out, uint32_t first) {
    for (uint32_t i = 0; i < out.size(); ++i) {
        if (out[i] != byte_at(first + i)) {
            return false;
        }
    }
    return true;
}

bool same(SackBlock b, uint32_t left, uint32_t right) { return b.left == at(left) && b.right == at(right); }
bool empty_block(SackBlock b) { return b.left == b.right; }

// What RFC 2018 §4 asks the SACK option to carry, from a model of the held stream offsets:
// the run holding `recent` first, then the other runs from the highest down, `room` at most.
std::vector<std::pair<uint32_t, uint32_t>> expected_blocks(const std::set<uint32_t>& held, uint32_t recent,
                                                           size_t room) {
    std::vector<std::pair<uint32_t, uint32_t>> runs;
    for (uint32_t o : held) {
        if (!runs.empty() && runs.back().second == o) {
            ++runs.back().second;
        } else {
            runs.emplace_back(o, o + 1);
        }
    }
    std::vector<std::pair<uint32_t, uint32_t>> want;
    for (const auto& r : runs) {
        if (r.first <= recent && recent < r.second) {
            want.push_back(r);
        }
    }
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
        if (!(it->first <= recent && recent < it->second)) {
            want.push_back(*it);
        }
    }
    want.resize(std::min(want.size(), room));
    return want;
}

// The queue's SACK blocks for `recent` against the model's, block by block.
bool sack_blocks_match(Queue& t, const std::set<uint32_t>& held, uint32_t recent) {
    SackBlock blocks[4];
    const size_t k = t.q.sack_blocks(t.pool, at(recent), blocks);
    const auto want = expected_blocks(held, recent, 4);
    if (k != want.size()) {
        return false;
    }
    for (size_t i = 0; i < k; ++i) {
        if (!same(blocks[i], want[i].first, want[i].second)) {
            return false;
        }
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reassembly)

BOOST_AUTO_TEST_CASE(held_duplicate_and_full) {
    const unsigned baseline = mbufs_in_use();
    {
        Queue t;
        BOOST_TEST((t.insert(1000, 1000) == Reassembly::Insert::held));
        BOOST_TEST(empty_block(t.overlap));
        // Wholly held already: a duplicate (RFC 2883 reports all of it); the queue frees it.
        BOOST_TEST((t.insert(1200, 500) == Reassembly::Insert::duplicate));
        BOOST_TEST(same(t.overlap, 1200, 1700));
        // New bytes with an overlap: held, the part held already reported.
        BOOST_TEST((t.insert(1500, 1000) == Reassembly::Insert::held));
        BOOST_TEST(same(t.overlap, 1500, 2000));
        BOOST_TEST(t.q.segments() == 2u);
        BOOST_TEST(t.q.bytes() == 1500u);  // [1000, 2500): the overlap counted once
        // The per-connection cap: refused, ownership stays with the caller.
        BOOST_TEST((t.insert(5000, 100, 2) == Reassembly::Insert::full));
        BOOST_TEST(t.q.segments() == 2u);
        BOOST_TEST(t.pool.in_use() == 2u);
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

// A segment that starts inside held data, covers held segments whole and ends inside
// another: the held bytes are counted once, and the stream comes out whole and in order.
BOOST_AUTO_TEST_CASE(overlapping_segments_are_held_once) {
    const unsigned baseline = mbufs_in_use();
    {
        Queue t;
        t.insert(1000, 100);  // [1000, 1100)
        t.insert(1200, 100);  // [1200, 1300)
        t.insert(1400, 200);  // [1400, 1600)
        BOOST_TEST(t.q.bytes() == 400u);
        BOOST_TEST((t.insert(1050, 450) == Reassembly::Insert::held));  // [1050, 1500)
        BOOST_TEST(same(t.overlap, 1050, 1100));
        BOOST_TEST(t.q.bytes() == 600u);  // exactly [1000, 1600)
        BOOST_TEST(t.q.segments() == 3u);  // [1000, 1100) [1100, 1400) [1400, 1600)
        BOOST_TEST(t.pool.in_use() == 3u);
        // A segment over all of it and beyond: the held ones give way.
        BOOST_TEST((t.insert(900, 800) == Reassembly::Insert::held));  // [900, 1700)
        BOOST_TEST(same(t.overlap, 1000, 1600));
        BOOST_TEST(t.q.bytes() == 800u);
        BOOST_TEST(t.q.segments() == 1u);
        std::vector<uint8_t> out;
        uint32_t len = 0;
        uint32_t next = 900;
        while (Mbuf* m = t.q.pop_ready(t.pool, at(next), len)) {
            const auto b = bytes_of(m);
            BOOST_TEST(b.size() == len);
            out.insert(out.end(), b.begin(), b.end());
            next += len;
            buf::free(m);
        }
        BOOST_TEST(next == 1700u);
        BOOST_TEST(matches_stream(out, 900));
        BOOST_TEST(t.q.bytes() == 0u);
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

// A window's worth of segments after a hole, in order, each answered with SACK blocks;
// then holes above the first (more runs than an option carries), one filled in the middle,
// and delivery: the blocks follow every step, and the queue holds each byte once.
BOOST_AUTO_TEST_CASE(in_order_arrivals_after_holes_keep_the_sack_blocks_right) {
    const unsigned baseline = mbufs_in_use();
    {
        Queue t;
        t.pool = OooPool(2048);
        std::set<uint32_t> held;
        const auto arrive = [&](uint32_t off, uint32_t len) {
            BOOST_REQUIRE((t.insert(off, len, 1024) == Reassembly::Insert::held));
            for (uint32_t o = off; o < off + len; ++o) {
                held.insert(o);
            }
            BOOST_TEST(sack_blocks_match(t, held, off), "after " << off << "+" << len);
        };
        for (uint32_t i = 1; i <= 700; ++i) {  // [0, 1448) lost
            arrive(i * 1448, 1448);
        }
        BOOST_TEST(t.q.segments() == 700u);
        for (uint32_t i = 0; i < 6; ++i) {  // six more holes above
            arrive((702 + 2 * i) * 1448, 1448);
        }
        arrive(703 * 1448, 1448);  // a hole filled in the middle: two runs become one
        BOOST_TEST(sack_blocks_match(t, held, 0), "no recent run");
        arrive(702 * 1448 - 700, 1400);  // overlaps the run below a hole and reaches into it
        BOOST_TEST(t.q.bytes() == held.size());
        uint32_t len = 0;
        Mbuf* m = t.q.pop_ready(t.pool, at(1448), len);  // the lost segment came in order
        BOOST_REQUIRE(m != nullptr);
        buf::free(m);
        held.erase(held.begin(), held.lower_bound(1448 + len));
        BOOST_TEST(sack_blocks_match(t, held, 0));
        arrive(720 * 1448, 1448);
        BOOST_TEST(t.q.bytes() == held.size());
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_CASE(an_exhausted_pool_refuses) {
    const unsigned baseline = mbufs_in_use();
    {
        Queue t;
        t.pool = OooPool(2);
        BOOST_TEST((t.insert(1000, 10) == Reassembly::Insert::held));
        BOOST_TEST((t.insert(2000, 10) == Reassembly::Insert::held));
        BOOST_TEST((t.insert(3000, 10) == Reassembly::Insert::full));
        BOOST_TEST(t.q.segments() == 2u);
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_CASE(held_within_reports_the_first_run_inside_a_range) {
    Queue t;
    t.insert(1000, 1000);  // [1000, 2000)
    t.insert(1500, 1000);  // [1500, 2500): one run with the first
    t.insert(3000, 500);   // [3000, 3500)
    BOOST_TEST(empty_block(t.q.held_within(t.pool, at(0), at(900))));
    BOOST_TEST(empty_block(t.q.held_within(t.pool, at(0), at(1000))));  // ends where held data starts
    BOOST_TEST(same(t.q.held_within(t.pool, at(0), at(1200)), 1000, 1200));
    BOOST_TEST(same(t.q.held_within(t.pool, at(500), at(2800)), 1000, 2500));  // the run, not the next
    BOOST_TEST(same(t.q.held_within(t.pool, at(1200), at(1300)), 1200, 1300));
    BOOST_TEST(same(t.q.held_within(t.pool, at(1800), at(2200)), 1800, 2200));
    BOOST_TEST(same(t.q.held_within(t.pool, at(2600), at(4000)), 3000, 3500));
    BOOST_TEST(empty_block(t.q.held_within(t.pool, at(3500), at(4000))));
}

BOOST_AUTO_TEST_CASE(pop_ready_trims_what_was_delivered) {
    const unsigned baseline = mbufs_in_use();
    {
        Queue t;
        t.insert(1000, 1000);
        t.insert(1200, 300);  // inside the first: a duplicate, freed at once
        t.insert(1800, 700);
        uint32_t len = 0;
        BOOST_TEST(t.q.pop_ready(t.pool, at(999), len) == nullptr);  // still a hole before it
        // Delivered up to 1500 through another segment: the first node is trimmed to start there.
        Mbuf* m = t.q.pop_ready(t.pool, at(1500), len);
        BOOST_REQUIRE(m != nullptr);
        BOOST_TEST(len == 500u);
        BOOST_TEST(bytes_of(m).front() == byte_at(1500));
        buf::free(m);
        m = t.q.pop_ready(t.pool, at(2000), len);
        BOOST_REQUIRE(m != nullptr);
        BOOST_TEST(len == 500u);
        BOOST_TEST(bytes_of(m).front() == byte_at(2000));
        buf::free(m);
        BOOST_TEST(t.q.empty());
        BOOST_TEST(t.q.bytes() == 0u);
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

// Against a model: random segments of a stream arrive in any order, duplicated and
// overlapping; in-order ones are delivered as TCP's receive path does (deliver, then pop
// what became ready). The stream comes out whole and once, the SACK blocks after every
// arrival are the model's runs in RFC 2018's order, and held_within agrees with the model.
BOOST_AUTO_TEST_CASE(random_arrivals_match_a_model) {
    const unsigned baseline = mbufs_in_use();
    {
        Rng rng(7);
        for (int round = 0; round < 40; ++round) {
            Queue t;
            constexpr uint32_t kStream = 20000;
            std::vector<uint8_t> out;
            std::set<uint32_t> held;  // model: stream offsets held beyond rcv_nxt
            uint32_t rcv_nxt = 0;
            for (int step = 0; step < 400 && rcv_nxt < kStream; ++step) {
                // A third arrive in order (they fill the hole), the rest up to 4000 beyond.
                const uint32_t off = rcv_nxt + (rng.below(3) == 0 ? 0 : static_cast<uint32_t>(rng.below(4000)));
                if (off >= kStream) {
                    continue;
                }
                const uint32_t len = std::min<uint32_t>(1 + static_cast<uint32_t>(rng.below(1500)), kStream - off);
                if (off != rcv_nxt) {
                    const auto r = t.insert(off, len, 64);
                    if (r != Reassembly::Insert::full) {
                        for (uint32_t o = off; o < off + len; ++o) {
                            held.insert(o);
                        }
                        // The ACK this arrival sends: its run first (RFC 2018 §4).
                        BOOST_TEST(sack_blocks_match(t, held, off), "round " << round << " step " << step);
                    }
                    BOOST_TEST(t.q.bytes() == held.size(), "every held byte counted once");
                    continue;
                }
                // In order: what of it was held already is the model's first run inside it.
                const SackBlock twice = t.q.held_within(t.pool, at(off), at(off + len));
                uint32_t first = off;
                while (first < off + len && !held.contains(first)) {
                    ++first;
                }
                uint32_t last = first;
                while (last < off + len && held.contains(last)) {
                    ++last;
                }
                BOOST_TEST((first == off + len ? empty_block(twice) : same(twice, first, last)));
                Mbuf* m = segment(off, len);
                const auto got = bytes_of(m);
                out.insert(out.end(), got.begin(), got.end());
                buf::free(m);
                rcv_nxt += len;
                uint32_t n = 0;
                while (Mbuf* ready = t.q.pop_ready(t.pool, at(rcv_nxt), n)) {
                    const auto b = bytes_of(ready);
                    out.insert(out.end(), b.begin(), b.end());
                    buf::free(ready);
                    rcv_nxt += n;
                }
                held.erase(held.begin(), held.lower_bound(rcv_nxt));
                // SACK blocks: the model's runs (the highest first when no `recent` matches).
                BOOST_TEST(sack_blocks_match(t, held, kStream * 2), "round " << round << " step " << step);
                BOOST_TEST(t.q.bytes() == held.size(), "every held byte counted once");
            }
            BOOST_TEST(out.size() == rcv_nxt);
            BOOST_TEST(matches_stream(out, 0));
        }
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_SUITE_END()
