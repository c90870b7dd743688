// Between IP and TCP: the checksum over the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1),
// the 4-tuple, and on the way out the IP header in front of TCP's segments.
#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"
#include "stack/net/ipv4.h"
#include "stack/net/ipv6.h"
#include "stack/session/net_stack.h"

namespace slip::stack {

// `m` starts at the TCP header.
void NetStack::tcp_input(Mbuf* m, const Ipv6Addr& src, const Ipv6Addr& dst, uint32_t tcp_len, bool unicast,
                         uint64_t pseudo_sum, Instant now) {
    // 1: TCP is unicast only (RFC 9293 §3.9.1.3 / RFC 1122 §4.2.3.10).
    if (!unicast) {
        return drop(m, DropReason::tcp_bad_address);
    }
    buf::trim_to(m, tcp_len);
    if (tcp_len < tcp::kTcpHeaderLen || buf::head_len(m) < tcp::kTcpHeaderLen) {
        return drop(m, DropReason::tcp_truncated);
    }
    // 2: the checksum, unless the NIC checked it.
    if (!buf::l4_checksum_verified(m) && checksum_fold(checksum_partial_mbuf(m, 0, tcp_len, pseudo_sum)) != 0xffff) {
        return drop(m, DropReason::tcp_bad_checksum);
    }
    // 3: the connection's name from our side.
    const uint8_t* p = buf::data(m);
    tcp::FlowKey key;
    key.local = dst;
    key.remote = src;
    key.remote_port = load_be16(p);
    key.local_port = load_be16(p + 2);
    if (key.remote_port == 0 || key.local_port == 0) {
        return drop(m, DropReason::tcp_bad_address);
    }
    m_tcp->input(m, key, now);
}

void NetStack::tcp_transmit(Mbuf* segment, const tcp::FlowKey& key, Instant now) {
    const uint32_t len = buf::pkt_len(segment);
    const bool ipv6 = key.ipv6();
    const uint64_t pseudo =
        ipv6 ? pseudo_header_v6(key.local, key.remote, uint8_t(IpProtocol::tcp), len)
             : pseudo_header_v4(key.local.mapped_v4(), key.remote.mapped_v4(), uint8_t(IpProtocol::tcp), len);
    const uint16_t sum = static_cast<uint16_t>(~checksum_fold(checksum_partial_mbuf(segment, 0, len, pseudo)));
    store_be16(buf::data(segment) + 16, sum);
    if (ipv6) {
        uint8_t* ip = buf::push(segment, kIpv6HeaderLen);
        if (ip == nullptr) {
            return drop(segment, DropReason::no_buffer);
        }
        write_ipv6(ip, Ipv6Header{static_cast<uint16_t>(len), uint8_t(IpProtocol::tcp), m_opts.hop_limit,
                                  key.local, key.remote});
        return send_ipv6(segment, key.remote, now);
    }
    uint8_t* ip = buf::push(segment, kIpv4MinHeaderLen);
    if (ip == nullptr) {
        return drop(segment, DropReason::no_buffer);
    }
    Ipv4Header h;
    h.header_len = kIpv4MinHeaderLen;
    h.total_len = static_cast<uint16_t>(kIpv4MinHeaderLen + len);
    h.id = m_ipv4_id++;
    h.ttl = m_opts.ttl;
    h.protocol = uint8_t(IpProtocol::tcp);
    h.src = key.local.mapped_v4();
    h.dst = key.remote.mapped_v4();
    write_ipv4(ip, h);
    send_ipv4(segment, h.dst, now);
}

bool NetStack::tcp_local_address(const Ipv6Addr& remote, Ipv6Addr& local) const {
    if (remote.is_v4_mapped()) {
        if (!m_opts.ipv4) {
            return false;
        }
        local = Ipv6Addr::v4_mapped(m_opts.ipv4->addr);
        return true;
    }
    if (remote.is_link_local()) {
        local = m_link_local;
        return true;
    }
    if (!m_opts.ipv6) {
        return false;
    }
    local = m_opts.ipv6->addr;
    return true;
}

}  // namespace slip::stack
