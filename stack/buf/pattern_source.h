#pragma once
// The engine's pattern bytes: what bulk senders (the source service, GET /bytes/N, the
// benchmark client) send, referenced instead of copied.
#include <cstdint>
#include <string_view>

#include "stack/buf/mbuf.h"
#include "stack/buf/static_buffer.h"

namespace slip::stack {

// A buffer of printable pattern bytes that bulk senders reference instead of copying: up to
// 64 KiB when `pattern_pool` gives buffers that large, one packet buffer's room otherwise.
class PatternSource {
public:
    // text() buffers come from `pool`; make()'s references from `view_pool` when given
    // (small indirect buffers, see Port::view_pool); the pattern itself from `pattern_pool`
    // when given (see Port::pattern_pool), else from `pool`.
    // `across_cores`: views may be freed on another core than the one that made them (an
    // application worker's sends go out on a polling core): they then reference the
    // pattern through the buffer's atomic reference count instead of a StaticBuffer.
    explicit PatternSource(MbufPool* pool, MbufPool* view_pool = nullptr, MbufPool* pattern_pool = nullptr,
                           bool across_cores = false);
    ~PatternSource();
    PatternSource(const PatternSource&) = delete;
    PatternSource& operator=(const PatternSource&) = delete;
    // A chain of up to `len` pattern bytes starting at stream offset `offset`; nullptr
    // when the pool is empty. `made` is what the chain holds.
    Mbuf* make(uint64_t offset, uint32_t len, uint32_t& made);
    // A fresh buffer holding `text` (at most one buffer's room); nullptr otherwise.
    Mbuf* text(std::string_view text);
    bool ok() const { return m_pattern != nullptr || m_shared != nullptr; }
    // Where text() buffers come from (ordinary packet buffers).
    MbufPool* pool() const { return m_pool; }

private:
    MbufPool* m_pool;
    MbufPool* m_view_pool;
    buf::StaticBuffer* m_pattern = nullptr;
    Mbuf* m_shared = nullptr;  // across_cores: the pattern's own (direct) buffer
    uint32_t m_len = 0;
};

}  // namespace slip::stack
