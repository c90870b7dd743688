#include "stack/buf/pattern_source.h"

#include <algorithm>
#include <cstring>

namespace slip::stack {

PatternSource::PatternSource(MbufPool* pool, MbufPool* view_pool, MbufPool* pattern_pool, bool across_cores)
    : m_pool(pool), m_view_pool(view_pool != nullptr ? view_pool : pool) {
    Mbuf* pattern = pattern_pool != nullptr ? buf::alloc(pattern_pool) : nullptr;
    if (pattern == nullptr && pool != nullptr) {
        pattern = buf::alloc(pool);  // one packet buffer's room will do
    }
    if (pattern == nullptr) {
        return;  // ok() is false; make() makes nothing
    }
    // The longer the pattern, the fewer views a bulk stream is made of: a segment then
    // references one view where a 2 KiB pattern needs two for most segments, and the send
    // queue holds one view per 64 KiB instead of one per 2 KiB (fewer buffers to make,
    // walk, checksum across and free for every segment sent).
    m_len = std::min<uint32_t>(UINT16_MAX, rte_pktmbuf_tailroom(pattern));
    uint8_t* p = buf::append(pattern, uint16_t(m_len));
    // RFC 864's rotating printable lines, 72 characters and CRLF: easy to eyeball.
    for (uint32_t i = 0; i < m_len; ++i) {
        const uint32_t line = i / 74;
        const uint32_t col = i % 74;
        p[i] = col == 72 ? '\r' : col == 73 ? '\n' : uint8_t(' ' + 1 + (line + col) % 94);
    }
    m_len -= m_len % 74;  // whole lines only, so the stream repeats seamlessly
    if (across_cores) {
        m_shared = pattern;  // views hold references; freed when ours and theirs are gone
        return;
    }
    // Views of it cost no atomics (see StaticBuffer); it lives until the last one is freed.
    m_pattern = buf::StaticBuffer::adopt(pattern);
}

PatternSource::~PatternSource() {
    if (m_pattern != nullptr) {
        m_pattern->retire();
    }
    if (m_shared != nullptr) {
        buf::free(m_shared);
    }
}

Mbuf* PatternSource::make(uint64_t offset, uint32_t len, uint32_t& made) {
    Mbuf* head = nullptr;
    Mbuf* last = nullptr;
    made = 0;
    while (m_len != 0 && made < len) {
        const uint32_t at = uint32_t((offset + made) % m_len);
        const uint32_t take = std::min(len - made, m_len - at);
        Mbuf* mi = buf::alloc(m_view_pool);
        if (mi == nullptr) {
            break;
        }
        if (m_pattern != nullptr) {
            m_pattern->attach(mi, at, uint16_t(take));
        } else {
            buf::attach_range(mi, m_shared, uint16_t(at), uint16_t(take));
        }
        if (head == nullptr) {
            head = mi;
        } else {
            buf::chain(head, last, mi, take, 1);
        }
        last = mi;
        made += take;
    }
    return head;
}

Mbuf* PatternSource::text(std::string_view text) {
    // Small protocol text (response heads) is written, not referenced.
    Mbuf* m = buf::alloc(m_pool);
    if (m == nullptr) {
        return nullptr;
    }
    uint8_t* p = text.size() <= rte_pktmbuf_tailroom(m) ? buf::append(m, uint16_t(text.size())) : nullptr;
    if (p == nullptr) {
        buf::free(m);
        return nullptr;
    }
    std::memcpy(p, text.data(), text.size());
    return m;
}

}  // namespace slip::stack
