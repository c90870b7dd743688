#pragma once
// Connection IDs to connection slots for one core (RFC 9000 §5.2: a datagram finds its
// connection by its Destination Connection ID). Open addressing with linear probing over a
// power-of-two array sized once, keyed by SipHash under a random key so that an attacker
// choosing CIDs cannot make every lookup probe the whole table. No allocation after
// construction; deletions leave tombstones that inserts reuse, and the table is rebuilt
// in place (through a second array made at construction) when they pile up.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/siphash.h"
#include "stack/quic/connection_id.h"

namespace slip::stack::quic {

class CidTable {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    // Room for `capacity` CIDs (the table is twice that, rounded up to a power of two).
    CidTable(size_t capacity, const crypto::SipKey& key);

    // False when the table holds `capacity` CIDs already or the CID is there.
    bool insert(const ConnectionId& cid, uint32_t slot);
    bool erase(std::span<const uint8_t> cid);
    uint32_t find(std::span<const uint8_t> cid) const;
    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }

private:
    enum class Mark : uint8_t { empty, used, deleted };
    struct Entry {
        ConnectionId cid;
        uint32_t slot = kNone;
        Mark mark = Mark::empty;
    };
    size_t position(std::span<const uint8_t> cid) const;
    void rebuild();

    crypto::SipKey m_key;
    std::vector<Entry> m_entries;
    std::vector<Entry> m_scratch;
    size_t m_mask;
    size_t m_capacity;
    size_t m_size = 0;
    size_t m_deleted = 0;
};

}  // namespace slip::stack::quic
