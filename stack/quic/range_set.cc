#include "stack/quic/range_set.h"

#include <algorithm>

namespace slip::stack::quic {

RangeSet::RangeSet(size_t capacity) : m_ranges(capacity == 0 ? 1 : capacity) {}

bool RangeSet::insert(uint64_t begin, uint64_t end) {
    if (begin >= end) {
        return true;
    }
    // The first range that ends at or after `begin` (touching counts: they merge).
    size_t first = 0;
    while (first < m_size && m_ranges[first].end < begin) {
        ++first;
    }
    // One past the last range that starts at or before `end`.
    size_t last = first;
    while (last < m_size && m_ranges[last].begin <= end) {
        ++last;
    }
    if (first == last) {  // nothing to merge with: a new range at `first`
        if (m_size == m_ranges.size()) {
            return false;
        }
        std::move_backward(m_ranges.begin() + long(first), m_ranges.begin() + long(m_size),
                           m_ranges.begin() + long(m_size + 1));
        m_ranges[first] = {begin, end};
        ++m_size;
        return true;
    }
    const ByteRange merged{std::min(begin, m_ranges[first].begin), std::max(end, m_ranges[last - 1].end)};
    m_ranges[first] = merged;
    std::move(m_ranges.begin() + long(last), m_ranges.begin() + long(m_size), m_ranges.begin() + long(first + 1));
    m_size -= last - first - 1;
    return true;
}

bool RangeSet::erase(uint64_t begin, uint64_t end) {
    if (begin >= end) {
        return true;
    }
    for (size_t i = 0; i < m_size; ++i) {
        ByteRange& r = m_ranges[i];
        if (r.end <= begin || r.begin >= end) {
            continue;
        }
        if (r.begin < begin && r.end > end) {  // a hole in the middle: split
            if (m_size == m_ranges.size()) {
                return false;
            }
            std::move_backward(m_ranges.begin() + long(i + 1), m_ranges.begin() + long(m_size),
                               m_ranges.begin() + long(m_size + 1));
            m_ranges[i + 1] = {end, r.end};
            m_ranges[i].end = begin;
            ++m_size;
            return true;
        }
        if (r.begin < begin) {
            r.end = begin;
        } else if (r.end > end) {
            r.begin = end;
        } else {
            r.end = r.begin;  // wholly erased: compacted below
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < m_size; ++i) {
        if (m_ranges[i].begin < m_ranges[i].end) {
            m_ranges[kept++] = m_ranges[i];
        }
    }
    m_size = kept;
    return true;
}

void RangeSet::insert_outside(uint64_t begin, uint64_t end, const RangeSet& except) {
    uint64_t at = begin;
    for (size_t i = 0; i < except.size() && at < end; ++i) {
        const ByteRange& r = except[i];
        if (r.end <= at) {
            continue;
        }
        if (r.begin > at) {
            (void)insert(at, std::min(r.begin, end));
        }
        at = std::max(at, r.end);
    }
    if (at < end) {
        (void)insert(at, end);
    }
}

void RangeSet::remove_below(uint64_t offset) {
    if (m_size > 0 && m_ranges[0].begin < offset) {
        (void)erase(0, offset);  // never splits: nothing is kept below `offset`
    }
}

bool RangeSet::contains(uint64_t begin, uint64_t end) const {
    if (begin >= end) {
        return true;
    }
    for (size_t i = 0; i < m_size; ++i) {
        if (m_ranges[i].begin <= begin && end <= m_ranges[i].end) {
            return true;
        }
    }
    return false;
}

uint64_t RangeSet::bytes() const {
    uint64_t n = 0;
    for (size_t i = 0; i < m_size; ++i) {
        n += m_ranges[i].size();
    }
    return n;
}

}  // namespace slip::stack::quic
