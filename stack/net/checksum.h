#pragma once
// The Internet checksum (RFC 1071) and its pseudo-headers (RFC 768, RFC 8200 §8.1),
// plus incremental update (RFC 1624) for headers rewritten in place.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "stack/base/byte_order.h"
#include "stack/buf/mbuf.h"
#include "stack/net/addr.h"

namespace slip::stack {

// Folds a partial sum to 16 bits (not yet complemented): 64 to 32 to 16 bits, each with
// its end-around carry (RFC 1071 §2(C)).
inline uint16_t checksum_fold(uint64_t sum) {
    const uint32_t high32 = uint32_t(sum >> 32);
    uint32_t s32 = uint32_t(sum) + high32;
    s32 += s32 < high32 ? 1u : 0u;
    const uint16_t high16 = uint16_t(s32 >> 16);
    uint16_t s16 = uint16_t(uint16_t(s32) + high16);
    s16 = uint16_t(s16 + (s16 < high16 ? 1u : 0u));
    return s16;
}

// The native-order sum of a range of 64 bytes or more, unfolded (RFC 1071 §2(B): the
// ones'-complement sum does not depend on byte order). Out of line: it is the loop GCC
// turns into wide vector adds, whose set-up alone costs more than a short header's sum.
uint64_t checksum_native_long(const uint8_t* data, size_t len);

// The same for a short range (headers, small datagrams): under 64 bytes, in 64-bit words
// with the carry added back at once (RFC 1071 §2(C)), which keeps the loop scalar and a
// few instructions per word. Scalar on purpose: one masked 64-byte vector load measured
// slower, as it cannot be forwarded from the narrower stores that have just written the
// frame (a driver's copy) and waits for them to reach the cache.
[[gnu::always_inline]] inline uint64_t checksum_native_short(const uint8_t* data, size_t len) {
    uint64_t sum = 0;
    const auto add = [&sum](uint64_t word) {
        sum += word;
        sum += sum < word ? 1u : 0u;
    };
    for (; len >= 8; data += 8, len -= 8) {
        uint64_t w;
        std::memcpy(&w, data, 8);
        add(w);
    }
    uint64_t tail = 0;
    if (len >= 4) {
        uint32_t w;
        std::memcpy(&w, data, 4);
        tail = w;
        data += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t w;
        std::memcpy(&w, data, 2);
        tail += w;
        data += 2;
        len -= 2;
    }
    if (len == 1) {
        // The odd byte is the high half of a big-endian word: in memory order, the first
        // byte of a native 16-bit word.
        const uint8_t last[2] = {data[0], 0};
        uint16_t w;
        std::memcpy(&w, last, 2);
        tail += w;
    }
    add(tail);
    return sum;
}

// The native sum of 8 to 63 bytes (a small datagram with its UDP header): whole 64-bit
// words, each added as its two 32-bit halves so the sum never carries out, then the last
// 1-7 bytes as one load of the range's final eight, shifted so that only those bytes stay,
// in the places their offsets give them. Fewer instructions than a 4-2-1 tail of separate
// loads and branches: the one-pass UDP path pays this on every datagram.
[[gnu::always_inline]] inline uint64_t checksum_native_8_to_63(const uint8_t* data, size_t len) {
    const uint8_t* const end = data + len;
    uint64_t sum = 0;
    for (; len >= 8; data += 8, len -= 8) {
        uint64_t w;
        std::memcpy(&w, data, 8);
        sum += (w & 0xffff'ffffu) + (w >> 32);
    }
    if (len != 0) {
        uint64_t w;
        std::memcpy(&w, end - 8, 8);
        // Drop the 8 - len bytes that were summed already: on a little-endian host they are
        // the low ones, and the shift puts the first new byte (an even offset) at bit 0.
        w = std::endian::native == std::endian::little ? w >> (8 * (8 - len)) : w << (8 * (8 - len));
        sum += (w & 0xffff'ffffu) + (w >> 32);
    }
    return sum;
}

// Partial sum of bytes taken as big-endian 16-bit words, added to `sum` (a partial sum of
// big-endian words, e.g. a pseudo-header). Inline: every received frame sums a header or
// two of a few dozen bytes, where a call and a loop's set-up cost as much as the adding.
[[gnu::always_inline]] inline uint64_t checksum_partial(const uint8_t* data, size_t len, uint64_t sum = 0) {
    const uint64_t native = len < 64 ? checksum_native_short(data, len) : checksum_native_long(data, len);
    // The folded native sum as the big-endian word its bytes form: one swap for the
    // whole range instead of one per word (none on a big-endian host).
    const uint16_t folded = checksum_fold(native);
    if constexpr (std::endian::native == std::endian::little) {
        return sum + __builtin_bswap16(folded);
    } else {
        return sum + folded;
    }
}

// Complemented checksum of a byte range: what goes into a header field.
inline uint16_t checksum(const uint8_t* data, size_t len) {
    return static_cast<uint16_t>(~checksum_fold(checksum_partial(data, len)));
}

// The multi-segment case of checksum_partial_mbuf.
uint64_t checksum_partial_chain(const Mbuf* m, uint32_t offset, uint32_t len, uint64_t sum);
// Partial sum over `len` bytes of a (possibly multi-segment) mbuf starting at `offset`.
inline uint64_t checksum_partial_mbuf(const Mbuf* m, uint32_t offset, uint32_t len, uint64_t sum = 0) {
    if (uint64_t(offset) + len <= m->data_len) {
        return checksum_partial(rte_pktmbuf_mtod_offset(m, const uint8_t*, offset), len, sum);
    }
    return checksum_partial_chain(m, offset, len, sum);
}

// True when an IPv4 header without options (20 bytes) sums to all ones, i.e. its
// checksum is right. Five words and no loop: every received IPv4 frame pays this.
inline bool ipv4_min_header_checksum_ok(const uint8_t* header) {
    // Word by word: copied as one block, GCC goes through a 16-byte stack store that the
    // word loads then wait on (a store-forwarding stall on every frame).
    const auto word = [header](size_t i) {
        uint32_t w;
        std::memcpy(&w, header + 4 * i, 4);
        return uint64_t(w);
    };
    // All ones reads the same in either byte order, so the native sum is compared as is.
    return checksum_fold(word(0) + word(1) + word(2) + word(3) + word(4)) == 0xffff;
}

inline uint64_t pseudo_header_v4(Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint32_t length) {
    return uint64_t(src.value) + dst.value + protocol + length;
}
uint64_t pseudo_header_v6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header, uint32_t length);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit field changing from old to new.
inline uint16_t checksum_adjust(uint16_t checksum_field, uint16_t old_word, uint16_t new_word) {
    uint32_t sum = uint32_t(static_cast<uint16_t>(~checksum_field)) + static_cast<uint16_t>(~old_word) + new_word;
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

}  // namespace slip::stack
