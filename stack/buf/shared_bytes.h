#pragma once
// Long-lived bytes that connections on any core send by reference: the HTTP server's
// static files, read once at start and then never copied per response.
//
// The bytes sit in memory the device can read (the dataplane places them, see
// dataplane/shared_byte_store.h); a send makes external-buffer views of them, as many as
// the range needs (one per 64 KiB: a buffer's lengths are 16 bits). Views are made on
// several cores at once (each polling core's and worker's own applications) and freed
// where the frames go out, so the shared count is kept off DPDK's single-owner fast path
// (rte_mbuf_ext_refcnt_update takes a plain load and store while the count reads one):
// the object holds two references of its own while it lives, and every view's count
// change is an atomic add.
#include <cstdint>
#include <vector>

#include "stack/buf/mbuf.h"

namespace slip::stack::buf {

class SharedBytes {
public:
    // `len` bytes at `addr` (device address `iova`, contiguous), which stay unchanged and in
    // place for this object's life; the object must outlive every view it made (its owner
    // frees it after the ports stopped and every buffer was returned).
    SharedBytes(const uint8_t* addr, uint64_t iova, uint64_t len);
    // The same for bytes whose pages are contiguous in virtual addresses only (DPDK with
    // physical addresses): `page_iova[k]` is the device address of the k-th page of
    // `page_size` bytes from the page holding `addr`. No view crosses a page boundary.
    SharedBytes(const uint8_t* addr, uint64_t len, std::vector<uint64_t> page_iova, uint64_t page_size);
    SharedBytes(const SharedBytes&) = delete;
    SharedBytes& operator=(const SharedBytes&) = delete;

    // A chain of views of up to `len` bytes from `offset`, from `view_pool`; nullptr when
    // the pool is empty. `made` is what the chain holds (fewer bytes than asked when
    // buffers or the count's headroom ran short; none past the end).
    Mbuf* make(uint64_t offset, uint32_t len, MbufPool* view_pool, uint32_t& made) const;

    const uint8_t* data() const { return m_addr; }
    uint64_t size() const { return m_len; }
    // Views alive now (the shared count less the object's own two).
    uint32_t live_views() const;

private:
    static void released(void* addr, void* opaque);
    void init_count();
    // The device address of byte `at`, and how many bytes from it lie on the same page.
    uint64_t iova_of(uint64_t at, uint64_t& contiguous) const;

    // Mutable: views change the count of bytes that are themselves immutable.
    mutable rte_mbuf_ext_shared_info m_shinfo{};
    const uint8_t* m_addr;
    uint64_t m_iova;
    uint64_t m_len;
    std::vector<uint64_t> m_page_iova;  // empty: contiguous from m_iova
    uint64_t m_page_size = 0;
    uint64_t m_first_page_offset = 0;  // addr's offset into its page
};

}  // namespace slip::stack::buf
