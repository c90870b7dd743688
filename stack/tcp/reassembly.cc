#include "stack/tcp/reassembly.h"

#include <algorithm>

namespace slip::stack::tcp {

OooPool::OooPool(uint32_t nodes) : m_nodes(nodes) {
    for (uint32_t i = nodes; i-- > 0;) {
        m_nodes[i].next = m_free;
        m_free = i;
    }
}

uint32_t OooPool::take() {
    const uint32_t i = m_free;
    if (i != kNone) {
        m_free = m_nodes[i].next;
        m_nodes[i].next = kNone;
        ++m_in_use;
    }
    return i;
}

void OooPool::give(uint32_t i) {
    m_nodes[i] = Node{};
    m_nodes[i].next = m_free;
    m_free = i;
    --m_in_use;
}

Reassembly::Insert Reassembly::insert(OooPool& pool, Seq seq, Mbuf* data, uint32_t len, uint32_t max_segments,
                                      SackBlock& overlap) {
    const Seq end = seq + len;
    // Nodes are sorted by start and never overlap. Find the last node that starts at or
    // before seq (prev) and how far held data reaches contiguously from seq.
    uint32_t prev = OooPool::kNone;
    uint32_t cur = m_head;
    // Beyond every held node (or none held): the tail is the node before it, no walk.
    const bool appending = m_tail == OooPool::kNone || pool[m_tail].seq <= seq;
    if (appending) {
        prev = m_tail;
        cur = OooPool::kNone;
    }
    while (cur != OooPool::kNone && pool[cur].seq <= seq) {
        prev = cur;
        cur = pool[cur].next;
    }
    const Seq front_held = prev != OooPool::kNone ? seq_max(seq, pool[prev].seq + pool[prev].len) : seq;
    // RFC 2883 §4.2: the duplicate part to report is the held data contiguous with our
    // front, or else with the first held node inside us.
    Seq dup_left = seq;
    Seq covered = front_held;
    if (covered == seq && cur != OooPool::kNone && pool[cur].seq < end) {
        dup_left = pool[cur].seq;
        covered = pool[cur].seq + pool[cur].len;
    }
    for (uint32_t n = cur; n != OooPool::kNone && pool[n].seq <= covered && covered < end; n = pool[n].next) {
        covered = seq_max(covered, pool[n].seq + pool[n].len);
    }
    overlap = {dup_left, seq_min(covered, end)};
    if (overlap.right <= overlap.left) {
        overlap = {seq, seq};
    }
    if (dup_left == seq && covered >= end) {
        buf::free(data);  // every byte held already
        return Insert::duplicate;
    }
    if (m_count >= max_segments) {
        return Insert::full;
    }
    const uint32_t node = pool.take();
    if (node == OooPool::kNone) {
        return Insert::full;
    }
    keep_new_bytes(pool, data, seq, len, front_held, cur);
    pool[node] = {data, seq, len, cur};
    if (prev == OooPool::kNone) {
        m_head = node;
    } else {
        pool[prev].next = node;
    }
    if (cur == OooPool::kNone) {
        m_tail = node;
    }
    ++m_count;
    m_bytes += len;
    if (appending) {
        note_appended(seq, seq + len);
    } else {
        m_top.fresh = false;
    }
    return Insert::held;
}

// Keep only bytes not held yet, so that bytes() counts each byte once (the receive window
// is worked out from it).
void Reassembly::keep_new_bytes(OooPool& pool, Mbuf*& data, Seq& seq, uint32_t& len, Seq front_held,
                                uint32_t& cur) {
    const Seq end = seq + len;
    // The front already held is cut off the new data...
    if (front_held != seq) {
        data = buf::trim_front(data, uint32_t(front_held - seq));
        len -= uint32_t(front_held - seq);
        seq = front_held;
    }
    // ...nodes wholly inside what is left give way to it, and one that reaches past its
    // end keeps its bytes while the new data stops where that node starts.
    while (cur != OooPool::kNone && pool[cur].seq < end) {
        const OooPool::Node inside = pool[cur];
        if (inside.seq + inside.len > end) {
            len = uint32_t(inside.seq - seq);
            buf::truncate(data, len);
            return;
        }
        buf::free(inside.data);
        pool.give(cur);
        --m_count;
        m_bytes -= inside.len;
        cur = inside.next;
    }
}

void Reassembly::TopRanges::push(SackBlock r) {
    if (count == kTopRanges) {
        std::copy(ranges + 1, ranges + kTopRanges, ranges);
        --count;
    }
    ranges[count++] = r;
}

void Reassembly::note_appended(Seq seq, Seq end) {
    if (!m_top.fresh) {
        return;
    }
    if (m_top.count > 0 && m_top.ranges[m_top.count - 1].right == seq) {
        m_top.ranges[m_top.count - 1].right = end;  // the highest run grows
        return;
    }
    m_top.push({seq, end});  // a new run above a hole
}

SackBlock Reassembly::held_within(const OooPool& pool, Seq seq, Seq end) const {
    uint32_t n = m_head;
    while (n != OooPool::kNone && pool[n].seq + pool[n].len <= seq) {
        n = pool[n].next;  // wholly before the range
    }
    if (n == OooPool::kNone || pool[n].seq >= end) {
        return {seq, seq};
    }
    const Seq left = seq_max(pool[n].seq, seq);
    Seq covered = pool[n].seq + pool[n].len;
    for (n = pool[n].next; n != OooPool::kNone && pool[n].seq <= covered && covered < end; n = pool[n].next) {
        covered = seq_max(covered, pool[n].seq + pool[n].len);
    }
    return {left, seq_min(covered, end)};
}

Mbuf* Reassembly::pop_ready(OooPool& pool, Seq rcv_nxt, uint32_t& len) {
    while (m_head != OooPool::kNone && pool[m_head].seq <= rcv_nxt) {
        const OooPool::Node n = pool[m_head];
        pool.give(m_head);
        m_head = n.next;
        --m_count;
        m_bytes -= n.len;
        m_top.fresh = false;
        if (m_head == OooPool::kNone) {
            m_tail = OooPool::kNone;
            m_top = TopRanges{};
        }
        const uint32_t overlap = uint32_t(rcv_nxt - n.seq);
        if (overlap >= n.len) {
            buf::free(n.data);  // already delivered through another segment
            continue;
        }
        len = n.len - overlap;
        return buf::trim_front(n.data, overlap);
    }
    return nullptr;
}

size_t Reassembly::blocks_from_top(std::span<SackBlock> out) const {
    size_t n = 0;
    for (size_t k = m_top.count; k-- > 0 && n < out.size();) {
        out[n++] = m_top.ranges[k];  // the highest (holding `recent`) first
    }
    return n;
}

size_t Reassembly::sack_blocks(const OooPool& pool, Seq recent, std::span<SackBlock> out) {
    if (m_top.fresh && m_top.count > 0) {
        const SackBlock& top = m_top.ranges[m_top.count - 1];
        if (top.left <= recent && recent < top.right) {
            return blocks_from_top(out);
        }
    }
    // Merge the sorted nodes into ranges; keep the last ones (highest) in a small ring,
    // the recent one apart, and the highest kTopRanges of all for the next calls.
    constexpr size_t kKeep = 8;
    SackBlock ranges[kKeep];
    size_t count = 0;
    SackBlock recent_block{};
    bool have_recent = false;
    SackBlock cur{};
    bool open = false;
    TopRanges top;
    const auto close = [&] {
        top.push(cur);
        if (cur.left <= recent && recent < cur.right) {
            recent_block = cur;
            have_recent = true;
        } else {
            ranges[count % kKeep] = cur;
            ++count;
        }
    };
    for (uint32_t i = m_head; i != OooPool::kNone; i = pool[i].next) {
        const Seq l = pool[i].seq;
        const Seq r = pool[i].seq + pool[i].len;
        if (open && l <= cur.right) {
            cur.right = seq_max(cur.right, r);
            continue;
        }
        if (open) {
            close();
        }
        cur = {l, r};
        open = true;
    }
    if (open) {
        close();
    }
    m_top = top;
    size_t n = 0;
    if (have_recent && n < out.size()) {
        out[n++] = recent_block;
    }
    for (size_t k = 0; k < std::min(count, kKeep) && n < out.size(); ++k) {
        out[n++] = ranges[(count - 1 - k) % kKeep];  // highest first
    }
    return n;
}

void Reassembly::clear(OooPool& pool) {
    while (m_head != OooPool::kNone) {
        const uint32_t next = pool[m_head].next;
        buf::free(pool[m_head].data);
        pool.give(m_head);
        m_head = next;
    }
    m_tail = OooPool::kNone;
    m_count = 0;
    m_bytes = 0;
    m_top = TopRanges{};
}

}  // namespace slip::stack::tcp
