#include "dataplane/spsc_ring.h"

#include <boost/test/unit_test.hpp>

#include <array>
#include <thread>
#include <vector>

using slip::dataplane::SpscRing;

namespace {

// The shape of an event between a polling core and a worker: a handle, a kind, a count.
struct Event {
    uint32_t index;
    uint32_t generation;
    uint32_t kind;
    uint32_t bytes;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(spsc_ring)

BOOST_AUTO_TEST_CASE(capacity_is_a_power_of_two) {
    BOOST_TEST(SpscRing<int>(0).capacity() == 2u);
    BOOST_TEST(SpscRing<int>(5).capacity() == 8u);
    BOOST_TEST(SpscRing<int>(64).capacity() == 64u);
    BOOST_TEST(SpscRing<int>(65).capacity() == 128u);
}

BOOST_AUTO_TEST_CASE(empty_ring_gives_nothing) {
    SpscRing<int> ring(8);
    std::array<int, 4> out{};
    BOOST_TEST(ring.empty());
    BOOST_TEST(ring.dequeue_burst(out) == 0u);
    BOOST_TEST(ring.dequeue_burst(std::span<int>()) == 0u);
}

BOOST_AUTO_TEST_CASE(full_ring_takes_what_fits_and_says_so) {
    SpscRing<int> ring(8);
    const std::array<int, 5> a{1, 2, 3, 4, 5};
    BOOST_TEST(ring.enqueue_burst(a) == 5u);
    BOOST_TEST(ring.enqueue_burst(a) == 3u);  // partial: 3 slots were left
    BOOST_TEST(ring.size() == 8u);
    BOOST_TEST(ring.enqueue_burst(a) == 0u);  // full: nothing taken, nothing blocks
    std::array<int, 8> out{};
    BOOST_TEST(ring.dequeue_burst(out) == 8u);
    const std::array<int, 8> want{1, 2, 3, 4, 5, 1, 2, 3};
    BOOST_TEST(out == want);
    BOOST_TEST(ring.empty());
}

BOOST_AUTO_TEST_CASE(indices_wrap_around_the_slots_and_the_counter) {
    // Many times round the 8 slots, with bursts that straddle the end of the slot array.
    SpscRing<uint32_t> ring(8);
    uint32_t next_in = 0, next_out = 0;
    for (int step = 0; step < 10000; ++step) {
        std::array<uint32_t, 5> in{};
        for (auto& v : in) {
            v = next_in++;
        }
        const uint32_t taken = ring.enqueue_burst(in);
        next_in -= uint32_t(in.size()) - taken;
        std::array<uint32_t, 3> out{};
        const uint32_t got = ring.dequeue_burst(out);
        for (uint32_t i = 0; i < got; ++i) {
            BOOST_REQUIRE(out[i] == next_out++);
        }
        BOOST_REQUIRE(ring.size() <= ring.capacity());
    }
    BOOST_TEST(next_out > 20000u);
}

BOOST_AUTO_TEST_CASE(free_running_indices_survive_the_32_bit_wrap) {
    // Indices that start 5 short of 2^32: fill levels, partial bursts and order stay right
    // while head and tail cross the wrap at different moments.
    SpscRing<uint32_t> ring(8, 0xffff'fffbu);
    std::array<uint32_t, 6> in{0, 1, 2, 3, 4, 5};
    BOOST_TEST(ring.enqueue_burst(in) == 6u);  // head crosses 2^32
    BOOST_TEST(ring.size() == 6u);
    BOOST_TEST(ring.enqueue_burst(in) == 2u);  // full at 8
    std::array<uint32_t, 3> out{};
    BOOST_TEST(ring.dequeue_burst(out) == 3u);  // tail still below 2^32
    BOOST_TEST((out == std::array<uint32_t, 3>{0, 1, 2}));
    BOOST_TEST(ring.size() == 5u);
    BOOST_TEST(ring.enqueue_burst(in) == 3u);
    std::array<uint32_t, 8> rest{};
    BOOST_TEST(ring.dequeue_burst(rest) == 8u);  // tail crosses 2^32
    BOOST_TEST((rest == std::array<uint32_t, 8>{3, 4, 5, 0, 1, 0, 1, 2}));
    BOOST_TEST(ring.empty());
}

BOOST_AUTO_TEST_CASE(two_threads_keep_order_and_lose_nothing) {
    // 10^8 events from one thread to another in bursts of up to 32: every event arrives once,
    // in order, with its payload intact. The consumer checks as it goes.
    constexpr uint64_t kEvents = 100'000'000;
    SpscRing<Event> ring(1024);
    std::thread producer([&] {
        std::array<Event, 32> burst{};
        uint64_t sent = 0;
        while (sent < kEvents) {
            const uint32_t n = uint32_t(std::min<uint64_t>(burst.size(), kEvents - sent));
            for (uint32_t i = 0; i < n; ++i) {
                const uint64_t s = sent + i;
                burst[i] = Event{uint32_t(s), uint32_t(s >> 32), uint32_t(s * 7), uint32_t(s ^ 0x5a5a5a5a)};
            }
            // What was not taken is made again from its number on the next try.
            const uint32_t taken = ring.enqueue_burst(std::span<const Event>(burst.data(), n));
            sent += taken;
            if (taken == 0) {
                std::this_thread::yield();  // the test may share its core with another test
            }
        }
    });
    std::array<Event, 32> out{};
    uint64_t received = 0, errors = 0;
    while (received < kEvents) {
        const uint32_t n = ring.dequeue_burst(out);
        for (uint32_t i = 0; i < n; ++i) {
            const uint64_t s = received + i;
            const Event& e = out[i];
            errors += e.index != uint32_t(s) || e.generation != uint32_t(s >> 32) || e.kind != uint32_t(s * 7) ||
                      e.bytes != uint32_t(s ^ 0x5a5a5a5a);
        }
        received += n;
        if (n == 0) {
            std::this_thread::yield();
        }
    }
    producer.join();
    BOOST_TEST(received == kEvents);
    BOOST_TEST(errors == 0u);
    BOOST_TEST(ring.empty());
}

BOOST_AUTO_TEST_SUITE_END()
