#pragma once
// One timer per connection on a hashed wheel of 1 ms slots (Varghese & Lauck, scheme 6).
// A connection keeps its several deadlines (retransmission, delayed ACK, keepalive,
// TIME-WAIT ...) itself and sits in the wheel once, at the earliest of them; moving it is
// O(1) unlink/link through index links. Deadlines beyond the wheel's span park in the
// slot the span ends at and are re-filed when it comes round. No allocation after
// construction; time comes from the caller.
#include <cstdint>
#include <span>
#include <vector>

#include "stack/base/instant.h"

namespace slip::stack::tcp {

class TimerWheel {
public:
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr uint32_t kSlots = 4096;  // 4.096 s of 1 ms slots

    explicit TimerWheel(uint32_t entries);

    // The caller's current time, given at every entry into the layer that owns the wheel
    // (segment input, timer run, API call): an empty wheel restarts its clock from here, so
    // a deadline filed next is never behind a clock left at some older, later deadline.
    void observe(Instant now) {
        if (m_count == 0) {
            m_current_tick = tick_of(now);
            m_started = true;
        }
    }

    // Files entry `id` to fire at `deadline` (replacing any earlier filing); never() unfiles.
    void schedule(uint32_t id, Instant deadline);
    void cancel(uint32_t id) { schedule(id, Instant::never()); }
    Instant deadline_of(uint32_t id) const { return m_deadline[id]; }
    bool empty() const { return m_count == 0; }
    uint32_t size() const { return m_count; }

    // When the caller should call expire() next: the next slot boundary while anything
    // is filed (a slot is checked once per millisecond at most), never() otherwise.
    Instant next_check() const;

    // Writes up to out.size() ids whose deadline is <= now into `out` (unfiling them) and
    // returns how many; call again while it fills `out` completely.
    uint32_t expire(Instant now, std::span<uint32_t> out);

private:
    static uint64_t tick_of(Instant t) { return t.ns / 1'000'000; }
    void link(uint32_t id, uint64_t tick);
    void unlink(uint32_t id);

    std::vector<Instant> m_deadline;
    std::vector<uint32_t> m_next;
    std::vector<uint32_t> m_prev;
    std::vector<uint32_t> m_slot_of;
    std::vector<uint32_t> m_heads;
    uint64_t m_current_tick = 0;  // every slot before this tick has been emptied
    bool m_started = false;
    uint32_t m_count = 0;
};

}  // namespace slip::stack::tcp
