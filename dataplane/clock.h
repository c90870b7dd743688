#pragma once
// The dataplane's clock: the TSC, converted to the stack's nanosecond Instant.
// The stack never reads a clock; the poll loop reads this once per iteration.
#include <rte_cycles.h>

#include <cstdint>

#include "stack/base/instant.h"

namespace slip::dataplane {

class TscClock {
public:
    TscClock() : m_start(rte_rdtsc()) {
        // ns = cycles * mult >> 32, exact enough (error < 1 ppm) and division-free.
        const uint64_t hz = rte_get_tsc_hz();
        m_mult = hz == 0 ? (uint64_t(1) << 32) : static_cast<uint64_t>((1'000'000'000.0 * 4294967296.0) / double(hz));
    }
    stack::Instant now() const {
        const uint64_t cycles = rte_rdtsc() - m_start;
        __extension__ using U128 = unsigned __int128;
        return {static_cast<uint64_t>((static_cast<U128>(cycles) * m_mult) >> 32)};
    }

private:
    uint64_t m_start;
    uint64_t m_mult;
};

}  // namespace slip::dataplane
