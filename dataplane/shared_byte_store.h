#pragma once
// The engine's ByteStore: bytes applications register once (static files) copied into
// DPDK's hugepage heap, where every core's sends reference them and a NIC can read them
// (rte_malloc memory has a device address; ordinary heap memory need not).
//
// Owned by the Engine, made after EAL and before the ports, freed after the ports closed
// (every view of the bytes is back in its pool by then) and before EAL's cleanup.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "stack/app/byte_store.h"
#include "stack/buf/shared_bytes.h"

namespace slip::dataplane {

class SharedByteStore final : public app::ByteStore {
public:
    // `max_bytes`: all registrations together (0: no limit but the heap's).
    explicit SharedByteStore(uint64_t max_bytes = 0);
    ~SharedByteStore() override;
    SharedByteStore(const SharedByteStore&) = delete;
    SharedByteStore& operator=(const SharedByteStore&) = delete;

    const app::SharedBytes* share(std::span<const uint8_t> bytes) override;

    uint64_t shared_bytes() const { return m_bytes; }
    uint64_t shared_count() const { return m_entries.size(); }
    // Registrations refused (the limit or the heap ran out).
    uint64_t refused() const { return m_refused; }

private:
    struct Entry {
        void* memory = nullptr;  // rte_malloc
        std::unique_ptr<stack::buf::SharedBytes> bytes;
    };
    uint64_t m_max;
    uint64_t m_bytes = 0;
    uint64_t m_refused = 0;
    std::vector<Entry> m_entries;
};

}  // namespace slip::dataplane
