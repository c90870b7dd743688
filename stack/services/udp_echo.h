#pragma once
// UDP echo (RFC 862): every datagram goes back to its sender unchanged, from the
// same buffer (no copy, no checksum recomputation).
#include "stack/session/udp_service.h"

namespace slip::stack {

class UdpEcho final : public UdpService {
public:
    UdpAction on_datagram(Mbuf* payload, const UdpMeta& meta, Instant now) override;
    uint64_t datagrams() const { return m_datagrams; }

private:
    uint64_t m_datagrams = 0;
};

}  // namespace slip::stack
