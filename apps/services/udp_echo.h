#pragma once
// UDP echo (RFC 862): every datagram goes back to its sender unchanged, from the
// same buffer (no copy, no checksum recomputation). A datagram service, bound on each
// polling core (dataplane::AppSet::datagrams): datagrams are not on the stream interface.
#include <cstdint>

#include "stack/session/udp_service.h"

namespace slip::apps {

class UdpEcho final : public stack::UdpService {
public:
    stack::UdpAction on_datagram(stack::Mbuf* payload, const stack::UdpMeta& meta, stack::Instant now) override;
    uint64_t datagrams() const { return m_datagrams; }

private:
    uint64_t m_datagrams = 0;
};

}  // namespace slip::apps
