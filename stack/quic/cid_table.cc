#include "stack/quic/cid_table.h"

#include <bit>

namespace slip::stack::quic {

CidTable::CidTable(size_t capacity, const crypto::SipKey& key)
    : m_key(key),
      m_entries(std::bit_ceil(capacity * 2 < 16 ? size_t(16) : capacity * 2)),
      m_scratch(m_entries.size()),
      m_mask(m_entries.size() - 1),
      m_capacity(capacity) {}

size_t CidTable::position(std::span<const uint8_t> cid) const { return size_t(crypto::siphash24(m_key, cid)) & m_mask; }

bool CidTable::insert(const ConnectionId& cid, uint32_t slot) {
    if (m_size >= m_capacity || find(cid.span()) != kNone) {
        return false;
    }
    if (m_size + m_deleted >= m_entries.size() * 3 / 4) {
        rebuild();  // tombstones would make every miss a long walk
    }
    // At most half full with live entries, so a free or deleted entry is always found.
    for (size_t i = position(cid.span());; i = (i + 1) & m_mask) {
        Entry& e = m_entries[i];
        if (e.mark != Mark::used) {
            m_deleted -= e.mark == Mark::deleted ? 1 : 0;
            e = Entry{cid, slot, Mark::used};
            ++m_size;
            return true;
        }
    }
}

void CidTable::rebuild() {
    m_scratch.swap(m_entries);
    for (Entry& e : m_entries) {
        e.mark = Mark::empty;
    }
    for (const Entry& old : m_scratch) {
        if (old.mark != Mark::used) {
            continue;
        }
        size_t i = position(old.cid.span());
        while (m_entries[i].mark == Mark::used) {
            i = (i + 1) & m_mask;
        }
        m_entries[i] = old;
    }
    m_deleted = 0;
}

uint32_t CidTable::find(std::span<const uint8_t> cid) const {
    for (size_t i = position(cid), probes = 0; probes <= m_mask; i = (i + 1) & m_mask, ++probes) {
        const Entry& e = m_entries[i];
        if (e.mark == Mark::empty) {
            return kNone;
        }
        if (e.mark == Mark::used && e.cid == cid) {
            return e.slot;
        }
    }
    return kNone;
}

bool CidTable::erase(std::span<const uint8_t> cid) {
    for (size_t i = position(cid), probes = 0; probes <= m_mask; i = (i + 1) & m_mask, ++probes) {
        Entry& e = m_entries[i];
        if (e.mark == Mark::empty) {
            return false;
        }
        if (e.mark == Mark::used && e.cid == cid) {
            e.mark = Mark::deleted;
            --m_size;
            ++m_deleted;
            return true;
        }
    }
    return false;
}

}  // namespace slip::stack::quic
