#include "stack/quic/stream_receive.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "tests/unit/stack/quic/test_support.h"

using namespace slip::stack::quic;

namespace {

using Bytes = std::vector<uint8_t>;

// Counts references per buffer, as the engine's packet buffers would.
struct CountingOwner final : RxBufferOwner {
    std::map<void*, int> refs;
    void retain(void* b) override { ++refs[b]; }
    void release(void* b) override { --refs[b]; }
    int live() const {
        int n = 0;
        for (const auto& [b, r] : refs) {
            n += r;
        }
        return n;
    }
};

Bytes numbered(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = uint8_t(i * 31 + i / 200);
    }
    return b;
}

// Reads everything readable now.
Bytes drain(StreamReceive& s) {
    Bytes out;
    RxPiece pieces[StreamReceive::kMaxPieces];
    const size_t n = s.readable(pieces);
    for (size_t i = 0; i < n; ++i) {
        out.insert(out.end(), pieces[i].bytes.begin(), pieces[i].bytes.end());
    }
    s.consume(out.size());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_receive)

// Frames in any order, overlapping and repeated, each in its own "packet buffer"; a frame the
// stream could not keep comes again later, as a peer resends what was not acknowledged. The
// stream reads back byte for byte, and every buffer reference is released.
BOOST_AUTO_TEST_CASE(any_order_reads_back_in_order_and_releases_every_buffer) {
    const Bytes data = numbered(5000);
    std::mt19937 rng(3);
    for (int round = 0; round < 200; ++round) {
        CountingOwner owner;
        std::vector<std::pair<size_t, size_t>> frames;
        for (size_t at = 0; at < data.size();) {
            const size_t len = 1 + rng() % 400;
            frames.push_back({at, std::min(len, data.size() - at)});
            at += len / 2 + 1;  // overlapping frames
        }
        std::vector<std::unique_ptr<Bytes>> packets;  // each frame's own buffer
        Bytes got;
        {
            StreamReceive s(owner);
            for (int step = 0; step < 100000 && got.size() < data.size(); ++step) {
                const auto [at, len] = frames[rng() % frames.size()];
                packets.push_back(std::make_unique<Bytes>(data.begin() + long(at), data.begin() + long(at + len)));
                bool kept = false;
                const bool fin = at + len == data.size();
                BOOST_REQUIRE(s.on_data(at, *packets.back(), fin, packets.back().get(), kept) ==
                              TransportError::no_error);
                if (rng() % 3 == 0) {
                    const Bytes part = drain(s);
                    got.insert(got.end(), part.begin(), part.end());
                }
            }
            BOOST_REQUIRE(got == data);
            BOOST_TEST(s.finished());
            BOOST_TEST(owner.live() == 0);
        }
        BOOST_TEST(owner.live() == 0);
    }
}

// The table never fills with out-of-order pieces so far that data at the read offset
// cannot get in.
BOOST_AUTO_TEST_CASE(in_order_data_always_finds_room) {
    CountingOwner owner;
    const Bytes b(10, 2);
    StreamReceive s(owner);
    bool kept = false;
    for (size_t i = 0; i < 2 * StreamReceive::kMaxPieces; ++i) {
        BOOST_REQUIRE(s.on_data(20 * (i + 1), b, false, nullptr, kept) == TransportError::no_error);
    }
    BOOST_TEST(owner.live() == int(StreamReceive::kMaxPieces - 1));
    BOOST_TEST(s.on_data(0, b, false, nullptr, kept) == TransportError::no_error);
    BOOST_TEST(kept);
    BOOST_TEST(s.readable_bytes() == 10u);
}

// RFC 9000 §4.5: each contradiction of the final size is FINAL_SIZE_ERROR.
BOOST_AUTO_TEST_CASE(the_final_size_is_enforced) {
    CountingOwner owner;
    const Bytes b(100, 1);
    bool kept = false;
    {
        StreamReceive s(owner);
        BOOST_TEST(s.on_data(0, b, true, nullptr, kept) == TransportError::no_error);
        BOOST_TEST(s.final_size() == 100u);
        BOOST_TEST((s.state() == RecvState::data_recvd));
        BOOST_TEST(s.on_data(50, b, false, nullptr, kept) == TransportError::final_size_error);  // past it
        BOOST_TEST(s.on_data(0, std::span(b).first(50), true, nullptr, kept) == TransportError::final_size_error);
        BOOST_TEST(s.on_reset(120, 7) == TransportError::final_size_error);
    }
    {
        StreamReceive s(owner);
        BOOST_TEST(s.on_data(200, b, false, nullptr, kept) == TransportError::no_error);
        BOOST_TEST(s.on_data(0, b, true, nullptr, kept) == TransportError::final_size_error);  // below 300
        BOOST_TEST(s.on_reset(250, 7) == TransportError::final_size_error);
        BOOST_TEST(s.on_reset(300, 7) == TransportError::no_error);
        BOOST_TEST((s.state() == RecvState::reset_recvd));
        BOOST_TEST(s.reset_error() == 7u);
        BOOST_TEST(owner.live() == 0);  // the reset freed what was held
        BOOST_TEST(s.on_data(0, b, false, nullptr, kept) == TransportError::no_error);  // ignored
        BOOST_TEST(s.readable_bytes() == 0u);
    }
}

// A piece table that is full drops the frame (kept false) rather than grow; nothing leaks,
// and the flow-control count still sees the offset.
BOOST_AUTO_TEST_CASE(too_many_gaps_drop_the_frame) {
    CountingOwner owner;
    const Bytes b(10, 2);
    Bytes backing;
    StreamReceive s(owner);
    bool kept = false;
    for (size_t i = 0; i + 1 < StreamReceive::kMaxPieces; ++i) {
        BOOST_REQUIRE(s.on_data(20 * (i + 1), b, false, &backing, kept) == TransportError::no_error);
        BOOST_REQUIRE(kept);
    }
    const uint64_t beyond = 20 * (StreamReceive::kMaxPieces + 10);
    BOOST_TEST(s.on_data(beyond, b, false, &backing, kept) == TransportError::no_error);
    BOOST_TEST(!kept);
    BOOST_TEST(owner.live() == int(StreamReceive::kMaxPieces - 1));
    BOOST_TEST(s.highest_received() == beyond + 10);
}

BOOST_AUTO_TEST_SUITE_END()
