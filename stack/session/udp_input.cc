// UDP input and output (RFC 768, RFC 8200 §8.1) and port-unreachable errors
// (RFC 1122 §4.1.3.1, RFC 4443 §3.1).
#include <algorithm>

#include "stack/base/byte_order.h"
#include "stack/net/checksum.h"
#include "stack/net/icmp.h"
#include "stack/net/icmpv6.h"
#include "stack/net/ipv4.h"
#include "stack/net/ipv6.h"
#include "stack/net/udp.h"
#include "stack/session/net_stack.h"

namespace slip::stack {
namespace {

uint64_t udp_pseudo_header(const UdpMeta& meta, uint32_t udp_len) {
    return meta.ipv6 ? pseudo_header_v6(meta.src6, meta.dst6, uint8_t(IpProtocol::udp), udp_len)
                     : pseudo_header_v4(meta.src4, meta.dst4, uint8_t(IpProtocol::udp), udp_len);
}

}  // namespace

// `m` starts at the UDP header; `ip` points at the IP header for error quoting.
void NetStack::udp_input(Mbuf* m, uint8_t* ip, UdpMeta& meta, uint32_t udp_len, bool destined_to_unicast,
                         Instant now) {
    // 1: header present and the length field consistent with the IP payload.
    const auto h = parse_udp(buf::data(m), udp_len);
    if (!h) {
        return drop(m, h.reason());
    }
    buf::trim_to(m, h->length);
    // 2: checksum. Zero means "not computed" over IPv4 only (RFC 768); over IPv6 it is
    //    mandatory and a zero is discarded (RFC 8200 §8.1).
    if (h->checksum == 0) {
        if (meta.ipv6) {
            return drop(m, DropReason::udp_bad_checksum);
        }
    } else if (!buf::l4_checksum_verified(m)) {
        const uint64_t sum = checksum_partial_mbuf(m, 0, h->length, udp_pseudo_header(meta, h->length));
        if (checksum_fold(sum) != 0xffff) {
            return drop(m, DropReason::udp_bad_checksum);
        }
    }
    meta.src_port = h->src_port;
    meta.dst_port = h->dst_port;
    // 3: demultiplex on the destination port.
    UdpService* service = m_udp_ports[h->dst_port];
    if (service == nullptr) {
        if (destined_to_unicast) {
            send_icmp_port_unreachable(m, ip, meta.ipv6, now);
        }
        return drop(m, DropReason::udp_no_service);
    }
    buf::pull(m, kUdpHeaderLen);
    m_counters.count(Event::rx_udp);
    // 4: the service decides; replies are sent from the address the request reached.
    const UdpAction action = service->on_datagram(m, meta, now);
    if (action != UdpAction::consumed) {
        udp_finish(m, meta, action, now);
    }
}

void NetStack::udp_finish(Mbuf* m, const UdpMeta& meta, UdpAction action, Instant now) {
    // A request to a broadcast or group address is answered from our unicast address,
    // which changes the pseudo-header: recompute the checksum then.
    const bool to_our_unicast = meta.ipv6 ? is_our_ipv6(meta.dst6) : is_our_ipv4(meta.dst4);
    if (action == UdpAction::reflect && to_our_unicast) {
        // Swapping source and destination leaves the one's-complement sum as it was,
        // so the original UDP header, checksum included, is reused with ports swapped.
        uint8_t* udp = buf::push(m, kUdpHeaderLen);
        const uint16_t src_port = load_be16(udp);
        store_be16(udp, load_be16(udp + 2));
        store_be16(udp + 2, src_port);
        const uint32_t udp_len = buf::pkt_len(m);
        if (meta.ipv6) {
            uint8_t* ip = buf::push(m, kIpv6HeaderLen);
            write_ipv6(ip, Ipv6Header{static_cast<uint16_t>(udp_len), uint8_t(IpProtocol::udp), m_opts.hop_limit,
                                      meta.dst6, meta.src6});
            m_counters.count(Event::udp_replies);
            return send_ipv6(m, meta.src6, now);
        }
        uint8_t* ip = buf::push(m, kIpv4MinHeaderLen);
        if (meta.ip_header_len == kIpv4MinHeaderLen) {
            // The request's own header is still in place: turn it around.
            turn_ipv4_header_around(ip, m_opts.ttl, static_cast<uint16_t>(kIpv4MinHeaderLen + udp_len));
        } else {
            write_ipv4(ip, Ipv4Header{kIpv4MinHeaderLen, static_cast<uint16_t>(kIpv4MinHeaderLen + udp_len),
                                      m_ipv4_id++, m_opts.ttl, uint8_t(IpProtocol::udp), meta.dst4, meta.src4});
        }
        m_counters.count(Event::udp_replies);
        return send_ipv4(m, meta.src4, now);
    }
    udp_send_reply(m, meta, now);
}

void NetStack::udp_send_reply(Mbuf* m, const UdpMeta& meta, Instant now) {
    const uint32_t udp_len = kUdpHeaderLen + buf::pkt_len(m);
    if (udp_len > 0xffff) {
        return drop(m, DropReason::udp_bad_length);
    }
    uint8_t* udp = buf::push(m, kUdpHeaderLen);
    if (udp == nullptr) {
        return drop(m, DropReason::no_buffer);
    }
    UdpMeta out;
    out.ipv6 = meta.ipv6;
    out.src4 = is_our_ipv4(meta.dst4) || !m_opts.ipv4 ? meta.dst4 : m_opts.ipv4->addr;
    out.dst4 = meta.src4;
    out.src6 = is_our_ipv6(meta.dst6) ? meta.dst6 : ipv6_source_for(meta.src6);
    out.dst6 = meta.src6;
    write_udp(udp, meta.dst_port, meta.src_port, static_cast<uint16_t>(udp_len), 0);
    uint16_t sum = static_cast<uint16_t>(
        ~checksum_fold(checksum_partial_mbuf(m, 0, udp_len, udp_pseudo_header(out, udp_len))));
    // RFC 768: a computed zero is sent as all ones (zero would mean "no checksum").
    store_be16(udp + 6, sum == 0 ? 0xffff : sum);
    m_counters.count(Event::udp_replies);
    if (out.ipv6) {
        uint8_t* ip = buf::push(m, kIpv6HeaderLen);
        write_ipv6(ip, Ipv6Header{static_cast<uint16_t>(udp_len), uint8_t(IpProtocol::udp), m_opts.hop_limit,
                                  out.src6, out.dst6});
        return send_ipv6(m, out.dst6, now);
    }
    uint8_t* ip = buf::push(m, kIpv4MinHeaderLen);
    write_ipv4(ip, Ipv4Header{kIpv4MinHeaderLen, static_cast<uint16_t>(kIpv4MinHeaderLen + udp_len), m_ipv4_id++,
                              m_opts.ttl, uint8_t(IpProtocol::udp), out.src4, out.dst4});
    send_ipv4(m, out.dst4, now);
}

void NetStack::udp_send(Mbuf* payload, const UdpFlow& flow, Instant now) {
    // Expressed as the reply to a datagram the remote would have sent us.
    UdpMeta as_if_received;
    as_if_received.ipv6 = flow.ipv6;
    as_if_received.src4 = flow.remote4;
    as_if_received.dst4 = m_opts.ipv4 ? m_opts.ipv4->addr : Ipv4Addr{};
    as_if_received.src6 = flow.remote6;
    as_if_received.dst6 = ipv6_source_for(flow.remote6);
    as_if_received.src_port = flow.remote_port;
    as_if_received.dst_port = flow.local_port;
    udp_send_reply(payload, as_if_received, now);
}

// Builds the error in a fresh buffer quoting the offending packet, which the caller
// then drops and counts. RFC 792: IP header + 8 bytes; RFC 4443 §2.4(c): as much as
// fits in the minimum MTU.
void NetStack::send_icmp_port_unreachable(Mbuf* m, uint8_t* ip, bool ipv6, Instant now) {
    if (!m_icmp_errors.take(now)) {
        m_counters.drop(DropReason::icmp_rate_limited);
        return;
    }
    const uint32_t ip_len =
        static_cast<uint32_t>(buf::data(m) - ip) + buf::head_len(m);  // bytes from the IP header on
    const uint32_t header_len = ipv6 ? kIpv6HeaderLen : kIpv4MinHeaderLen;
    const uint32_t quote_limit = ipv6 ? 1280 - kIpv6HeaderLen - kIcmpv6HeaderLen : (ip[0] & 0x0f) * 4u + 8;
    const uint32_t quote_len = std::min(ip_len, quote_limit);
    Mbuf* err = buf::alloc(m_pool);
    if (err == nullptr) {
        m_counters.drop(DropReason::no_buffer);
        return;
    }
    uint8_t* out = buf::append(err, static_cast<uint16_t>(header_len + kIcmpHeaderLen + quote_len));
    if (out == nullptr) {
        buf::free(err);
        m_counters.drop(DropReason::no_buffer);
        return;
    }
    std::copy_n(ip, quote_len, out + header_len + kIcmpHeaderLen);
    const uint16_t icmp_len = static_cast<uint16_t>(kIcmpHeaderLen + quote_len);
    m_counters.count(Event::icmp_unreachable_sent);
    if (ipv6) {
        Ipv6Addr requester;
        Ipv6Addr reached;
        std::copy_n(ip + 8, 16, requester.bytes.data());
        std::copy_n(ip + 24, 16, reached.bytes.data());
        write_icmpv6_unreachable(out + header_len, kIcmpv6CodePortUnreachable, quote_len, reached, requester);
        write_ipv6(out, Ipv6Header{icmp_len, uint8_t(IpProtocol::icmpv6), m_opts.hop_limit, reached, requester});
        return send_ipv6(err, requester, now);
    }
    const Ipv4Addr requester{load_be32(ip + 12)};
    write_icmp_unreachable(out + header_len, kIcmpCodePortUnreachable, quote_len);
    write_ipv4(out, Ipv4Header{kIpv4MinHeaderLen, static_cast<uint16_t>(kIpv4MinHeaderLen + icmp_len), m_ipv4_id++,
                               m_opts.ttl, uint8_t(IpProtocol::icmp), m_opts.ipv4->addr, requester});
    send_ipv4(err, requester, now);
}

}  // namespace slip::stack
