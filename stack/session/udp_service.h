#pragma once
// The contract between the stack and a UDP service running on the same core.
#include <cstdint>

#include "stack/base/instant.h"
#include "stack/buf/mbuf.h"
#include "stack/net/addr.h"

namespace slip::stack {

// Addresses of one datagram, from the receiver's point of view.
struct UdpMeta {
    bool ipv6 = false;
    Ipv4Addr src4;
    Ipv4Addr dst4;
    Ipv6Addr src6;
    Ipv6Addr dst6;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    // Bytes of IP header (with options or extension headers) in front of the UDP header
    // in the buffer; lets a reflected datagram reuse the request's header in place.
    uint16_t ip_header_len = 0;
};

// A datagram's destination, from the sender's point of view.
struct UdpFlow {
    bool ipv6 = false;
    Ipv4Addr remote4;
    Ipv6Addr remote6;
    uint16_t local_port = 0;
    uint16_t remote_port = 0;
};

enum class UdpAction : uint8_t {
    // The service kept or freed the buffer.
    consumed,
    // Send the payload back to its sender unchanged: the stack swaps the headers in
    // place and keeps the UDP checksum (swapping addresses does not change the sum).
    reflect,
    // Send the (possibly rewritten, resized) payload back to its sender.
    reply,
};

class UdpService {
public:
    virtual ~UdpService() = default;
    // `payload` starts at the UDP payload and holds exactly the datagram's bytes.
    virtual UdpAction on_datagram(Mbuf* payload, const UdpMeta& meta, Instant now) = 0;
};

}  // namespace slip::stack
