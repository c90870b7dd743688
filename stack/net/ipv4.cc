#include "stack/net/ipv4.h"

#include <cstring>

#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"

namespace slip::stack {
Parsed<Ipv4Header> parse_ipv4(const uint8_t* p, size_t len, Ipv4ParseOptions opts) {
    // 1: the fixed part must be present before any field is read.
    if (len < kIpv4MinHeaderLen) {
        return DropReason::ipv4_truncated;
    }
    // 2: version and IHL (RFC 791 §3.1: IHL counts 32-bit words, minimum 5).
    if ((p[0] >> 4) != 4) {
        return DropReason::ipv4_bad_version;
    }
    Ipv4Header h;
    h.header_len = static_cast<uint8_t>((p[0] & 0x0f) * 4);
    if (h.header_len < kIpv4MinHeaderLen) {
        return DropReason::ipv4_bad_ihl;
    }
    if (h.header_len > len) {
        return DropReason::ipv4_truncated;
    }
    // 3: total length covers the header and fits in what arrived (the rest is link padding).
    h.total_len = load_be16(p + 2);
    if (h.total_len < h.header_len || h.total_len > len) {
        return DropReason::ipv4_bad_length;
    }
    // 4: header checksum (RFC 1122 §3.2.1.2: MUST verify, silently discard on failure).
    if (!opts.checksum_verified && checksum(p, h.header_len) != 0) {
        return DropReason::ipv4_bad_checksum;
    }
    // 5: fragments are counted and dropped until reassembly exists.
    const uint16_t frag = load_be16(p + 6);
    if ((frag & kFlagMoreFragments) != 0 || (frag & kFragmentOffsetMask) != 0) {
        return DropReason::ipv4_fragment;
    }
    // 6: a TTL of zero is never valid on the wire (RFC 1122 §3.2.1.7).
    h.ttl = p[8];
    if (h.ttl == 0) {
        return DropReason::ipv4_ttl_zero;
    }
    h.id = load_be16(p + 4);
    h.protocol = p[9];
    h.src = Ipv4Addr{load_be32(p + 12)};
    h.dst = Ipv4Addr{load_be32(p + 16)};
    return h;
}

void write_ipv4(uint8_t* p, const Ipv4Header& h) {
    p[0] = 0x45;
    p[1] = 0;
    store_be16(p + 2, h.total_len);
    store_be16(p + 4, h.id);
    store_be16(p + 6, kFlagDontFragment);
    p[8] = h.ttl;
    p[9] = h.protocol;
    store_be16(p + 10, 0);
    store_be32(p + 12, h.src.value);
    store_be32(p + 16, h.dst.value);
    // The header's sum from the values, not by reading back what was just stored: a wide
    // load of narrow in-flight stores cannot be forwarded and waits for them to reach
    // the cache (and, for a buffer a peer has just read, for the line to come back).
    const uint64_t sum = 0x4500u + h.total_len + h.id + kFlagDontFragment + (uint32_t(h.ttl) << 8 | h.protocol) +
                         (h.src.value >> 16) + (h.src.value & 0xffffu) + (h.dst.value >> 16) + (h.dst.value & 0xffffu);
    store_be16(p + 10, uint16_t(~checksum_fold(sum)));
}

void refresh_ipv4_checksum(uint8_t* p, size_t header_len) {
    store_be16(p + 10, 0);
    store_be16(p + 10, checksum(p, header_len));
}

}  // namespace slip::stack
