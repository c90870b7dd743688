#pragma once
// The SYN cookie key set (RFC 4987 §3.6) shared by every queue's TcpLayer and by the
// engine's XDP program, which answers SYNs with cookies the queues must accept on the final
// ACK whichever of them receives it. The key is rotated (a key that stays forever lets an
// attacker who learned a cookie's MAC bits reuse them); the previous key stays valid for one
// rotation, so a cookie sent just before a rotation still completes.
//
// One writer (the engine's control thread: rotate) and many readers (the polling loops):
// three slots, so the slot being rewritten is never the current or the previous one while a
// reader is between loading the generation and reading the key.
#include <array>
#include <atomic>
#include <cstdint>

#include "crypto/siphash.h"

namespace slip::stack::tcp {

class SynCookieKeys {
public:
    // Draws the first key and the timestamp offset; false when the random generator failed.
    bool init();
    // A new current key; the old current becomes the previous one. False on failure (the
    // keys are left as they were).
    bool rotate();
    crypto::SipKey current() const { return m_keys[m_generation.load(std::memory_order_acquire) % kSlots]; }
    crypto::SipKey previous() const {
        const uint64_t g = m_generation.load(std::memory_order_acquire);
        return m_keys[(g + kSlots - 1) % kSlots];
    }
    // RFC 7323 §5.4: one random TSval offset for every queue and the XDP program, so the
    // TSval of a cookie SYN-ACK from XDP and the engine's later segments are one clock.
    uint32_t ts_offset() const { return m_ts_offset; }

private:
    static constexpr uint64_t kSlots = 3;
    std::array<crypto::SipKey, kSlots> m_keys{};
    std::atomic<uint64_t> m_generation{0};
    uint32_t m_ts_offset = 0;
};

}  // namespace slip::stack::tcp
