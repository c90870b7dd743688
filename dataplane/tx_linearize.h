#pragma once
// One contiguous buffer per frame, for drivers that cannot send chained buffers.
//
// TCP segments leave the stack as a header buffer chained to views of the payload (zero
// copy). A driver without RTE_ETH_TX_OFFLOAD_MULTI_SEGS must never be handed such a chain:
// DPDK 22.11's af_xdp, for one, copies `pkt_len` bytes starting at the first segment's
// data, so it would put whatever memory follows that buffer on the wire. A chain that
// cannot be copied into one buffer (the pool is empty, or the frame is longer than a
// buffer's data room) is therefore freed and counted by reason, never passed on; for TCP
// that is one lost segment, which its loss recovery resends.
#include <cstdint>
#include <span>

#include "stack/base/counters.h"
#include "stack/buf/mbuf.h"

namespace slip::dataplane {

struct LinearizeStats {
    uint64_t linearized = 0;  // chains copied into one buffer
    uint64_t no_buffer = 0;   // chains dropped: the pool had no free buffer
    uint64_t too_long = 0;    // chains dropped: longer than one buffer's data room

    // Adds the drops to the per-reason counters (the one table of drop reasons).
    void add_drops_to(stack::Counters& c) const {
        c.drop(stack::DropReason::tx_linearize_no_buffer, no_buffer);
        c.drop(stack::DropReason::tx_linearize_too_long, too_long);
    }
};

// Replaces every chained frame in `frames` by a one-buffer copy from `pool`, or frees it
// and counts why. Frames are compacted in order to the front of the span; returns how
// many are left, each of them a single segment.
uint32_t linearize_frames(std::span<stack::Mbuf*> frames, stack::MbufPool* pool, LinearizeStats& stats);

}  // namespace slip::dataplane
