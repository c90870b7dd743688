#pragma once
// The core's TCP demultiplexing table: 4-tuple -> connection index (RFC 9293 §3.3.1:
// a connection is named by its pair of sockets). Open addressing with linear probing
// and backward-shift deletion in a power-of-two array twice the connection count, so
// lookups touch one or two cache lines and nothing is allocated after construction.
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
    // False when the key is present already or the table holds max_entries.
    bool insert(const FlowKey& k, uint32_t value);
    bool erase(const FlowKey& k);
    uint32_t size() const { return m_size; }

private:
    struct Slot {
        FlowKey key;
        uint32_t value = kNone;  // kNone: empty
    };
    uint32_t home(const FlowKey& k) const { return uint32_t(flow_hash(k, m_seed)) & m_mask; }

    std::vector<Slot> m_slots;
    uint32_t m_mask;
    uint32_t m_max;
    uint32_t m_size = 0;
    uint64_t m_seed;
};

}  // namespace slip::stack::tcp
