#include "stack/tcp/flow_table.h"

#include <bit>
#include <cstring>

namespace slip::stack::tcp {

uint64_t flow_hash(const FlowKey& k, uint64_t seed) {
    // Multiply-xorshift over the 36 key bytes, seeded per core so that a remote peer
    // cannot aim many tuples at one chain without knowing the seed.
    uint64_t w[4];
    std::memcpy(w, k.local.bytes.data(), 16);
    std::memcpy(w + 2, k.remote.bytes.data(), 16);
    uint64_t h = seed ^ (uint64_t(k.local_port) << 16 | k.remote_port);
    for (uint64_t x : w) {
        h = (h ^ x) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

FlowTable::FlowTable(uint32_t max_entries, uint64_t seed)
    : m_slots(std::bit_ceil(uint64_t(max_entries) * 2 + 2)),
      m_keys(max_entries),
      m_mask(uint32_t(m_slots.size() - 1)),
      m_max(max_entries),
      m_seed(seed) {}

uint32_t FlowTable::probe(const FlowKey& k, uint32_t hash) const {
    for (uint32_t i = hash & m_mask;; i = (i + 1) & m_mask) {
        const Slot& s = m_slots[i];
        if (s.value == kNone || (s.hash == hash && m_keys[s.value] == k)) {
            return i;
        }
    }
}

uint32_t FlowTable::find(const FlowKey& k) const {
    return m_slots[probe(k, hash_of(k))].value;
}

bool FlowTable::insert(const FlowKey& k, uint32_t value) {
    if (m_size >= m_max || value >= m_max) {
        return false;
    }
    const uint32_t hash = hash_of(k);
    Slot& s = m_slots[probe(k, hash)];
    if (s.value != kNone) {
        return false;  // present already
    }
    s = {hash, value};
    m_keys[value] = k;
    ++m_size;
    return true;
}

bool FlowTable::erase(const FlowKey& k) {
    const uint32_t i = probe(k, hash_of(k));
    if (m_slots[i].value == kNone) {
        return false;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole so no
    // tombstones are needed (Knuth 6.4, Algorithm R).
    uint32_t hole = i;
    for (uint32_t j = (i + 1) & m_mask; m_slots[j].value != kNone; j = (j + 1) & m_mask) {
        const uint32_t h = m_slots[j].hash & m_mask;
        // Move j into the hole unless its home lies cyclically in (hole, j].
        const bool home_between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
        if (!home_between) {
            m_slots[hole] = m_slots[j];
            hole = j;
        }
    }
    m_slots[hole].value = kNone;
    --m_size;
    return true;
}

}  // namespace slip::stack::tcp
