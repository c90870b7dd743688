#include "stack/net/checksum.h"

#include <cstring>

#include "stack/base/byte_order.h"

namespace slip::stack {

uint64_t checksum_partial(const uint8_t* data, size_t len, uint64_t sum) {
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

uint16_t checksum_fold(uint64_t sum) {
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

uint64_t checksum_partial_mbuf(const Mbuf* m, uint32_t offset, uint32_t len, uint64_t sum) {
    // A segment boundary may split a 16-bit word; carry the odd byte across.
    bool odd = false;
    for (const Mbuf* seg = m; seg != nullptr && len > 0; seg = seg->next) {
        if (offset >= seg->data_len) {
            offset -= seg->data_len;
            continue;
        }
        const uint8_t* p = rte_pktmbuf_mtod_offset(seg, const uint8_t*, offset);
        uint32_t n = seg->data_len - offset;
        if (n > len) {
            n = len;
        }
        offset = 0;
        len -= n;
        if (odd) {
            sum += p[0];
            ++p;
            --n;
            odd = false;
        }
        sum = checksum_partial(p, n & ~1u, sum);
        if (n & 1u) {
            sum += uint32_t(p[n - 1]) << 8;
            odd = true;
        }
    }
    return sum;
}

uint64_t pseudo_header_v4(Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint32_t length) {
    return uint64_t(src.value) + dst.value + protocol + length;
}

uint64_t pseudo_header_v6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header, uint32_t length) {
    uint64_t sum = checksum_partial(src.bytes.data(), 16);
    sum = checksum_partial(dst.bytes.data(), 16, sum);
    return sum + length + next_header;
}

uint16_t checksum_adjust(uint16_t checksum_field, uint16_t old_word, uint16_t new_word) {
    uint32_t sum = uint32_t(static_cast<uint16_t>(~checksum_field)) + static_cast<uint16_t>(~old_word) + new_word;
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

}  // namespace slip::stack
