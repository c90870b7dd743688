#include "stack/tcp/timer_wheel.h"

namespace slip::stack::tcp {

TimerWheel::TimerWheel(uint32_t entries)
    : m_deadline(entries, Instant::never()),
      m_next(entries, kNone),
      m_prev(entries, kNone),
      m_slot_of(entries, kNone),
      m_heads(kSlots, kNone) {}

void TimerWheel::link(uint32_t id, uint64_t tick) {
    // Beyond the span: park at the span's last slot; expire() re-files it from there.
    if (tick > m_current_tick + kSlots - 1) {
        tick = m_current_tick + kSlots - 1;
    }
    const uint32_t slot = uint32_t(tick % kSlots);
    m_slot_of[id] = slot;
    m_prev[id] = kNone;
    m_next[id] = m_heads[slot];
    if (m_heads[slot] != kNone) {
        m_prev[m_heads[slot]] = id;
    }
    m_heads[slot] = id;
    ++m_count;
}

void TimerWheel::unlink(uint32_t id) {
    const uint32_t slot = m_slot_of[id];
    if (slot == kNone) {
        return;
    }
    if (m_prev[id] != kNone) {
        m_next[m_prev[id]] = m_next[id];
    } else {
        m_heads[slot] = m_next[id];
    }
    if (m_next[id] != kNone) {
        m_prev[m_next[id]] = m_prev[id];
    }
    m_slot_of[id] = kNone;
    --m_count;
}

void TimerWheel::schedule(uint32_t id, Instant deadline) {
    unlink(id);
    m_deadline[id] = deadline;
    if (deadline == Instant::never()) {
        return;
    }
    if (!m_started) {
        m_current_tick = tick_of(deadline);
        m_started = true;
    }
    // A deadline already due goes into the current slot: the next expire() sees it.
    const uint64_t tick = tick_of(deadline);
    link(id, tick < m_current_tick ? m_current_tick : tick);
}

Instant TimerWheel::next_check() const {
    if (m_count == 0) {
        return Instant::never();
    }
    return Instant{m_current_tick * 1'000'000};
}

uint32_t TimerWheel::expire(Instant now, std::span<uint32_t> out) {
    uint32_t n = 0;
    const uint64_t now_tick = tick_of(now);
    while (m_count > 0 && m_current_tick <= now_tick) {
        const uint32_t slot = uint32_t(m_current_tick % kSlots);
        uint32_t id = m_heads[slot];
        while (id != kNone) {
            const uint32_t next = m_next[id];
            if (m_deadline[id] <= now) {
                if (n == out.size()) {
                    return n;  // the caller comes back for the rest of this slot
                }
                unlink(id);
                m_deadline[id] = Instant::never();
                out[n++] = id;
            } else {
                // Not due yet: parked from beyond the span, or due later within this very
                // millisecond. The wheel moves past this slot, so it moves on too.
                unlink(id);
                link(id, tick_of(m_deadline[id]) < m_current_tick + 1 ? m_current_tick + 1 : tick_of(m_deadline[id]));
            }
            id = next;
        }
        // Deadlines filed later within this millisecond land in the next slot (schedule()
        // never files before m_current_tick): they fire at most 1 ms late.
        ++m_current_tick;
    }
    return n;
}

}  // namespace slip::stack::tcp
