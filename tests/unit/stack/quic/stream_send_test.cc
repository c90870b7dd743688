#include "stack/quic/stream_send.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <vector>

using namespace slip::stack::quic;

namespace {

using Bytes = std::vector<uint8_t>;

struct CountingOwner final : TxBufferOwner {
    std::map<void*, int> released;
    void release(void* b) override { ++released[b]; }
    size_t total() const {
        size_t n = 0;
        for (const auto& [b, r] : released) {
            n += size_t(r);
        }
        return n;
    }
};

Bytes gather(const StreamSend& s, uint64_t offset, size_t length) {
    std::span<const uint8_t> spans[StreamSend::kMaxPieces];
    const size_t n = s.read(offset, length, spans);
    Bytes out;
    for (size_t i = 0; i < n; ++i) {
        out.insert(out.end(), spans[i].begin(), spans[i].end());
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_send)

// Frames read the application's buffers by offset; lost ranges go again before new data;
// buffers are released once acknowledged; FIN closes it all (RFC 9000 §3.1).
BOOST_AUTO_TEST_CASE(lost_ranges_first_then_new_data_then_fin) {
    CountingOwner owner;
    Bytes a(1000, 'a'), b(1000, 'b'), c(500, 'c');
    {
        StreamSend s(owner);
        BOOST_REQUIRE(s.append(a, &a));
        BOOST_REQUIRE(s.append(b, &b));
        BOOST_TEST((s.state() == SendState::send));
        uint64_t off = 0;
        size_t len = 0;
        bool fin = false;
        BOOST_REQUIRE(s.next(1200, 10000, off, len, fin));
        BOOST_TEST(off == 0u);
        BOOST_TEST(len == 1200u);
        BOOST_TEST(!fin);
        const Bytes first = gather(s, off, len);  // crosses from a into b
        BOOST_TEST(first.size() == 1200u);
        BOOST_TEST(first[999] == 'a');
        BOOST_TEST(first[1000] == 'b');
        s.sent(off, len, fin);
        BOOST_REQUIRE(s.next(1200, 10000, off, len, fin));
        BOOST_TEST(off == 1200u);
        s.sent(off, len, fin);
        s.lost(0, 1200, false);
        BOOST_REQUIRE(s.append(c, &c));
        s.finish();
        BOOST_REQUIRE(s.next(5000, 10000, off, len, fin));
        BOOST_TEST(off == 0u);  // the lost range before the new bytes
        BOOST_TEST(len == 1200u);
        s.sent(off, len, fin);
        BOOST_REQUIRE(s.next(5000, 10000, off, len, fin));
        BOOST_TEST(off == 2000u);
        BOOST_TEST(len == 500u);
        BOOST_TEST(fin);
        s.sent(off, len, fin);
        BOOST_TEST((s.state() == SendState::data_sent));
        BOOST_TEST(!s.next(5000, 10000, off, len, fin));
        s.acked(0, 1200, false);
        BOOST_TEST(owner.released[&a] == 1);  // a wholly acknowledged
        BOOST_TEST(owner.released.count(&b) == 0u);
        s.acked(1200, 800, false);
        s.acked(2000, 500, true);
        BOOST_TEST((s.state() == SendState::data_recvd));
        BOOST_TEST(owner.total() == 3u);
    }
    BOOST_TEST(owner.total() == 3u);  // nothing released twice
}

BOOST_AUTO_TEST_CASE(a_lost_fin_goes_again_alone_if_need_be) {
    CountingOwner owner;
    Bytes a(100, 'a');
    StreamSend s(owner);
    BOOST_REQUIRE(s.append(a, &a));
    uint64_t off = 0;
    size_t len = 0;
    bool fin = false;
    BOOST_REQUIRE(s.next(1000, 1000, off, len, fin));
    s.sent(off, len, fin);
    s.finish();
    BOOST_REQUIRE(s.next(1000, 1000, off, len, fin));  // FIN alone, no data
    BOOST_TEST(len == 0u);
    BOOST_TEST(fin);
    s.sent(off, len, fin);
    s.acked(0, 100, false);
    s.lost(100, 0, true);
    BOOST_REQUIRE(s.next(1000, 1000, off, len, fin));
    BOOST_TEST(off == 100u);
    BOOST_TEST(len == 0u);
    BOOST_TEST(fin);
    s.sent(off, len, fin);
    s.acked(100, 0, true);
    BOOST_TEST(s.all_acked());
}

// RFC 9000 §4.1: new data waits for credit; resending lost data needs none.
BOOST_AUTO_TEST_CASE(new_data_waits_for_credit) {
    CountingOwner owner;
    Bytes a(1000, 'a');
    StreamSend s(owner);
    BOOST_REQUIRE(s.append(a, &a));
    uint64_t off = 0;
    size_t len = 0;
    bool fin = false;
    BOOST_REQUIRE(s.next(1500, 300, off, len, fin));
    BOOST_TEST(len == 300u);
    s.sent(off, len, fin);
    BOOST_TEST(!s.next(1500, 0, off, len, fin));
    s.lost(0, 300, false);
    BOOST_REQUIRE(s.next(1500, 0, off, len, fin));
    BOOST_TEST(off == 0u);
    BOOST_TEST(len == 300u);
}

BOOST_AUTO_TEST_CASE(bounded_and_reset_frees_everything) {
    CountingOwner owner;
    Bytes x(10, 'x');
    {
        StreamSend s(owner);
        for (size_t i = 0; i < StreamSend::kMaxPieces; ++i) {
            BOOST_REQUIRE(s.append(x, &x));
        }
        BOOST_TEST(!s.append(x, &x));  // the table is full: the application waits
        s.reset();
        BOOST_TEST((s.state() == SendState::reset_sent));
        BOOST_TEST(owner.total() == StreamSend::kMaxPieces);
        BOOST_TEST(!s.append(x, &x));
        uint64_t off = 0;
        size_t len = 0;
        bool fin = false;
        BOOST_TEST(!s.next(1000, 1000, off, len, fin));
    }
    BOOST_TEST(owner.total() == StreamSend::kMaxPieces);
}

// Random sends, losses and acknowledgments: every byte the peer gets is the right one, and
// every buffer is released exactly once by the end.
BOOST_AUTO_TEST_CASE(random_loss_delivers_every_byte_once_acknowledged) {
    std::mt19937 rng(11);
    for (int round = 0; round < 100; ++round) {
        CountingOwner owner;
        std::vector<Bytes> buffers(40);
        Bytes expected;
        StreamSend s(owner);
        for (size_t i = 0; i < buffers.size(); ++i) {
            buffers[i].assign(1 + rng() % 300, uint8_t('A' + i % 26));
            expected.insert(expected.end(), buffers[i].begin(), buffers[i].end());
            BOOST_REQUIRE(s.append(buffers[i], &buffers[i]));
        }
        s.finish();
        Bytes received(expected.size());
        struct Frame {
            uint64_t off;
            size_t len;
            bool fin;
        };
        std::vector<Frame> in_flight;
        for (int step = 0; step < 100000 && !s.all_acked(); ++step) {
            uint64_t off = 0;
            size_t len = 0;
            bool fin = false;
            if (s.next(1 + rng() % 700, UINT64_MAX, off, len, fin)) {
                const Bytes data = gather(s, off, len);
                BOOST_REQUIRE(data.size() == len);
                s.sent(off, len, fin);
                in_flight.push_back({off, len, fin});
                std::copy(data.begin(), data.end(), received.begin() + long(off));
            } else if (!in_flight.empty()) {
                const size_t k = rng() % in_flight.size();
                const Frame f = in_flight[k];
                in_flight.erase(in_flight.begin() + long(k));
                if (rng() % 4 == 0) {
                    s.lost(f.off, f.len, f.fin);
                } else {
                    s.acked(f.off, f.len, f.fin);
                }
            }
        }
        BOOST_REQUIRE(s.all_acked());
        BOOST_REQUIRE(received == expected);
        BOOST_TEST(owner.total() == buffers.size());
    }
}

BOOST_AUTO_TEST_SUITE_END()
