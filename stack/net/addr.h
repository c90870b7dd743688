#pragma once
// Link and network addresses as value types, in network byte order.
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace slip::stack {

struct MacAddr {
    std::array<uint8_t, 6> bytes{};

    static constexpr MacAddr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    bool is_broadcast() const { return *this == broadcast(); }
    bool is_multicast() const { return (bytes[0] & 1) != 0; }
    bool is_zero() const { return *this == MacAddr{}; }
    auto operator<=>(const MacAddr&) const = default;
    // Equality is on the hot path (every frame's destination): two integer loads instead
    // of the memcmp call the defaulted comparison becomes.
    bool operator==(const MacAddr& o) const {
        uint32_t a0;
        uint32_t b0;
        uint16_t a1;
        uint16_t b1;
        std::memcpy(&a0, bytes.data(), 4);
        std::memcpy(&b0, o.bytes.data(), 4);
        std::memcpy(&a1, bytes.data() + 4, 2);
        std::memcpy(&b1, o.bytes.data() + 4, 2);
        return a0 == b0 && a1 == b1;
    }

    static std::optional<MacAddr> parse(std::string_view text);
    std::string to_string() const;
};

// IPv4 address; `value` holds the address in host order so prefixes and comparisons
// are plain integer operations. Converted at the wire boundary only.
struct Ipv4Addr {
    uint32_t value = 0;

    static constexpr Ipv4Addr from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return {(uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | d};
    }
    bool is_multicast() const { return (value >> 28) == 0xe; }
    bool is_limited_broadcast() const { return value == 0xffffffffu; }
    bool is_unspecified() const { return value == 0; }
    auto operator<=>(const Ipv4Addr&) const = default;

    static std::optional<Ipv4Addr> parse(std::string_view text);
    std::string to_string() const;
};

struct Ipv6Addr {
    std::array<uint8_t, 16> bytes{};

    bool is_multicast() const { return bytes[0] == 0xff; }
    bool is_unspecified() const { return *this == Ipv6Addr{}; }
    bool is_link_local() const { return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80; }
    auto operator<=>(const Ipv6Addr&) const = default;
    bool operator==(const Ipv6Addr& o) const {
        uint64_t a[2];
        uint64_t b[2];
        std::memcpy(a, bytes.data(), 16);
        std::memcpy(b, o.bytes.data(), 16);
        return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
    }

    // ff02::1:ffXX:XXXX, RFC 4291 §2.7.1.
    Ipv6Addr solicited_node() const;
    // 33:33 followed by the low 32 bits of a multicast group, RFC 2464 §7.
    MacAddr multicast_mac() const;
    static Ipv6Addr all_nodes();
    // fe80::/64 with a modified EUI-64 interface identifier, RFC 4291 Appendix A.
    static Ipv6Addr link_local_from_mac(const MacAddr& mac);
    // ::ffff:a.b.c.d, used to key IPv4 neighbors in the shared neighbor table.
    static Ipv6Addr v4_mapped(Ipv4Addr v4);
    bool is_v4_mapped() const;
    // The IPv4 address inside a v4-mapped address.
    Ipv4Addr mapped_v4() const {
        return {(uint32_t(bytes[12]) << 24) | (uint32_t(bytes[13]) << 16) | (uint32_t(bytes[14]) << 8) | bytes[15]};
    }

    static std::optional<Ipv6Addr> parse(std::string_view text);
    std::string to_string() const;
};

struct Ipv4Prefix {
    Ipv4Addr addr;
    uint8_t length = 0;

    uint32_t mask() const { return length == 0 ? 0 : ~uint32_t(0) << (32 - length); }
    bool contains(Ipv4Addr a) const { return (a.value & mask()) == (addr.value & mask()); }
    Ipv4Addr subnet_broadcast() const { return {addr.value | ~mask()}; }

    // "10.0.0.2/24"
    static std::optional<Ipv4Prefix> parse(std::string_view text);
    std::string to_string() const;
};

struct Ipv6Prefix {
    Ipv6Addr addr;
    uint8_t length = 0;

    bool contains(const Ipv6Addr& a) const;
    static std::optional<Ipv6Prefix> parse(std::string_view text);
    std::string to_string() const;
};

}  // namespace slip::stack
