#pragma once
// The content of GET /bytes/N over HTTP/3: the engine's pattern (RFC 864's rotating
// printable lines, 72 characters and CRLF, as the HTTP/1.1 server's /bytes/N), from one
// static block of whole lines that repeats, so any length is sent by reference to it and
// nothing is made per request.
#include <cstdint>
#include <span>

namespace slip::apps::http3 {

class PatternBody {
public:
    static constexpr uint64_t kLine = 74;
    static constexpr uint64_t kLength = kLine * 885;  // whole lines, just under 64 KiB

    // The bytes from `offset` on, at most `max` of them, up to the block's end.
    static std::span<const uint8_t> at(uint64_t offset, uint64_t max);
    // The pattern's byte at `offset` (what a client checks against).
    static uint8_t byte_at(uint64_t offset);
};

}  // namespace slip::apps::http3
