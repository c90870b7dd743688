#pragma once
// A bounded set of half-open ranges [left, right) of TCP sequence space, kept sorted,
// disjoint and non-adjacent (touching ranges are merged, so each range is one
// contiguous run of bytes and the number of ranges is the number of gaps plus one).
//
// The receiver uses it for the out-of-order data it holds, and to build SACK blocks
// (RFC 2018 §4); the sender's SACK scoreboard (sack_scoreboard.h) uses it for what the
// peer has selectively acknowledged.
//
// The capacity is fixed at construction and the storage allocated once: when a new
// range would need one more slot than that, insert() refuses and changes nothing, so
// the caller decides (the receiver drops the segment; the sender forgets the block).
//
// Ordering is modulo 2^32 (RFC 9293 §3.4), so every range must lie within half the
// sequence space of the others. Both users guarantee that: the receiver only keeps
// data inside its window, the sender only data between SND.UNA and SND.NXT.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "stack/tcp/seq.h"
#include "stack/tcp/tcp_header.h"

namespace slip::stack::tcp {

// [left, right): `left` is the first byte, `right` the byte after the last, as the
// Left Edge and Right Edge of a SACK block (RFC 2018 §3).
struct SeqRange {
    Seq left;
    Seq right;

    constexpr uint32_t length() const { return seq_distance(left, right); }
    constexpr bool contains(Seq s) const { return in_window(s, left, right); }
    constexpr bool operator==(const SeqRange&) const = default;
};

// A SACK block as parsed from or written to the option (tcp_header.h), so blocks go
// between the wire and the scoreboard or the receiver without conversion.
using SackRange = SackBlock;

class SeqRangeSet {
public:
    using Range = SeqRange;

    explicit SeqRangeSet(size_t capacity);

    // Adds [left, right), merging with every range it overlaps or touches. Returns
    // false, leaving the set unchanged, when the result would need more than
    // capacity() ranges or when right comes before left. An empty range is a no-op.
    bool insert(Seq left, Seq right);
    // Drops every byte before `s`: whole ranges below it, and the front of a range that
    // straddles it (a cumulative ACK, or RCV.NXT advancing over held data).
    void remove_below(Seq s);
    void clear() { m_size = 0; }

    bool contains(Seq s) const;
    bool empty() const { return m_size == 0; }
    size_t size() const { return m_size; }
    size_t capacity() const { return m_ranges.size(); }
    // Ranges in ascending order; i < size().
    const Range& operator[](size_t i) const { return m_ranges[i]; }
    std::span<const Range> ranges() const { return {m_ranges.data(), m_size}; }
    // Both require !empty().
    Seq first_left() const { return m_ranges[0].left; }
    Seq last_right() const { return m_ranges[m_size - 1].right; }
    // Total bytes covered.
    uint32_t bytes() const;

    // Receiver side: up to out.size() SACK blocks, returns how many were written.
    // RFC 2018 §4: the first block MUST be the one containing the most recently received
    // segment (`most_recent_left` is that segment's first byte); the rest SHOULD be the
    // most recently reported blocks. We approximate "most recently reported" by the
    // highest right edge: the peer sends in sequence order, so new out-of-order arrivals
    // land at or near the top and the highest blocks are the ones still changing. Blocks
    // are only meaningful above RCV.NXT, so the caller calls remove_below(RCV.NXT) first.
    size_t sack_blocks(Seq most_recent_left, std::span<SackRange> out) const;

private:
    std::vector<Range> m_ranges;  // sized to the capacity once; [0, m_size) in use
    size_t m_size = 0;
};

}  // namespace slip::stack::tcp
