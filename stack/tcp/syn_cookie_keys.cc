#include "stack/tcp/syn_cookie_keys.h"

namespace slip::stack::tcp {

bool SynCookieKeys::init() {
    crypto::SipKey offset;
    if (!offset.randomize() || !m_keys[0].randomize()) {
        return false;
    }
    m_keys[kSlots - 1] = m_keys[0];  // no previous key yet: the current one twice
    m_ts_offset = uint32_t(offset.k0);
    m_generation.store(0, std::memory_order_release);
    return true;
}

bool SynCookieKeys::rotate() {
    const uint64_t g = m_generation.load(std::memory_order_relaxed);
    crypto::SipKey next;
    if (!next.randomize()) {
        return false;
    }
    m_keys[(g + 1) % kSlots] = next;
    m_generation.store(g + 1, std::memory_order_release);
    return true;
}

}  // namespace slip::stack::tcp
