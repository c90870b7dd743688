#include "stack/tcp/seq_range_set.h"

#include <algorithm>

namespace slip::stack::tcp {

SeqRangeSet::SeqRangeSet(size_t capacity) : m_ranges(capacity) {}

bool SeqRangeSet::insert(Seq left, Seq right) {
    if (right < left) {
        return false;
    }
    if (left == right) {
        return true;
    }
    // [first, last) are the ranges the new one overlaps or touches: everything before
    // `first` ends strictly before `left`, everything from `last` on starts strictly
    // after `right`. Touching ranges are merged too, so the set never holds two ranges
    // with no gap between them (a gap is what a SACK block or a hole describes).
    size_t first = 0;
    while (first < m_size && m_ranges[first].right < left) {
        ++first;
    }
    size_t last = first;
    while (last < m_size && m_ranges[last].left <= right) {
        ++last;
    }
    if (first == last) {
        if (m_size == m_ranges.size()) {
            return false;  // checked before anything moves: a refusal changes nothing
        }
        std::copy_backward(m_ranges.begin() + static_cast<ptrdiff_t>(first),
                           m_ranges.begin() + static_cast<ptrdiff_t>(m_size),
                           m_ranges.begin() + static_cast<ptrdiff_t>(m_size + 1));
        m_ranges[first] = Range{left, right};
        ++m_size;
        return true;
    }
    m_ranges[first] = Range{seq_min(left, m_ranges[first].left), seq_max(right, m_ranges[last - 1].right)};
    // Close the gap left by the ranges absorbed into `first`.
    std::copy(m_ranges.begin() + static_cast<ptrdiff_t>(last), m_ranges.begin() + static_cast<ptrdiff_t>(m_size),
              m_ranges.begin() + static_cast<ptrdiff_t>(first + 1));
    m_size -= last - first - 1;
    return true;
}

void SeqRangeSet::remove_below(Seq s) {
    size_t keep = 0;
    while (keep < m_size && m_ranges[keep].right <= s) {
        ++keep;
    }
    std::copy(m_ranges.begin() + static_cast<ptrdiff_t>(keep), m_ranges.begin() + static_cast<ptrdiff_t>(m_size),
              m_ranges.begin());
    m_size -= keep;
    if (m_size > 0) {
        m_ranges[0].left = seq_max(m_ranges[0].left, s);
    }
}

bool SeqRangeSet::contains(Seq s) const {
    for (const Range& r : ranges()) {
        if (r.contains(s)) {
            return true;
        }
        if (s < r.left) {
            return false;  // sorted: no later range can hold it
        }
    }
    return false;
}

uint32_t SeqRangeSet::bytes() const {
    uint32_t total = 0;
    for (const Range& r : ranges()) {
        total += r.length();
    }
    return total;
}

size_t SeqRangeSet::sack_blocks(Seq most_recent_left, std::span<SackRange> out) const {
    if (out.empty()) {
        return 0;
    }
    size_t n = 0;
    size_t recent = m_size;  // m_size: no range holds the segment (e.g. it was in order)
    for (size_t i = 0; i < m_size; ++i) {
        if (m_ranges[i].contains(most_recent_left)) {
            recent = i;
            out[n++] = SackRange{m_ranges[i].left, m_ranges[i].right};
            break;
        }
    }
    for (size_t i = m_size; i-- > 0 && n < out.size();) {
        if (i != recent) {
            out[n++] = SackRange{m_ranges[i].left, m_ranges[i].right};
        }
    }
    return n;
}

}  // namespace slip::stack::tcp
