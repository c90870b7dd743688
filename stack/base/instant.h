#pragma once
// Time as the stack sees it: a monotonic nanosecond count handed in by the caller.
// The stack never reads a clock (sans-I/O): the dataplane passes TSC-derived time,
// tests pass a virtual clock.
#include <compare>
#include <cstdint>

namespace slip::stack {

struct Duration {
    int64_t ns = 0;

    static constexpr Duration nanoseconds(int64_t v) { return {v}; }
    static constexpr Duration microseconds(int64_t v) { return {v * 1000}; }
    static constexpr Duration milliseconds(int64_t v) { return {v * 1000 * 1000}; }
    static constexpr Duration seconds(int64_t v) { return {v * 1000 * 1000 * 1000}; }
    constexpr auto operator<=>(const Duration&) const = default;
    constexpr Duration operator+(Duration o) const { return {ns + o.ns}; }
    constexpr Duration operator*(int64_t k) const { return {ns * k}; }
};

struct Instant {
    uint64_t ns = 0;

    // A deadline that never fires: the "no timer armed" value of next_deadline().
    static constexpr Instant never() { return {UINT64_MAX}; }
    constexpr auto operator<=>(const Instant&) const = default;
    constexpr Instant operator+(Duration d) const {
        if (ns == UINT64_MAX) {
            return never();
        }
        return {ns + static_cast<uint64_t>(d.ns)};
    }
    constexpr Duration operator-(Instant o) const { return {static_cast<int64_t>(ns - o.ns)}; }
};

constexpr Instant earliest(Instant a, Instant b) { return a < b ? a : b; }

}  // namespace slip::stack
