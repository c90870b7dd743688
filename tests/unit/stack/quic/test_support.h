#pragma once
// For the QUIC suites: hex strings to bytes (RFC examples are given in hex), and printing
// the wire types in failure messages.
#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

#include "stack/quic/error_code.h"
#include "stack/quic/frame.h"
#include "stack/quic/packet_header.h"

namespace slip::test {

inline std::vector<uint8_t> hex(std::string_view s) {
    std::vector<uint8_t> out;
    const auto nibble = [](char c) { return uint8_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); };
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
        out.push_back(uint8_t(nibble(s[i]) << 4 | nibble(s[i + 1])));
    }
    return out;
}

}  // namespace slip::test

namespace slip::stack::quic {

inline std::ostream& operator<<(std::ostream& os, PacketType t) { return os << to_string(t); }
inline std::ostream& operator<<(std::ostream& os, FrameType t) { return os << to_string(t); }
inline std::ostream& operator<<(std::ostream& os, TransportError e) { return os << to_string(e); }
inline std::ostream& operator<<(std::ostream& os, HeaderStatus s) {
    return os << (s == HeaderStatus::ok ? "ok" : s == HeaderStatus::malformed ? "malformed" : "unknown_version");
}

}  // namespace slip::stack::quic
