#pragma once
// The server's memory of ClientHellos that carried 0-RTT (RFC 8446 §8.2, "ClientHello
// recording"): GnuTLS asks, for every 0-RTT attempt inside its anti-replay window, whether the
// same key (derived from the PSK binder) was seen; a second sighting refuses the early data.
//
// Bounded: at most `capacity` keys. Keys leave in arrival order once their expiry has passed
// (GnuTLS hands the expiry with each key: arrival + window, so arrival order is expiry order).
// A full cache with nothing expired refuses the newcomer instead of forgetting an older key:
// refusing 0-RTT costs one round trip, forgetting would let a replay in.
// Handshake work, not the packet path: it allocates.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <deque>
#include <span>
#include <string>
#include <unordered_set>

namespace slip::crypto {

class ReplayCache {
public:
    enum class Verdict : uint8_t { fresh, replay, full };

    explicit ReplayCache(size_t capacity) : m_capacity(capacity) {}

    // `now` is the caller's notion of the current time in the same unit as `expires`.
    Verdict insert(std::span<const uint8_t> key, time_t expires, time_t now);

    size_t size() const { return m_keys.size(); }
    size_t capacity() const { return m_capacity; }

private:
    void expire(time_t now);

    struct Entry {
        time_t expires;
        std::string key;
    };
    size_t m_capacity;
    std::deque<Entry> m_order;
    std::unordered_set<std::string> m_keys;
};

}  // namespace slip::crypto
