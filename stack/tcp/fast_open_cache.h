#pragma once
// The client side of TCP Fast Open (RFC 7413 §4.1.3): per server address, the cookie the
// server gave us and the MSS it announced, so the next SYN to it can carry data. A fixed
// array of buckets (two ways each) sized at start: a miss only means one more round trip,
// so entries are simply replaced, never chained, and nothing is allocated afterwards.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "stack/net/addr.h"
#include "stack/tcp/tcp_header.h"

namespace slip::stack::tcp {

struct FastOpenCookie {
    uint8_t len = 0;  // 0: none known
    std::array<uint8_t, kMaxTfoCookieLen> bytes{};
    uint16_t server_mss = 0;  // the MSS of the SYN-ACK that brought the cookie (0: none sent)
};

class FastOpenCache {
public:
    // `entries` is rounded up to a power of two (at least 2); 0 disables the cache.
    FastOpenCache(uint32_t entries, uint64_t seed);

    // The cookie for `server`, or nullptr.
    const FastOpenCookie* find(const Ipv6Addr& server) const;
    // Remembers (or replaces) the cookie for `server`; cookies outside 4..16 bytes are
    // not valid (RFC 7413 §4.1.1) and are ignored.
    void store(const Ipv6Addr& server, std::span<const uint8_t> cookie, uint16_t server_mss);
    // The server refused our cookie or stopped offering Fast Open: forget it (RFC 7413 §4.1.3).
    void forget(const Ipv6Addr& server);
    uint32_t size() const { return m_size; }

private:
    struct Entry {
        Ipv6Addr server;
        FastOpenCookie cookie;
        uint32_t stamp = 0;  // insertion order, to replace the older way of a full bucket
    };
    static constexpr uint32_t kWays = 2;
    Entry* bucket(const Ipv6Addr& server);
    const Entry* bucket(const Ipv6Addr& server) const;

    std::vector<Entry> m_entries;
    uint32_t m_bucket_mask = 0;
    uint64_t m_seed;
    uint32_t m_stamp = 0;
    uint32_t m_size = 0;
};

}  // namespace slip::stack::tcp
