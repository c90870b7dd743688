#include "stack/net/udp.h"

#include "stack/base/byte_order.h"

namespace slip::stack {

Parsed<UdpHeader> parse_udp(const uint8_t* p, size_t ip_payload_len) {
    if (ip_payload_len < kUdpHeaderLen) {
        return DropReason::udp_truncated;
    }
    UdpHeader h;
    h.src_port = load_be16(p);
    h.dst_port = load_be16(p + 2);
    h.length = load_be16(p + 4);
    h.checksum = load_be16(p + 6);
    if (h.length < kUdpHeaderLen || h.length > ip_payload_len) {
        return DropReason::udp_bad_length;
    }
    return h;
}

void write_udp(uint8_t* p, uint16_t src_port, uint16_t dst_port, uint16_t length, uint16_t checksum) {
    store_be16(p, src_port);
    store_be16(p + 2, dst_port);
    store_be16(p + 4, length);
    store_be16(p + 6, checksum);
}

}  // namespace slip::stack
