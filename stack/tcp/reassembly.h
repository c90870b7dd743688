#pragma once
// Out-of-order data a connection holds until the hole before it is filled (RFC 9293
// §3.10.7.4 "seventh, process the segment text": segments beyond RCV.NXT may be kept).
// The buffers stay as received (zero copy); their bookkeeping nodes come from one
// per-core pool, so the memory bound is the pool size, and each connection is also
// capped. The held ranges also produce the SACK blocks the receiver reports (RFC 2018 §4).
#include <cstdint>
#include <span>
#include <vector>

#include "stack/buf/mbuf.h"
#include "stack/tcp/seq.h"
#include "stack/tcp/tcp_header.h"

namespace slip::stack::tcp {

class OooPool {
public:
    static constexpr uint32_t kNone = UINT32_MAX;
    explicit OooPool(uint32_t nodes);

    struct Node {
        Mbuf* data = nullptr;
        Seq seq;
        uint32_t len = 0;
        uint32_t next = kNone;
    };
    uint32_t take();  // kNone when exhausted
    void give(uint32_t i);
    Node& operator[](uint32_t i) { return m_nodes[i]; }
    const Node& operator[](uint32_t i) const { return m_nodes[i]; }
    uint32_t in_use() const { return m_in_use; }

private:
    std::vector<Node> m_nodes;
    uint32_t m_free = kNone;
    uint32_t m_in_use = 0;
};

class Reassembly {
public:
    enum class Insert : uint8_t { held, duplicate, full };
    // Holds [seq, seq + len) (data owned by the queue from here on, unless `full`).
    // `overlap` gets the first part of it that was held already (empty when none): the
    // whole range for `duplicate`, possibly a part for `held` (RFC 2883 reports either).
    // Held ranges never overlap: bytes held already are cut from the new data, or the
    // held segments it covers whole are freed, so bytes() counts every byte once.
    Insert insert(OooPool& pool, Seq seq, Mbuf* data, uint32_t len, uint32_t max_segments, SackBlock& overlap);

    // The first run of held data inside [seq, end), for an in-order segment that reaches
    // into it (RFC 2883 §4.2: that part arrived twice); empty ({seq, seq}) when none.
    SackBlock held_within(const OooPool& pool, Seq seq, Seq end) const;

    // The next segment that starts at or before `rcv_nxt`, trimmed to start exactly there;
    // nullptr when the first held segment is still beyond a hole.
    Mbuf* pop_ready(OooPool& pool, Seq rcv_nxt, uint32_t& len);

    // Merged held ranges: the one containing `recent` first, then the others from the
    // highest down (RFC 2018 §4). Returns how many were written.
    size_t sack_blocks(const OooPool& pool, Seq recent, std::span<SackBlock> out);

    bool empty() const { return m_head == OooPool::kNone; }
    uint32_t segments() const { return m_count; }
    uint32_t bytes() const { return m_bytes; }
    void clear(OooPool& pool);

private:
    // After a loss the segments behind the hole arrive in order, each beyond all held data,
    // and each is answered with SACK blocks at once. Walking a list of up to ooo_segments
    // nodes for both, per arrival, made a loss episode quadratic in the window; instead an
    // arrival beyond the last node is linked at the tail directly, and the highest merged
    // ranges (all a SACK option can carry) are kept up to date by such arrivals. Anything
    // else (a hole filled, data delivered, an overlap) marks them stale, and the next
    // sack_blocks call walks the list once and rebuilds them.
    static constexpr size_t kTopRanges = 4;
    struct TopRanges {
        SackBlock ranges[kTopRanges];  // ascending; the last one ends where the held data does
        uint8_t count = 0;
        bool fresh = true;  // false: the list changed in a way not followed here
        // A range above all kept ones; the lowest kept one goes when all slots are taken.
        void push(SackBlock r);
    };
    void note_appended(Seq seq, Seq end);
    // Cuts from `data` ([seq, seq + len)) what is held already and frees the held nodes
    // from `cur` on that it covers whole; `cur` ends at the first node after it.
    void keep_new_bytes(OooPool& pool, Mbuf*& data, Seq& seq, uint32_t& len, Seq front_held, uint32_t& cur);
    size_t blocks_from_top(std::span<SackBlock> out) const;

    uint32_t m_head = OooPool::kNone;
    uint32_t m_tail = OooPool::kNone;
    uint32_t m_count = 0;
    uint32_t m_bytes = 0;
    TopRanges m_top;
};

}  // namespace slip::stack::tcp
