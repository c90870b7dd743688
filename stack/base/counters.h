#pragma once
// Per-core counters: one slot per drop reason and per event, generated from
// drop_reasons.def and events.def so the enum, its name and its slot never disagree.
#include <array>
#include <cstdint>
#include <string_view>

namespace slip::stack {

enum class DropReason : uint16_t {
#define SLIP_DROP(id, text) id,
#include "stack/base/drop_reasons.def"
#undef SLIP_DROP
    count_
};

enum class Event : uint16_t {
#define SLIP_EVENT(id, text) id,
#include "stack/base/events.def"
#undef SLIP_EVENT
    count_
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::count_);
inline constexpr size_t kEventCount = static_cast<size_t>(Event::count_);

std::string_view drop_reason_name(DropReason r);
std::string_view drop_reason_text(DropReason r);
std::string_view event_name(Event e);
std::string_view event_text(Event e);

struct Counters {
    std::array<uint64_t, kDropReasonCount> drops{};
    std::array<uint64_t, kEventCount> events{};

    void drop(DropReason r, uint64_t n = 1) { drops[static_cast<size_t>(r)] += n; }
    void count(Event e, uint64_t n = 1) { events[static_cast<size_t>(e)] += n; }
    uint64_t operator[](DropReason r) const { return drops[static_cast<size_t>(r)]; }
    uint64_t operator[](Event e) const { return events[static_cast<size_t>(e)]; }
    uint64_t total_drops() const;
    Counters& operator+=(const Counters& o);
};

}  // namespace slip::stack
