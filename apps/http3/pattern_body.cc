#include "apps/http3/pattern_body.h"

#include <algorithm>
#include <array>

namespace slip::apps::http3 {

namespace {

constexpr uint8_t make_byte(uint64_t i) {
    const uint64_t line = i / PatternBody::kLine;
    const uint64_t col = i % PatternBody::kLine;
    return col == 72 ? '\r' : col == 73 ? '\n' : uint8_t(' ' + 1 + (line + col) % 94);
}

constexpr std::array<uint8_t, PatternBody::kLength> make_block() {
    std::array<uint8_t, PatternBody::kLength> b{};
    for (uint64_t i = 0; i < b.size(); ++i) {
        b[i] = make_byte(i);
    }
    return b;
}

// Made at compile time: read-only data, shared by every session.
constexpr std::array<uint8_t, PatternBody::kLength> kBlock = make_block();

}  // namespace

std::span<const uint8_t> PatternBody::at(uint64_t offset, uint64_t max) {
    const uint64_t at = offset % kLength;
    return std::span(kBlock).subspan(at, std::min(max, kLength - at));
}

uint8_t PatternBody::byte_at(uint64_t offset) { return make_byte(offset % kLength); }

}  // namespace slip::apps::http3
