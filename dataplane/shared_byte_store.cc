#include "dataplane/shared_byte_store.h"

#include <rte_malloc.h>
#include <rte_memory.h>

#include <cstring>

namespace slip::dataplane {

namespace {

// With physical device addresses (IOVA as PA), the hugepages behind a region are
// contiguous in virtual addresses only: each page's device address is looked up once here,
// and no view crosses a page. False when some page has none.
bool page_addresses(const uint8_t* memory, size_t len, std::vector<uint64_t>& page_iova, uint64_t& page_size) {
    const rte_memseg* first = rte_mem_virt2memseg(memory, nullptr);
    if (first == nullptr || first->hugepage_sz == 0) {
        return false;
    }
    page_size = first->hugepage_sz;
    const uintptr_t base = reinterpret_cast<uintptr_t>(memory) / page_size * page_size;
    for (uintptr_t page = base; page < reinterpret_cast<uintptr_t>(memory) + len; page += page_size) {
        const rte_memseg* ms = rte_mem_virt2memseg(reinterpret_cast<const void*>(page), nullptr);
        if (ms == nullptr || ms->iova == RTE_BAD_IOVA || ms->hugepage_sz != page_size) {
            return false;
        }
        page_iova.push_back(ms->iova + (page - reinterpret_cast<uintptr_t>(ms->addr)));
    }
    return true;
}

}  // namespace

SharedByteStore::SharedByteStore(uint64_t max_bytes) : m_max(max_bytes) {}

SharedByteStore::~SharedByteStore() {
    for (Entry& e : m_entries) {
        e.bytes.reset();
        rte_free(e.memory);
    }
}

const app::SharedBytes* SharedByteStore::share(std::span<const uint8_t> bytes) {
    if (bytes.empty() || (m_max != 0 && m_bytes + bytes.size() > m_max)) {
        ++m_refused;
        return nullptr;
    }
    // Cache-line aligned: views start anywhere, but the start of every file is read first.
    void* memory = rte_malloc("slip_shared_bytes", bytes.size(), 64);
    if (memory == nullptr) {
        ++m_refused;
        return nullptr;
    }
    std::memcpy(memory, bytes.data(), bytes.size());
    const auto* start = static_cast<const uint8_t*>(memory);
    Entry e;
    e.memory = memory;
    if (rte_eal_iova_mode() == RTE_IOVA_VA) {
        e.bytes = std::make_unique<stack::buf::SharedBytes>(start, reinterpret_cast<uintptr_t>(memory), bytes.size());
    } else {
        std::vector<uint64_t> page_iova;
        uint64_t page_size = 0;
        if (!page_addresses(start, bytes.size(), page_iova, page_size)) {
            rte_free(memory);
            ++m_refused;
            return nullptr;
        }
        e.bytes = std::make_unique<stack::buf::SharedBytes>(start, bytes.size(), std::move(page_iova), page_size);
    }
    m_bytes += bytes.size();
    m_entries.push_back(std::move(e));
    return m_entries.back().bytes.get();
}

}  // namespace slip::dataplane
