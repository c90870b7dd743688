#include "stack/net/icmp.h"

#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"

namespace slip::stack {

Parsed<IcmpHeader> parse_icmp(const uint8_t* p, size_t len, bool checksum_verified) {
    if (len < kIcmpHeaderLen) {
        return DropReason::icmp_truncated;
    }
    if (!checksum_verified && checksum(p, len) != 0) {
        return DropReason::icmp_bad_checksum;
    }
    return IcmpHeader{p[0], p[1]};
}

void echo_request_to_reply(uint8_t* p) {
    const uint16_t old_word = load_be16(p);
    p[0] = static_cast<uint8_t>(IcmpType::echo_reply);
    const uint16_t new_word = load_be16(p);
    // Eqn. 3 yields 0x0000 when the reply's other words sum to zero (id 0, seq 0, zero
    // data), where only 0xffff verifies; 0xffff verifies whenever 0x0000 would.
    const uint16_t sum = checksum_adjust(load_be16(p + 2), old_word, new_word);
    store_be16(p + 2, sum == 0 ? 0xffff : sum);
}

void write_icmp_unreachable(uint8_t* p, uint8_t code, size_t quoted_len) {
    p[0] = static_cast<uint8_t>(IcmpType::dest_unreachable);
    p[1] = code;
    store_be16(p + 2, 0);
    store_be32(p + 4, 0);  // unused (RFC 792)
    store_be16(p + 2, checksum(p, kIcmpHeaderLen + quoted_len));
}

}  // namespace slip::stack
