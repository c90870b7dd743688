#pragma once
// ICMP for IPv4 (RFC 792): echo and destination-unreachable.
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"

namespace slip::stack {

inline constexpr size_t kIcmpHeaderLen = 8;

enum class IcmpType : uint8_t {
    echo_reply = 0,
    dest_unreachable = 3,
    echo_request = 8,
};

inline constexpr uint8_t kIcmpCodePortUnreachable = 3;

struct IcmpHeader {
    uint8_t type = 0;
    uint8_t code = 0;
};

// Length and checksum over the whole message (RFC 792: checksum covers the ICMP message).
Parsed<IcmpHeader> parse_icmp(const uint8_t* p, size_t len, bool checksum_verified = false);
// Rewrites an echo request into its reply in place: type 8 -> 0, checksum adjusted
// incrementally (RFC 1624) so the payload is not read again.
void echo_request_to_reply(uint8_t* p);
// Writes a destination-unreachable header in front of `quoted_len` bytes already at
// p + 8, and the checksum over all of it.
void write_icmp_unreachable(uint8_t* p, uint8_t code, size_t quoted_len);

}  // namespace slip::stack
