#pragma once
// The application interface's unit of data: a chain of packet buffers that one owner holds
// at a time. Received data reaches an application as a BufferChain of the very buffers the
// port received into (zero copy); data to send is handed over as one, and the transport
// keeps the buffers until the peer acknowledges them.
//
// Move-only: whoever holds the object owns the buffers, and the destructor frees them. No
// DPDK type shows here (the buffers are opaque segments); stack/app/buffer_chain_mbuf.h
// converts for the transports. A chain is used on one core at a time; moving it to another
// core goes through the worker rings, which publish it with release/acquire ordering.
#include <cstdint>
#include <span>
#include <string_view>

namespace slip::app {

// One buffer of a chain (opaque: an rte_mbuf inside the engine).
struct Segment;

// Bytes a chain holds, in order, by buffer.
class SegmentIterator {
public:
    explicit SegmentIterator(Segment* s) : m_seg(s) {}
    std::span<uint8_t> operator*() const;
    SegmentIterator& operator++();
    bool operator==(const SegmentIterator& o) const { return m_seg == o.m_seg; }

private:
    Segment* m_seg;
};

// A look at bytes someone else owns (Connections::received): no ownership, no freeing.
class BufferView {
public:
    BufferView() = default;
    BufferView(Segment* head, uint32_t bytes) : m_head(head), m_bytes(bytes) {}
    uint32_t bytes() const { return m_bytes; }
    bool empty() const { return m_bytes == 0; }
    SegmentIterator begin() const { return SegmentIterator(m_head); }
    SegmentIterator end() const { return SegmentIterator(nullptr); }
    // Copies up to out.size() bytes starting `offset` bytes in; returns how many.
    uint32_t copy_out(uint32_t offset, std::span<uint8_t> out) const;
    // The offset of the first `needle` byte at or after `from`; bytes() when none.
    uint32_t find(uint8_t needle, uint32_t from = 0) const;

private:
    Segment* m_head = nullptr;
    uint32_t m_bytes = 0;
};

class BufferChain {
public:
    BufferChain() = default;
    ~BufferChain() { reset(); }
    BufferChain(BufferChain&& o) noexcept : m_head(o.m_head) { o.m_head = nullptr; }
    BufferChain& operator=(BufferChain&& o) noexcept {
        if (this != &o) {
            reset();
            m_head = o.m_head;
            o.m_head = nullptr;
        }
        return *this;
    }
    BufferChain(const BufferChain&) = delete;
    BufferChain& operator=(const BufferChain&) = delete;

    uint32_t bytes() const;
    uint32_t buffers() const;
    bool empty() const { return m_head == nullptr; }

    // The bytes, buffer by buffer (writable: received data and buffers the application
    // filled belong to this chain alone; pattern and static bytes must not be written).
    BufferView view() const { return {m_head, bytes()}; }
    uint32_t copy_out(uint32_t offset, std::span<uint8_t> out) const { return view().copy_out(offset, out); }
    // Frees the first `n` bytes (all of them at most).
    void drop_front(uint32_t n);
    // Appends `tail` behind the last buffer (tail is left empty).
    void append(BufferChain&& tail);
    // Frees everything now.
    void reset();

    // For the transports (stack/app/buffer_chain_mbuf.h): the chain's first buffer.
    Segment* head() const { return m_head; }
    Segment* release() {
        Segment* h = m_head;
        m_head = nullptr;
        return h;
    }
    static BufferChain adopt(Segment* head) {
        BufferChain c;
        c.m_head = head;
        return c;
    }

private:
    Segment* m_head = nullptr;
};

}  // namespace slip::app
