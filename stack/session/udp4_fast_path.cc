// The fast path for the commonest frame a UDP service sees: a single-segment IPv4
// datagram without options, unicast to our MAC and address, for a bound port.
//
// It checks everything the step chain (rx_frame -> ipv4_input -> udp_input) checks, in
// one pass over header words already in registers, and only accepts: anything it does
// not recognise as plainly valid goes to the step chain untouched, which then names the
// drop reason or handles the case (options, fragments, broadcast, ICMP errors, chains).
// Nothing is written to the frame or the counters before the frame is accepted, so the
// two paths cannot disagree about a frame's fate; tests/unit/stack/session/udp4_fast_path_test.cc
// runs frames through both and compares every byte and counter.
//
// Why it exists: the chain costs about 35 ns per echoed datagram here, mostly in the
// calls, the parsed-header structs and the buffer bookkeeping between steps; this costs
// about 20 (bench/stack_udp_echo.cc measures both). udp4_fast_reflect repeats the on-link
// case of send_ipv4's routing on purpose: answering through udp_finish measured 4-10 ns
// more per datagram, and sharing a routing helper with send_ipv4 2-6 ns more (A/B).
#include <bit>
#include <cstring>

#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"
#include "stack/net/ethernet.h"
#include "stack/net/ipv4.h"
#include "stack/net/udp.h"
#include "stack/session/net_stack.h"

namespace slip::stack {
namespace {

constexpr uint32_t kIpOffset = kEthernetHeaderLen;
constexpr uint32_t kUdpOffset = kEthernetHeaderLen + kIpv4MinHeaderLen;
constexpr uint32_t kPayloadOffset = kUdpOffset + kUdpHeaderLen;

// RFC 768's checksum over the pseudo-header and the datagram, summed in native byte order
// (RFC 1071 §2(B)): the addresses as they lie in the IP header, the zero and protocol
// bytes, the UDP length field's bytes (the pseudo-header's length is the same number);
// right when the sum is all ones, which reads the same in either order. One fold, no swaps.
bool udp4_checksum_ok(const uint8_t* ip, const uint8_t* udp, uint32_t udp_len) {
    constexpr uint8_t zero_and_protocol[2] = {0, uint8_t(IpProtocol::udp)};
    uint32_t src;
    uint32_t dst;
    uint16_t protocol_word;
    uint16_t length_word;
    std::memcpy(&src, ip + 12, 4);
    std::memcpy(&dst, ip + 16, 4);
    std::memcpy(&protocol_word, zero_and_protocol, 2);
    std::memcpy(&length_word, udp + 4, 2);
    const uint64_t datagram = udp_len < 64 ? checksum_native_8_to_63(udp, udp_len) : checksum_native_long(udp, udp_len);
    return checksum_fold(uint64_t(src) + dst + protocol_word + length_word + datagram) == 0xffff;
}

}  // namespace

bool NetStack::udp4_fast_input(Mbuf* m, Instant now) {
    if (!m_opts.udp_fast_path || !m_opts.ipv4 || m->nb_segs != 1) {
        return false;
    }
    const uint32_t frame_len = buf::head_len(m);
    if (frame_len < kPayloadOffset) {
        return false;
    }
    uint8_t* frame = buf::data(m);
    // Ethernet: to our MAC (broadcast and groups take the chain), type IPv4.
    if (std::memcmp(frame, m_mac.bytes.data(), 6) != 0 || load_be16(frame + 12) != uint16_t(EtherType::ipv4)) {
        return false;
    }
    // IPv4 (RFC 791, RFC 1122 §3.2.1): version 4 without options, total length within the
    // frame, no fragment, TTL not zero, UDP, header checksum right.
    const uint8_t* ip = frame + kIpOffset;
    const uint32_t total_len = load_be16(ip + 2);
    if (ip[0] != 0x45 || total_len < kIpv4MinHeaderLen + kUdpHeaderLen || total_len > frame_len - kIpOffset ||
        (load_be16(ip + 6) & (kFlagMoreFragments | kFragmentOffsetMask)) != 0 || ip[8] == 0 ||
        ip[9] != uint8_t(IpProtocol::udp)) {
        return false;
    }
    if (!buf::ip_checksum_verified(m) && !ipv4_min_header_checksum_ok(ip)) {
        return false;
    }
    // Addresses: to our unicast address, from a plausible source (RFC 1122 §3.2.1.3).
    const Ipv4Prefix& net = *m_opts.ipv4;
    const Ipv4Addr src{load_be32(ip + 12)};
    const Ipv4Addr dst{load_be32(ip + 16)};
    if (dst != net.addr || src == net.addr || src.is_multicast() || src.is_limited_broadcast() ||
        src == m_ipv4_broadcast) {
        return false;
    }
    // UDP (RFC 768): length within the IP payload, a bound port, checksum right or absent.
    uint8_t* udp = frame + kUdpOffset;
    const uint32_t udp_len = load_be16(udp + 4);
    if (udp_len < kUdpHeaderLen || udp_len > total_len - kIpv4MinHeaderLen) {
        return false;
    }
    UdpService* service = m_udp_ports[load_be16(udp + 2)];
    if (service == nullptr) {
        return false;
    }
    if (load_be16(udp + 6) != 0 && !buf::l4_checksum_verified(m) && !udp4_checksum_ok(ip, udp, udp_len)) {
        return false;
    }
    // Accepted: from here on the frame is ours, exactly as the chain would have taken it.
    // The caller counts it (rx_frames, rx_ipv4, rx_udp, rx_udp_fast) once per burst.
    UdpMeta meta;
    meta.src4 = src;
    meta.dst4 = dst;
    meta.src_port = load_be16(udp);
    meta.dst_port = load_be16(udp + 2);
    meta.ip_header_len = kIpv4MinHeaderLen;
    // The payload alone, link padding and bytes beyond the UDP length cut off.
    m->data_off = static_cast<uint16_t>(m->data_off + kPayloadOffset);
    m->data_len = static_cast<uint16_t>(udp_len - kUdpHeaderLen);
    m->pkt_len = udp_len - kUdpHeaderLen;
    const UdpAction action = service->on_datagram(m, meta, now);
    if (action == UdpAction::consumed) {
        return true;
    }
    if (action == UdpAction::reflect) {
        udp4_fast_reflect(m, meta, udp_len, now);
    } else {
        udp_finish(m, meta, action, now);
    }
    return true;
}

// Turns a reflected datagram around in place when its sender is the neighbour we last
// resolved (an echo peer always is); otherwise the general output path does it.
void NetStack::udp4_fast_reflect(Mbuf* m, const UdpMeta& meta, uint32_t udp_len, Instant now) {
    const bool on_link = ((meta.src4.value ^ m_opts.ipv4->addr.value) & m_ipv4_mask) == 0;
    const MacAddr* next_hop_mac = on_link ? m_neighbors.last_reachable(Ipv6Addr::v4_mapped(meta.src4)) : nullptr;
    // The buffer still holds the request's headers in front of the payload (nothing
    // shortened them), so the frame is rebuilt around the payload where it lies.
    if (next_hop_mac == nullptr || buf::pkt_len(m) + kUdpHeaderLen != udp_len || buf::headroom(m) < kPayloadOffset) {
        return udp_finish(m, meta, UdpAction::reflect, now);
    }
    m->data_off = static_cast<uint16_t>(m->data_off - kPayloadOffset);
    m->data_len = static_cast<uint16_t>(m->data_len + kPayloadOffset);
    m->pkt_len += kPayloadOffset;
    uint8_t* frame = buf::data(m);
    std::memcpy(frame, next_hop_mac->bytes.data(), 6);
    std::memcpy(frame + 6, m_mac.bytes.data(), 6);
    turn_ipv4_header_around(frame + kIpOffset, m_opts.ttl, static_cast<uint16_t>(kIpv4MinHeaderLen + udp_len));
    // UDP: ports swapped (one word turned by half), the checksum kept (the pseudo-header
    // sum is symmetric).
    uint8_t* udp = frame + kUdpOffset;
    uint32_t ports;
    std::memcpy(&ports, udp, 4);
    ports = std::rotl(ports, 16);
    std::memcpy(udp, &ports, 4);
    m_counters.count(Event::udp_replies);
    transmit(m);
}

}  // namespace slip::stack
