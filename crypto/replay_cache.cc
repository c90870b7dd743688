#include "crypto/replay_cache.h"

namespace slip::crypto {

void ReplayCache::expire(time_t now) {
    while (!m_order.empty() && m_order.front().expires <= now) {
        m_keys.erase(m_order.front().key);
        m_order.pop_front();
    }
}

ReplayCache::Verdict ReplayCache::insert(std::span<const uint8_t> key, time_t expires, time_t now) {
    expire(now);
    std::string k(reinterpret_cast<const char*>(key.data()), key.size());
    if (m_keys.contains(k)) {
        return Verdict::replay;
    }
    if (m_keys.size() >= m_capacity) {
        return Verdict::full;
    }
    m_keys.insert(k);
    m_order.push_back({expires, std::move(k)});
    return Verdict::fresh;
}

}  // namespace slip::crypto
