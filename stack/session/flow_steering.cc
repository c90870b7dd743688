#include "stack/session/flow_steering.h"

#include <cstring>

#include "stack/base/byte_order.h"

namespace slip::stack {

namespace {
constexpr uint8_t kTcp = 6;
constexpr uint8_t kIcmpv6 = 58;
constexpr uint16_t kArpReply = 2;
constexpr uint8_t kNeighborAdvertisement = 136;
}  // namespace

FlowSteering::FlowSteering(uint16_t queue, uint16_t queues, const std::array<uint8_t, 40>& key)
    : m_hash(key), m_queue(queue), m_queues(queues == 0 ? 1 : queues) {
    for (uint32_t i = 0; i < kRetaSize; ++i) {
        m_reta[i] = uint16_t(i % m_queues);  // DPDK's default redirection table
    }
}

uint16_t FlowSteering::owner(const tcp::FlowKey& key) const {
    // As the segments arrive: source = the remote side, destination = us.
    uint8_t in[Toeplitz::kMaxInput];
    size_t n = 0;
    if (key.remote.is_v4_mapped()) {
        std::memcpy(in, key.remote.bytes.data() + 12, 4);
        std::memcpy(in + 4, key.local.bytes.data() + 12, 4);
        n = 8;
    } else {
        std::memcpy(in, key.remote.bytes.data(), 16);
        std::memcpy(in + 16, key.local.bytes.data(), 16);
        n = 32;
    }
    store_be16(in + n, key.remote_port);
    store_be16(in + n + 2, key.local_port);
    return from_hash(m_hash.hash({in, n + 4}));
}

uint16_t FlowSteering::classify(const Mbuf* frame) const {
    const uint8_t* p = buf::data(frame);
    const uint32_t len = buf::head_len(frame);
    if (len < 14) {
        return kLocal;
    }
    const uint16_t type = load_be16(p + 12);
    if (type == 0x0800) {
        return classify_ipv4(p + 14, len - 14);
    }
    if (type == 0x86dd) {
        return classify_ipv6(p + 14, len - 14);
    }
    if (type == 0x0806 && len >= 14 + 8 && load_be16(p + 14 + 6) == kArpReply) {
        return kEveryQueue;
    }
    return kLocal;
}

uint16_t FlowSteering::classify_ipv4(const uint8_t* ip, uint32_t len) const {
    if (len < 20 || (ip[0] >> 4) != 4) {
        return kLocal;
    }
    const uint32_t ihl = uint32_t(ip[0] & 0x0f) * 4;
    // Fragments (MF set or an offset) carry no ports where it matters: reassembly is local.
    if (ip[9] != kTcp || ihl < 20 || len < ihl + 4 || (load_be16(ip + 6) & 0x3fff) != 0) {
        return kLocal;
    }
    uint8_t in[12];
    std::memcpy(in, ip + 12, 8);          // source and destination addresses
    std::memcpy(in + 8, ip + ihl, 4);     // source and destination ports
    return from_hash(m_hash.hash(in));
}

uint16_t FlowSteering::classify_ipv6(const uint8_t* ip, uint32_t len) const {
    if (len < 40 || (ip[0] >> 4) != 6) {
        return kLocal;
    }
    const uint8_t next = ip[6];
    if (next == kIcmpv6) {
        return len >= 41 && ip[40] == kNeighborAdvertisement ? kEveryQueue : kLocal;
    }
    if (next != kTcp || len < 44) {
        return kLocal;  // extension headers: the stack walks them, on this queue
    }
    uint8_t in[36];
    std::memcpy(in, ip + 8, 32);
    std::memcpy(in + 32, ip + 40, 4);
    return from_hash(m_hash.hash(in));
}

}  // namespace slip::stack
