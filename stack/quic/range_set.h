#pragma once
// A bounded set of half-open byte ranges [begin, end) of a QUIC stream or CRYPTO stream
// (offsets up to 2^62, no wrap), sorted, disjoint and non-adjacent. Used for what a
// receiver holds out of order and what a sender has still to send or resend.
//
// The capacity is fixed at construction (one allocation, then none): an insert that would
// need one range more refuses and changes nothing, and the caller decides (a receiver drops
// the frame; the peer sends it again).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace slip::stack::quic {

struct ByteRange {
    uint64_t begin = 0;
    uint64_t end = 0;  // one past the last byte
    uint64_t size() const { return end - begin; }
    bool operator==(const ByteRange&) const = default;
};

class RangeSet {
public:
    explicit RangeSet(size_t capacity);

    // Adds [begin, end), merging what it overlaps or touches. False (unchanged) when that
    // needs more than capacity() ranges.
    bool insert(uint64_t begin, uint64_t end);
    // Removes [begin, end) (it may split a range: false, unchanged, when that needs a
    // range more than the capacity).
    bool erase(uint64_t begin, uint64_t end);
    // Adds the parts of [begin, end) that `except` does not hold (what was sent and is not
    // acknowledged since, when a packet carrying [begin, end) is lost).
    void insert_outside(uint64_t begin, uint64_t end, const RangeSet& except);
    // Removes everything below `offset`.
    void remove_below(uint64_t offset);
    void clear() { m_size = 0; }

    bool empty() const { return m_size == 0; }
    size_t size() const { return m_size; }
    size_t capacity() const { return m_ranges.size(); }
    const ByteRange& operator[](size_t i) const { return m_ranges[i]; }
    const ByteRange& front() const { return m_ranges[0]; }
    // Whether every byte of [begin, end) is in the set.
    bool contains(uint64_t begin, uint64_t end) const;
    uint64_t bytes() const;

private:
    std::vector<ByteRange> m_ranges;  // [0, m_size) in use, sorted
    size_t m_size = 0;
};

}  // namespace slip::stack::quic
