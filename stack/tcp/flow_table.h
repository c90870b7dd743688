#pragma once
// The core's TCP demultiplexing table: 4-tuple -> connection index (RFC 9293 §3.3.1:
// a connection is named by its pair of sockets). Open addressing with linear probing
// and backward-shift deletion in a power-of-two array twice the connection count, and
// nothing allocated after construction. A slot is 8 bytes, the key's hash and the
// connection index; the keys themselves sit apart, by index, and only a slot whose hash
// matches has its key compared. A lookup then touches one line of a dense array (2 MiB
// for 64k connections, where 40-byte slots of whole keys took 10 MiB and missed cache on
// nearly every segment of a short connection) plus the matching key.
// IPv4 addresses are stored v4-mapped, so one table serves both families.
#include <cstdint>
#include <vector>

#include "stack/net/addr.h"

namespace slip::stack::tcp {

struct FlowKey {
    Ipv6Addr local;
    Ipv6Addr remote;
    uint16_t local_port = 0;
    uint16_t remote_port = 0;
    bool operator==(const FlowKey&) const = default;
    bool ipv6() const { return !remote.is_v4_mapped(); }
};

uint64_t flow_hash(const FlowKey& k, uint64_t seed);

class FlowTable {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    FlowTable(uint32_t max_entries, uint64_t seed);

    uint32_t find(const FlowKey& k) const;
    // False when the key is present already, the table holds max_entries, or `value` is
    // not below max_entries (values index the key store).
    bool insert(const FlowKey& k, uint32_t value);
    bool erase(const FlowKey& k);
    uint32_t size() const { return m_size; }
    uint64_t seed() const { return m_seed; }

private:
    struct Slot {
        uint32_t hash = 0;       // the key's flow_hash, low 32 bits (home = hash & mask)
        uint32_t value = kNone;  // kNone: empty
    };
    uint32_t hash_of(const FlowKey& k) const { return uint32_t(flow_hash(k, m_seed)); }
    // The slot holding `k` (whose hash is `hash`), or the empty slot ending its probe run.
    uint32_t probe(const FlowKey& k, uint32_t hash) const;

    std::vector<Slot> m_slots;
    std::vector<FlowKey> m_keys;  // by value
    uint32_t m_mask;
    uint32_t m_max;
    uint32_t m_size = 0;
    uint64_t m_seed;
};

}  // namespace slip::stack::tcp
