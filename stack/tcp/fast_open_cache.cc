#include "stack/tcp/fast_open_cache.h"

#include <algorithm>
#include <cstring>

namespace slip::stack::tcp {
namespace {

uint64_t mix(uint64_t x) {
    // splitmix64's finaliser: spreads every address bit over the bucket index.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t address_hash(const Ipv6Addr& a, uint64_t seed) {
    uint64_t w[2];
    std::memcpy(w, a.bytes.data(), sizeof w);
    return mix(w[0] ^ seed) ^ mix(w[1] + seed);
}

}  // namespace

FastOpenCache::FastOpenCache(uint32_t entries, uint64_t seed) : m_seed(seed) {
    if (entries == 0) {
        return;
    }
    uint32_t n = kWays;
    while (n < entries && n < (1u << 24)) {
        n <<= 1;
    }
    m_entries.resize(n);
    m_bucket_mask = n / kWays - 1;
}

FastOpenCache::Entry* FastOpenCache::bucket(const Ipv6Addr& server) {
    return const_cast<Entry*>(std::as_const(*this).bucket(server));
}

const FastOpenCache::Entry* FastOpenCache::bucket(const Ipv6Addr& server) const {
    if (m_entries.empty()) {
        return nullptr;
    }
    const uint32_t index = uint32_t(address_hash(server, m_seed)) & m_bucket_mask;
    return &m_entries[size_t(index) * kWays];
}

const FastOpenCookie* FastOpenCache::find(const Ipv6Addr& server) const {
    const Entry* b = bucket(server);
    for (uint32_t i = 0; b != nullptr && i < kWays; ++i) {
        if (b[i].cookie.len != 0 && b[i].server == server) {
            return &b[i].cookie;
        }
    }
    return nullptr;
}

void FastOpenCache::store(const Ipv6Addr& server, std::span<const uint8_t> cookie, uint16_t server_mss) {
    Entry* b = bucket(server);
    if (b == nullptr || cookie.size() < 4 || cookie.size() > kMaxTfoCookieLen) {
        return;
    }
    // The entry already held for this server, else a free way, else the older one.
    Entry* slot = nullptr;
    for (uint32_t i = 0; i < kWays && slot == nullptr; ++i) {
        if (b[i].cookie.len != 0 && b[i].server == server) {
            slot = &b[i];
        }
    }
    for (uint32_t i = 0; i < kWays && slot == nullptr; ++i) {
        if (b[i].cookie.len == 0) {
            slot = &b[i];
            ++m_size;
        }
    }
    if (slot == nullptr) {
        slot = int32_t(b[0].stamp - b[1].stamp) <= 0 ? &b[0] : &b[1];
    }
    slot->server = server;
    slot->cookie.len = uint8_t(cookie.size());
    std::copy(cookie.begin(), cookie.end(), slot->cookie.bytes.begin());
    slot->cookie.server_mss = server_mss;
    slot->stamp = ++m_stamp;
}

void FastOpenCache::forget(const Ipv6Addr& server) {
    Entry* b = bucket(server);
    for (uint32_t i = 0; b != nullptr && i < kWays; ++i) {
        if (b[i].cookie.len != 0 && b[i].server == server) {
            b[i].cookie.len = 0;
            --m_size;
        }
    }
}

}  // namespace slip::stack::tcp
