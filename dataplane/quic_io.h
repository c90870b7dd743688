#pragma once
// What every QUIC endpoint of a core (the server on the QUIC port, the client on its own
// port) needs between the stack's UDP and the sans-I/O endpoint: addresses both ways,
// crypto-grade randomness, and received packet buffers kept by the stream data in them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/buf/mbuf.h"
#include "stack/quic/endpoint.h"
#include "stack/session/net_stack.h"
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

// A received datagram made ready for the endpoint, which decrypts it in place and may keep
// stream data in it (MbufRxOwner): `bytes` lie in `buffer`, whose reference the caller gives
// the endpoint and then frees. A buffer of our own is used as it is; a chained one, or one
// shared with another holder (a duplicate made by impairment), is first copied into a fresh
// buffer from `pool`, so that neither the other holder nor a later datagram can change kept
// data. `buffer` is nullptr (the datagram dropped) when the pool is empty or the datagram
// does not fit one buffer; `copied` says a copy was made.
struct HeldDatagram {
    std::span<uint8_t> bytes;
    stack::Mbuf* buffer = nullptr;
    bool copied = false;
};
HeldDatagram hold_datagram(stack::Mbuf* payload, stack::MbufPool* pool);

// RFC 9000 §14: 1200 bytes is the least every path carries; 1232 still fits an IPv6
// minimum-MTU path (1280 - 40 - 8), so no datagram we send needs fragmenting anywhere.
// Path MTU discovery (§14.3) would raise it.
inline constexpr size_t kMaxQuicDatagram = 1232;

struct DrainCounts {
    uint32_t sent = 0;
    bool no_buffer = false;  // the pool ran dry: the rest waits for the next poll
    bool more = false;       // `max` reached: more may be waiting
};
// What `endpoint` has to send now, at most `max` datagrams, each in a fresh buffer from
// `pool` through the stack's UDP output from `local_port`.
DrainCounts drain_endpoint(stack::quic::Endpoint& endpoint, stack::NetStack& net, stack::MbufPool* pool,
                           uint16_t local_port, uint32_t max, stack::Instant now);

// The sender of a received datagram as the endpoint names it.
stack::quic::PeerAddress peer_of(const stack::UdpMeta& meta);
// The UDP flow from our `local_port` to `to`.
stack::UdpFlow flow_to(const stack::quic::PeerAddress& to, uint16_t local_port);

}  // namespace slip::dataplane
