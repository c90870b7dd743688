#include "stack/net/addr.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "stack/base/hex_digit.h"

namespace slip::stack {
namespace {

// Splits "addr/len"; returns false when the length is missing or not a number <= max_len.
bool split_prefix(std::string_view text, std::string_view& addr, uint8_t& length, unsigned max_len) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash + 1 >= text.size()) {
        return false;
    }
    addr = text.substr(0, slash);
    unsigned value = 0;
    for (char c : text.substr(slash + 1)) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + unsigned(c - '0');
        if (value > max_len) {
            return false;
        }
    }
    length = static_cast<uint8_t>(value);
    return true;
}

}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
    // "aa:bb:cc:dd:ee:ff"
    if (text.size() != 17) {
        return std::nullopt;
    }
    MacAddr mac;
    for (size_t i = 0; i < 6; ++i) {
        const int hi = hex_digit(text[i * 3]);
        const int lo = hex_digit(text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
            return std::nullopt;
        }
        mac.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return mac;
}

std::string MacAddr::to_string() const {
    char out[18];
    std::snprintf(out, sizeof out, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                  bytes[4], bytes[5]);
    return out;
}

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
    const std::string s(text);
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) {
        return std::nullopt;
    }
    return Ipv4Addr{ntohl(a.s_addr)};
}

std::string Ipv4Addr::to_string() const {
    char out[INET_ADDRSTRLEN];
    const in_addr a{htonl(value)};
    inet_ntop(AF_INET, &a, out, sizeof out);
    return out;
}

Ipv6Addr Ipv6Addr::solicited_node() const {
    Ipv6Addr g{};
    g.bytes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, bytes[13], bytes[14], bytes[15]};
    return g;
}

MacAddr Ipv6Addr::multicast_mac() const { return {{0x33, 0x33, bytes[12], bytes[13], bytes[14], bytes[15]}}; }

Ipv6Addr Ipv6Addr::all_nodes() {
    Ipv6Addr g{};
    g.bytes[0] = 0xff;
    g.bytes[1] = 0x02;
    g.bytes[15] = 0x01;
    return g;
}

Ipv6Addr Ipv6Addr::link_local_from_mac(const MacAddr& mac) {
    Ipv6Addr a{};
    a.bytes[0] = 0xfe;
    a.bytes[1] = 0x80;
    a.bytes[8] = mac.bytes[0] ^ 0x02;
    a.bytes[9] = mac.bytes[1];
    a.bytes[10] = mac.bytes[2];
    a.bytes[11] = 0xff;
    a.bytes[12] = 0xfe;
    a.bytes[13] = mac.bytes[3];
    a.bytes[14] = mac.bytes[4];
    a.bytes[15] = mac.bytes[5];
    return a;
}

Ipv6Addr Ipv6Addr::v4_mapped(Ipv4Addr v4) {
    // ::ffff:a.b.c.d written as two 8-byte halves: every IPv4 frame sent looks up its next
    // hop by this address, and byte-wise stores reloaded as words stall store forwarding.
    uint8_t low[8] = {0, 0, 0xff, 0xff, uint8_t(v4.value >> 24), uint8_t(v4.value >> 16), uint8_t(v4.value >> 8),
                      uint8_t(v4.value)};
    uint64_t low_word;
    std::memcpy(&low_word, low, 8);
    const uint64_t high_word = 0;
    Ipv6Addr a;
    std::memcpy(a.bytes.data(), &high_word, 8);
    std::memcpy(a.bytes.data() + 8, &low_word, 8);
    return a;
}

bool Ipv6Addr::is_v4_mapped() const {
    for (size_t i = 0; i < 10; ++i) {
        if (bytes[i] != 0) {
            return false;
        }
    }
    return bytes[10] == 0xff && bytes[11] == 0xff;
}

std::optional<Ipv6Addr> Ipv6Addr::parse(std::string_view text) {
    const std::string s(text);
    Ipv6Addr a{};
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) {
        return std::nullopt;
    }
    return a;
}

std::string Ipv6Addr::to_string() const {
    char out[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, bytes.data(), out, sizeof out);
    return out;
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
    std::string_view addr_text;
    uint8_t length = 0;
    if (!split_prefix(text, addr_text, length, 32)) {
        return std::nullopt;
    }
    const auto addr = Ipv4Addr::parse(addr_text);
    if (!addr) {
        return std::nullopt;
    }
    return Ipv4Prefix{*addr, length};
}

std::string Ipv4Prefix::to_string() const { return addr.to_string() + "/" + std::to_string(length); }

bool Ipv6Prefix::contains(const Ipv6Addr& a) const {
    const unsigned full = length / 8;
    if (std::memcmp(a.bytes.data(), addr.bytes.data(), full) != 0) {
        return false;
    }
    const unsigned rest = length % 8;
    if (rest == 0) {
        return true;
    }
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
}

std::optional<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
    std::string_view addr_text;
    uint8_t length = 0;
    if (!split_prefix(text, addr_text, length, 128)) {
        return std::nullopt;
    }
    const auto addr = Ipv6Addr::parse(addr_text);
    if (!addr) {
        return std::nullopt;
    }
    return Ipv6Prefix{*addr, length};
}

std::string Ipv6Prefix::to_string() const { return addr.to_string() + "/" + std::to_string(length); }

}  // namespace slip::stack
