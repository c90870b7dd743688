#pragma once
// Byte cursors for QUIC's wire formats: big-endian integers and RFC 9000 §16's
// variable-length integers, over spans the caller owns (no allocation, no copy). A reader
// that runs past its end stops and stays failed, so a parser checks once at the end of a
// field group instead of after every read.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace slip::stack::quic {

// RFC 9000 §16: the largest value a variable-length integer holds.
inline constexpr uint64_t kMaxVarint = (uint64_t(1) << 62) - 1;

// Bytes the shortest encoding of `v` takes (v <= kMaxVarint): 1, 2, 4 or 8.
constexpr size_t varint_size(uint64_t v) {
    return v < (1u << 6) ? 1 : v < (1u << 14) ? 2 : v < (uint64_t(1) << 30) ? 4 : 8;
}

class WireReader {
public:
    explicit WireReader(std::span<const uint8_t> bytes) : m_bytes(bytes) {}

    bool ok() const { return m_ok; }
    size_t offset() const { return m_at; }
    size_t left() const { return m_ok ? m_bytes.size() - m_at : 0; }
    bool at_end() const { return left() == 0; }
    std::span<const uint8_t> rest() const { return m_ok ? m_bytes.subspan(m_at) : std::span<const uint8_t>{}; }

    uint8_t u8() {
        if (!need(1)) {
            return 0;
        }
        return m_bytes[m_at++];
    }
    uint16_t u16() { return uint16_t(be(2)); }
    uint32_t u32() { return uint32_t(be(4)); }
    // An unsigned big-endian integer of `n` bytes (1-8).
    uint64_t be(size_t n) {
        if (!need(n)) {
            return 0;
        }
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) {
            v = v << 8 | m_bytes[m_at + i];
        }
        m_at += n;
        return v;
    }
    // RFC 9000 §16: the two high bits of the first byte give the length (1, 2, 4 or 8).
    uint64_t varint() {
        if (!need(1)) {
            return 0;
        }
        const size_t n = size_t(1) << (m_bytes[m_at] >> 6);
        if (!need(n)) {
            return 0;
        }
        uint64_t v = m_bytes[m_at] & 0x3f;
        for (size_t i = 1; i < n; ++i) {
            v = v << 8 | m_bytes[m_at + i];
        }
        m_at += n;
        m_last_varint_size = n;
        return v;
    }
    // How many bytes the last varint() took (a frame type must use the shortest, §12.4).
    size_t last_varint_size() const { return m_last_varint_size; }
    std::span<const uint8_t> bytes(size_t n) {
        if (!need(n)) {
            return {};
        }
        const auto s = m_bytes.subspan(m_at, n);
        m_at += n;
        return s;
    }
    void skip(size_t n) { (void)bytes(n); }
    void fail() { m_ok = false; }

private:
    bool need(size_t n) {
        if (!m_ok || m_bytes.size() - m_at < n) {
            m_ok = false;
            return false;
        }
        return true;
    }
    std::span<const uint8_t> m_bytes;
    size_t m_at = 0;
    size_t m_last_varint_size = 0;
    bool m_ok = true;
};

class WireWriter {
public:
    explicit WireWriter(std::span<uint8_t> out) : m_out(out) {}

    bool ok() const { return m_ok; }
    size_t size() const { return m_at; }
    size_t room() const { return m_ok ? m_out.size() - m_at : 0; }
    std::span<uint8_t> written() const { return m_out.first(m_at); }
    uint8_t* data() const { return m_out.data(); }

    void u8(uint8_t v) {
        if (need(1)) {
            m_out[m_at++] = v;
        }
    }
    void u16(uint16_t v) { be(v, 2); }
    void u32(uint32_t v) { be(v, 4); }
    void be(uint64_t v, size_t n) {
        if (!need(n)) {
            return;
        }
        for (size_t i = 0; i < n; ++i) {
            m_out[m_at + i] = uint8_t(v >> (8 * (n - 1 - i)));
        }
        m_at += n;
    }
    // The shortest encoding; values above kMaxVarint fail the writer.
    void varint(uint64_t v) { varint_sized(v, varint_size(v)); }
    // A given encoding length (1, 2, 4 or 8), e.g. a Length field patched later.
    void varint_sized(uint64_t v, size_t n) {
        const bool valid_size = n == 1 || n == 2 || n == 4 || n == 8;
        if (!valid_size || v > kMaxVarint || (n < 8 && v >= uint64_t(1) << (8 * n - 2)) || !need(n)) {
            m_ok = false;
            return;
        }
        static constexpr uint8_t kPrefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};
        be(v, n);
        m_out[m_at - n] |= kPrefix[n];
    }
    void bytes(std::span<const uint8_t> b) {
        if (need(b.size()) && !b.empty()) {
            std::memcpy(m_out.data() + m_at, b.data(), b.size());
            m_at += b.size();
        }
    }
    void zeros(size_t n) {
        if (need(n)) {
            std::memset(m_out.data() + m_at, 0, n);
            m_at += n;
        }
    }
    // Writes `v` as an `n`-byte varint at `at` (a field reserved with varint_sized before).
    void patch_varint(size_t at, uint64_t v, size_t n) {
        WireWriter w(m_out.subspan(at, n));
        w.varint_sized(v, n);
        m_ok = m_ok && w.ok();
    }

private:
    bool need(size_t n) {
        if (!m_ok || m_out.size() - m_at < n) {
            m_ok = false;
            return false;
        }
        return true;
    }
    std::span<uint8_t> m_out;
    size_t m_at = 0;
    bool m_ok = true;
};

}  // namespace slip::stack::quic
