#pragma once
// TCP sequence numbers (RFC 9293 §3.4): 32-bit, compared modulo 2^32. A strong type so
// that a sequence number is never compared with `<` on raw integers, which breaks at the
// wrap. a < b means "a comes before b" within half the sequence space.
#include <compare>
#include <cstdint>

namespace slip::stack::tcp {

class Seq {
public:
    constexpr Seq() = default;
    constexpr explicit Seq(uint32_t v) : m_v(v) {}
    constexpr uint32_t raw() const { return m_v; }

    constexpr Seq operator+(uint32_t n) const { return Seq(m_v + n); }
    constexpr Seq operator-(uint32_t n) const { return Seq(m_v - n); }
    constexpr Seq& operator+=(uint32_t n) {
        m_v += n;
        return *this;
    }
    // Signed distance from `o` to this: positive when this comes after `o`.
    constexpr int32_t operator-(Seq o) const { return static_cast<int32_t>(m_v - o.m_v); }

    constexpr bool operator==(const Seq&) const = default;
    constexpr std::strong_ordering operator<=>(Seq o) const { return (*this - o) <=> 0; }

private:
    uint32_t m_v = 0;
};

constexpr Seq seq_max(Seq a, Seq b) { return a < b ? b : a; }
constexpr Seq seq_min(Seq a, Seq b) { return a < b ? a : b; }
// lo <= s < hi, modulo 2^32 (RFC 9293 §3.4's "=<" and "<" checks).
constexpr bool in_window(Seq s, Seq lo, Seq hi) { return lo <= s && s < hi; }
// Bytes from `from` up to `to` (to must not come before from).
constexpr uint32_t seq_distance(Seq from, Seq to) { return to.raw() - from.raw(); }

}  // namespace slip::stack::tcp
