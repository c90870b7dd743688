#pragma once
// The Internet checksum (RFC 1071) and its pseudo-headers (RFC 768, RFC 8200 §8.1),
// plus incremental update (RFC 1624) for headers rewritten in place.
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

// Unfolded 32-bit-or-wider partial sum of bytes taken as big-endian 16-bit words. Inline:
// every received frame sums a header or two of a few dozen bytes, where a call and the
// loop set-up cost as much as the adding.
inline uint64_t checksum_partial(const uint8_t* data, size_t len, uint64_t sum = 0) {
    // RFC 1071 §2(B): the ones'-complement sum does not depend on byte order. Sum native
    // 32-bit words into a 64-bit accumulator (no carry is lost for any packet size), fold,
    // and swap the 16-bit result once to the big-endian words callers add pseudo-headers
    // in. One plain loop with no per-word swap: the shape GCC turns into wide vector adds.
    uint64_t native = 0;
    const size_t words = len / 4;
    for (size_t i = 0; i < words; ++i) {
        uint32_t w;
        std::memcpy(&w, data + 4 * i, 4);
        native += w;
    }
    data += 4 * words;
    len -= 4 * words;
    if (len >= 2) {
        uint16_t w;
        std::memcpy(&w, data, 2);
        native += w;
        data += 2;
        len -= 2;
    }
    if (len == 1) {
        // The odd byte is the high half of a big-endian word: in memory order, the first
        // byte of a native 16-bit word.
        uint8_t last[2] = {data[0], 0};
        uint16_t w;
        std::memcpy(&w, last, 2);
        native += w;
    }
    // The folded native sum, read back as the big-endian word its bytes form.
    const uint16_t folded = checksum_fold(native);
    uint8_t bytes[2];
    std::memcpy(bytes, &folded, 2);
    return sum + load_be16(bytes);
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
