#include "stack/tcp/send_queue.h"

#include <boost/test/unit_test.hpp>

#include <deque>

#include "stack/base/rng.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::stack::tcp;
using namespace slip::test;

namespace {

// Copies a view's bytes out (the view is a chain of indirect buffers).
std::vector<uint8_t> view_bytes(const SendQueue::View& v) {
    return v.head != nullptr ? bytes_of(v.head) : std::vector<uint8_t>{};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(send_queue)

// Short segments behind a buffer with room share it: a thousand 7-byte messages take a few
// buffers, not a thousand, and read back the same; segments already in flight as views keep
// their bytes.
BOOST_AUTO_TEST_CASE(short_segments_are_packed_into_the_tail_buffer) {
    const unsigned baseline = mbufs_in_use();
    {
        buf::WarmBuffers views(view_pool(), buf::WarmFor::views);
        SendQueue q;
        std::vector<uint8_t> model;
        for (int i = 0; i < 1000; ++i) {
            std::vector<uint8_t> b(7, uint8_t(i));
            model.insert(model.end(), b.begin(), b.end());
            q.append(make_mbuf(b));
            if (i == 10) {
                // A view in flight over the first bytes, while more are packed behind them.
                const auto v = q.reference(0, 70, views);
                q.append(make_mbuf(std::vector<uint8_t>(7, 0xee)));
                model.insert(model.end(), 7, 0xee);
                BOOST_TEST((view_bytes(v) == std::vector<uint8_t>(model.begin(), model.begin() + 70)));
                buf::free(v.head);
            }
        }
        BOOST_TEST(q.bytes() == model.size());
        BOOST_TEST(mbufs_in_use() - baseline <= model.size() / 1500 + 2 + views.held());
        const auto all = q.reference(0, uint32_t(model.size()), views);
        BOOST_TEST((view_bytes(all) == model));
        buf::free(all.head);
        q.acknowledge(uint32_t(model.size()));
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

// Against a plain byte model: random chains in, random acknowledgments (mid-buffer too),
// random views out, in the order TCP uses them (forward sends, go-backs, retransmissions).
BOOST_AUTO_TEST_CASE(views_match_a_byte_model) {
    const unsigned baseline = mbufs_in_use();
    {
        buf::WarmBuffers views(view_pool(), buf::WarmFor::views);
        SendQueue q;
        std::deque<uint8_t> model;
        Rng rng(42);
        uint8_t next_byte = 0;
        uint32_t cursor = 0;  // where "sending" has reached, like SND.NXT - SND.UNA
        for (int step = 0; step < 20000; ++step) {
            const uint64_t what = rng.below(10);
            if (what < 3 && model.size() < 200000) {
                // A chain of 1 to 4 buffers of 1 to 2000 bytes.
                Mbuf* head = nullptr;
                Mbuf* last = nullptr;
                const uint64_t segs = 1 + rng.below(4);
                for (uint64_t s = 0; s < segs; ++s) {
                    std::vector<uint8_t> b(1 + rng.below(2000));
                    for (auto& x : b) {
                        x = next_byte++;
                        model.push_back(x);
                    }
                    Mbuf* m = make_mbuf(b);
                    if (head == nullptr) {
                        head = m;
                    } else {
                        buf::chain(head, last, m, uint32_t(b.size()), 1);
                    }
                    last = m;
                }
                q.append(head);
            } else if (what < 5 && !model.empty()) {
                const uint32_t n = uint32_t(rng.below(std::min<uint64_t>(model.size(), 5000) + 1));
                q.acknowledge(n);
                model.erase(model.begin(), model.begin() + n);
                cursor = cursor > n ? cursor - n : 0;
            } else if (!model.empty()) {
                // Mostly the next segment forward; sometimes a go-back to the front.
                if (rng.below(8) == 0 || cursor >= model.size()) {
                    cursor = uint32_t(rng.below(model.size()));
                }
                const uint32_t len = uint32_t(std::min<uint64_t>(1 + rng.below(1448), model.size() - cursor));
                const auto v = q.reference(cursor, len, views);
                BOOST_REQUIRE_MESSAGE(v.head != nullptr, "step " << step << ": no view of " << cursor << "+" << len
                                                                  << " in " << model.size());
                const std::vector<uint8_t> got = view_bytes(v);
                BOOST_REQUIRE(got.size() == len);
                BOOST_REQUIRE(std::equal(got.begin(), got.end(), model.begin() + cursor));
                buf::free(v.head);
                cursor += len;
            }
            BOOST_REQUIRE(q.bytes() == model.size());
        }
        BOOST_TEST(q.reference(uint32_t(model.size()), 1, views).head == nullptr);  // beyond the end
        q.clear();
        BOOST_TEST(q.bytes() == 0u);
    }
    BOOST_TEST(mbufs_in_use() == baseline);
}

BOOST_AUTO_TEST_SUITE_END()
