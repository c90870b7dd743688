#include "stack/base/counters.h"

namespace slip::stack {
namespace {

struct Names {
    std::string_view id;
    std::string_view text;
};

constexpr Names kDropNames[] = {
#define SLIP_DROP(id, text) {#id, text},
#include "stack/base/drop_reasons.def"
#undef SLIP_DROP
};

constexpr Names kEventNames[] = {
#define SLIP_EVENT(id, text) {#id, text},
#include "stack/base/events.def"
#undef SLIP_EVENT
};

static_assert(std::size(kDropNames) == kDropReasonCount);
static_assert(std::size(kEventNames) == kEventCount);

}  // namespace

std::string_view drop_reason_name(DropReason r) { return kDropNames[static_cast<size_t>(r)].id; }
std::string_view drop_reason_text(DropReason r) { return kDropNames[static_cast<size_t>(r)].text; }
std::string_view event_name(Event e) { return kEventNames[static_cast<size_t>(e)].id; }
std::string_view event_text(Event e) { return kEventNames[static_cast<size_t>(e)].text; }

uint64_t Counters::total_drops() const {
    uint64_t sum = 0;
    for (uint64_t v : drops) {
        sum += v;
    }
    return sum;
}

Counters& Counters::operator+=(const Counters& o) {
    for (size_t i = 0; i < drops.size(); ++i) {
        drops[i] += o.drops[i];
    }
    for (size_t i = 0; i < events.size(); ++i) {
        events[i] += o.events[i];
    }
    return *this;
}

}  // namespace slip::stack
