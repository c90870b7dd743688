#include "stack/buf/shared_bytes.h"

#include <algorithm>
#include <utility>

namespace slip::stack::buf {

namespace {

// The object's own references: the count never reads one while it lives, so every view's
// increment and decrement takes DPDK's atomic path, whichever core makes or frees it.
constexpr uint16_t kOwnReferences = 2;
// The count is 16 bits; views stop being made well before it could wrap (a view pool
// larger than this is needed to get there; the views then come as buffers are freed).
constexpr uint16_t kMaxCount = 60000;
// A view's buffer length is 16 bits.
constexpr uint32_t kMaxView = UINT16_MAX;

}  // namespace

SharedBytes::SharedBytes(const uint8_t* addr, uint64_t iova, uint64_t len) : m_addr(addr), m_iova(iova), m_len(len) {
    init_count();
}

SharedBytes::SharedBytes(const uint8_t* addr, uint64_t len, std::vector<uint64_t> page_iova, uint64_t page_size)
    : m_addr(addr),
      m_iova(0),
      m_len(len),
      m_page_iova(std::move(page_iova)),
      m_page_size(page_size),
      m_first_page_offset(reinterpret_cast<uintptr_t>(addr) % page_size) {
    init_count();
}

void SharedBytes::init_count() {
    m_shinfo.free_cb = &SharedBytes::released;
    m_shinfo.fcb_opaque = this;
    rte_mbuf_ext_refcnt_set(&m_shinfo, kOwnReferences);
}

void SharedBytes::released(void*, void*) {
    // Only reached if the count fell to zero, which the object's own references prevent:
    // the memory belongs to the object's owner, never to the last view.
}

uint64_t SharedBytes::iova_of(uint64_t at, uint64_t& contiguous) const {
    if (m_page_iova.empty()) {
        contiguous = m_len - at;
        return m_iova + at;
    }
    const uint64_t from_base = m_first_page_offset + at;
    const uint64_t page = from_base / m_page_size;
    const uint64_t into = from_base % m_page_size;
    contiguous = m_page_size - into;
    return page < m_page_iova.size() ? m_page_iova[page] + into : 0;
}

uint32_t SharedBytes::live_views() const { return rte_mbuf_ext_refcnt_read(&m_shinfo) - kOwnReferences; }

Mbuf* SharedBytes::make(uint64_t offset, uint32_t len, MbufPool* view_pool, uint32_t& made) const {
    Mbuf* head = nullptr;
    Mbuf* last = nullptr;
    made = 0;
    while (made < len && offset + made < m_len && rte_mbuf_ext_refcnt_read(&m_shinfo) < kMaxCount) {
        const uint64_t at = offset + made;
        uint64_t on_page = 0;
        const uint64_t iova = iova_of(at, on_page);
        const uint32_t take = uint32_t(std::min<uint64_t>({len - made, m_len - at, on_page, kMaxView}));
        Mbuf* mi = alloc(view_pool);
        if (mi == nullptr) {
            break;
        }
        // The count first: a view freed on another core must find its reference counted.
        rte_mbuf_ext_refcnt_update(&m_shinfo, 1);
        rte_pktmbuf_attach_extbuf(mi, const_cast<uint8_t*>(m_addr + at), iova, uint16_t(take), &m_shinfo);
        mi->data_off = 0;
        mi->data_len = uint16_t(take);
        mi->pkt_len = take;
        if (head == nullptr) {
            head = mi;
        } else {
            chain(head, last, mi, take, 1);
        }
        last = mi;
        made += take;
    }
    return head;
}

}  // namespace slip::stack::buf
