#pragma once
// What every QUIC endpoint of a core (the server on the QUIC port, the client on its own
// port) needs between the stack's UDP and the sans-I/O endpoint: addresses both ways,
// crypto-grade randomness, and received packet buffers kept by the stream data in them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/endpoint.h"
#include "stack/session/udp_service.h"

namespace slip::dataplane {

// Crypto-grade randomness for CIDs and stateless packets, taken from GnuTLS's generator
// a buffer at a time so that a new connection does not pay a generator call.
class BufferedRandom final : public stack::quic::RandomSource {
public:
    void fill(std::span<uint8_t> out) override;

private:
    std::array<uint8_t, 512> m_buffer{};
    size_t m_used = 512;
};

// Stream data a connection keeps stays in the packet buffer it arrived in: a reference
// on the buffer per piece kept.
class MbufRxOwner final : public stack::quic::RxBufferOwner {
public:
    void retain(void* buffer) override;
    void release(void* buffer) override;
};

// The sender of a received datagram as the endpoint names it.
stack::quic::PeerAddress peer_of(const stack::UdpMeta& meta);
// The UDP flow from our `local_port` to `to`.
stack::UdpFlow flow_to(const stack::quic::PeerAddress& to, uint16_t local_port);

}  // namespace slip::dataplane
