#pragma once
// Where a BufferChain meets the engine's packet buffers: for transports and the dataplane,
// never for applications (they see only stack/app/buffer_chain.h).
#include "stack/app/buffer_chain.h"
#include "stack/buf/mbuf.h"

namespace slip::app {

inline stack::Mbuf* as_mbuf(Segment* s) { return reinterpret_cast<stack::Mbuf*>(s); }
inline const stack::Mbuf* as_mbuf(const Segment* s) { return reinterpret_cast<const stack::Mbuf*>(s); }
inline Segment* as_segment(stack::Mbuf* m) { return reinterpret_cast<Segment*>(m); }

// Takes ownership of an mbuf chain (nullptr gives an empty chain).
inline BufferChain adopt_mbufs(stack::Mbuf* m) { return BufferChain::adopt(as_segment(m)); }
// Hands the chain's buffers over as an mbuf chain (nullptr when empty).
inline stack::Mbuf* release_mbufs(BufferChain& c) { return as_mbuf(c.release()); }

}  // namespace slip::app

namespace slip::app {

// Moves the first min(n, c.bytes()) bytes of `c` into the returned chain. Whole buffers
// move as they are; a buffer straddling `n` is shared: the front part becomes an indirect
// view (a buffer of `view_pool`) and `c` keeps the rest of the same buffer. Nothing moves
// when a view is needed and `view_pool` is empty.
BufferChain split_front(BufferChain& c, uint32_t n, stack::MbufPool* view_pool);

// A copy of `bytes` in fresh buffers of `pool`; empty when the pool runs dry (all or
// nothing: a partial copy would be a silent truncation).
BufferChain copy_into_buffers(std::span<const uint8_t> bytes, stack::MbufPool* pool);

}  // namespace slip::app
