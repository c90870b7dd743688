#pragma once
// A QUIC connection ID held by value (RFC 9000 §5.1): 0 to 20 bytes in version 1. Parsed
// headers refer to the datagram's bytes instead (spans); an endpoint keeps this form.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace slip::stack::quic {

inline constexpr size_t kMaxConnectionIdLength = 20;  // RFC 9000 §17.2, version 1

class ConnectionId {
public:
    constexpr ConnectionId() = default;
    // False (and empty) when `bytes` is longer than 20.
    static bool from(std::span<const uint8_t> bytes, ConnectionId& out) {
        if (bytes.size() > kMaxConnectionIdLength) {
            out = {};
            return false;
        }
        out.m_len = uint8_t(bytes.size());
        std::copy(bytes.begin(), bytes.end(), out.m_bytes.begin());
        return true;
    }
    std::span<const uint8_t> span() const { return {m_bytes.data(), m_len}; }
    size_t size() const { return m_len; }
    bool empty() const { return m_len == 0; }
    bool operator==(const ConnectionId& o) const { return std::ranges::equal(span(), o.span()); }
    bool operator==(std::span<const uint8_t> o) const { return std::ranges::equal(span(), o); }

private:
    std::array<uint8_t, kMaxConnectionIdLength> m_bytes{};
    uint8_t m_len = 0;
};

}  // namespace slip::stack::quic
