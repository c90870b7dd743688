#include "stack/net/checksum.h"

#include <cstdlib>
#include <cstring>

#include "stack/base/byte_order.h"

namespace slip::stack {
namespace checksum_avx2 {
uint64_t sum_words(const uint8_t* data, size_t words);  // checksum_words_avx2.cc
}  // namespace checksum_avx2

namespace {

// Native 32-bit words into a 64-bit accumulator (no carry is lost for any packet size), no
// per-word swap: the shape GCC vectorises, here for the x86-64-v2 baseline.
uint64_t sum_words_baseline(const uint8_t* data, size_t words) {
    uint64_t sum = 0;
    for (size_t i = 0; i < words; ++i) {
        uint32_t w;
        std::memcpy(&w, data + 4 * i, 4);
        sum += w;
    }
    return sum;
}

using SumWords = uint64_t (*)(const uint8_t*, size_t);

// AVX2 sums a full-size segment about 20% faster than SSE4 (8 words a step instead of 4).
// SLIP_CPU_PATH=sse keeps the baseline loop, so the tests run both on an AVX2 machine.
SumWords pick_sum_words() {
    const char* forced = std::getenv("SLIP_CPU_PATH");
    if (forced != nullptr && std::strcmp(forced, "sse") == 0) {
        return sum_words_baseline;
    }
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? checksum_avx2::sum_words : sum_words_baseline;
}

}  // namespace

uint64_t checksum_native_long(const uint8_t* data, size_t len) {
    static const SumWords sum_words = pick_sum_words();
    const size_t words = len / 4;
    return sum_words(data, words) + checksum_native_short(data + 4 * words, len - 4 * words);
}

uint64_t checksum_partial_chain(const Mbuf* m, uint32_t offset, uint32_t len, uint64_t sum) {
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

uint64_t pseudo_header_v6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header, uint32_t length) {
    uint64_t sum = checksum_partial(src.bytes.data(), 16);
    sum = checksum_partial(dst.bytes.data(), 16, sum);
    return sum + length + next_header;
}

}  // namespace slip::stack
