#include "stack/tcp/timer_wheel.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "stack/base/rng.h"
#include "tests/support/print.h"

using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

// Drives a wheel the way the TCP layer does: observe every call, expire when due.
struct Driver {
    TimerWheel wheel{64};
    Driver() { wheel.observe(Instant{3'000'000'000ull}); }  // the layer observes before it schedules
    std::map<uint32_t, Instant> fired;
    void poll(Instant now) {
        wheel.observe(now);
        if (wheel.next_check() <= now) {
            uint32_t out[4];
            for (;;) {
                const uint32_t n = wheel.expire(now, out);
                for (uint32_t i = 0; i < n; ++i) {
                    fired[out[i]] = now;
                }
                if (n < 4) {
                    break;
                }
            }
        }
    }
};

Instant at_us(uint64_t us) {
    return Instant{3'000'000'000ull + us * 1000};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(timer_wheel)

BOOST_AUTO_TEST_CASE(fires_within_a_millisecond_of_its_deadline) {
    Driver d;
    d.wheel.schedule(1, at_us(10'000));
    d.wheel.schedule(2, at_us(2'500));
    for (uint64_t us = 0; us < 20'000; us += 50) {
        d.poll(at_us(us));
    }
    BOOST_REQUIRE(d.fired.count(1) == 1u);
    BOOST_REQUIRE(d.fired.count(2) == 1u);
    BOOST_TEST(d.fired[1] >= at_us(10'000));
    BOOST_TEST(d.fired[1] <= at_us(11'050));
    BOOST_TEST(d.fired[2] <= at_us(3'550));
    BOOST_TEST(d.wheel.empty());
}

// The bug this guards against: a deadline later in the same millisecond as the slot being
// swept stayed in that slot and fired only when the wheel came round, 4 s late.
BOOST_AUTO_TEST_CASE(rescheduled_within_the_millisecond_still_fires_on_time) {
    Driver d;
    d.wheel.schedule(0, at_us(60'000'000));  // a TIME-WAIT parked beyond the span
    for (uint64_t us = 0; us < 1000; us += 50) {
        d.wheel.schedule(1, at_us(us + 10'000));  // re-armed on every ACK
        d.poll(at_us(us));
    }
    for (uint64_t us = 1000; us < 6'000'000; us += 50) {
        d.poll(at_us(us));
        if (d.fired.count(1)) {
            break;
        }
    }
    BOOST_REQUIRE(d.fired.count(1) == 1u);
    BOOST_TEST(d.fired[1] <= at_us(10'950 + 1000));
    BOOST_TEST(d.fired.count(0) == 0u);
}

BOOST_AUTO_TEST_CASE(beyond_the_span_and_cancelled) {
    Driver d;
    d.wheel.schedule(3, at_us(9'000'000));  // 9 s: more than two turns of the wheel
    d.wheel.schedule(4, at_us(5'000));
    d.wheel.cancel(4);
    for (uint64_t us = 0; us < 10'000'000; us += 500) {
        d.poll(at_us(us));
    }
    BOOST_REQUIRE(d.fired.count(3) == 1u);
    BOOST_TEST(d.fired[3] >= at_us(9'000'000));
    BOOST_TEST(d.fired[3] <= at_us(9'001'500));
    BOOST_TEST(d.fired.count(4) == 0u);
}

BOOST_AUTO_TEST_CASE(random_schedules_fire_once_on_time) {
    Driver d;
    Rng rng(5);
    std::map<uint32_t, Instant> due;
    for (uint64_t us = 0; us < 12'000'000; us += 100) {
        if (rng.chance(0.01)) {
            const uint32_t id = uint32_t(rng.below(64));
            const Instant when = at_us(us + rng.below(6'000'000));
            d.wheel.schedule(id, when);
            due[id] = when;
            d.fired.erase(id);
        }
        d.poll(at_us(us));
        for (auto it = due.begin(); it != due.end();) {
            if (d.fired.count(it->first)) {
                BOOST_TEST(d.fired[it->first] >= it->second);
                BOOST_TEST(d.fired[it->first] <= it->second + Duration::microseconds(1100));
                it = due.erase(it);
            } else {
                ++it;
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
