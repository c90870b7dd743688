#include "stack/net/ethernet.h"

#include <cstring>

#include "stack/base/byte_order.h"

namespace slip::stack {

Parsed<EthernetHeader> parse_ethernet(const uint8_t* frame, size_t len) {
    if (len < kEthernetHeaderLen) {
        return DropReason::eth_truncated;
    }
    return EthernetHeader{frame};
}

void write_ethernet(uint8_t* frame, const MacAddr& dst, const MacAddr& src, EtherType type) {
    std::memcpy(frame, dst.bytes.data(), 6);
    std::memcpy(frame + 6, src.bytes.data(), 6);
    store_be16(frame + 12, static_cast<uint16_t>(type));
}

}  // namespace slip::stack
