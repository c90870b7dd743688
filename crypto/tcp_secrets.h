#pragma once
// Keyed values the TCP stack derives per connection attempt:
//   - the initial sequence number, RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
//     remoteport, secretkey), M a 4-microsecond clock the caller passes in (the stack is
//     clock-free), F SipHash-2-4 with a random boot-time key;
//   - the SYN cookie MAC (RFC 4987 §3.6): a 32-bit MAC over the 4-tuple, the client's ISN,
//     a coarse time counter and the 8 bits of options the cookie encodes, so a forged ACK
//     has a 2^-32 chance per try;
//   - the TCP Fast Open cookie (RFC 7413 §4.1.2): a 64-bit MAC over the client's and the
//     server's addresses, so a client proves it received a SYN-ACK at that address before
//     the server spends work on the data of its SYN.
// Addresses are 4 (IPv4) or 16 (IPv6) bytes in network order; ports in host order.
#include <cstdint>
#include <span>

#include "crypto/siphash.h"

namespace slip::crypto {

struct TcpFourTuple {
    std::span<const uint8_t> local_addr;
    std::span<const uint8_t> remote_addr;
    uint16_t local_port = 0;
    uint16_t remote_port = 0;
};

class TcpSecrets {
public:
    TcpSecrets() = default;
    TcpSecrets(SipKey isn_key, SipKey cookie_key, SipKey fast_open_key = {})
        : m_isn_key(isn_key), m_cookie_key(cookie_key), m_fast_open_key(fast_open_key) {}
    // Fresh random keys (at start and whenever the stack rotates them). False on failure.
    bool randomize();

    // RFC 6528: `clock_4us` is the caller's monotonic time in 4-microsecond ticks.
    uint32_t isn(const TcpFourTuple& t, uint32_t clock_4us) const;

    // The 32-bit MAC a SYN cookie carries; `counter` is the cookie's time slot (e.g. minutes)
    // and `encoded` the option bits (MSS index, window scale, SACK) the cookie packs.
    uint32_t syn_cookie_mac(const TcpFourTuple& t, uint32_t client_isn, uint32_t counter, uint32_t encoded) const {
        return syn_cookie_mac(m_cookie_key, t, client_isn, counter, encoded);
    }
    // The same MAC under a key held elsewhere (one shared by several queues and the engine's
    // XDP program, which computes it over the same bytes).
    static uint32_t syn_cookie_mac(const SipKey& key, const TcpFourTuple& t, uint32_t client_isn, uint32_t counter,
                                   uint32_t encoded);

    // RFC 7413 §4.1.2: the 8-byte cookie for a client at `client_addr` talking to our
    // `server_addr` (4 or 16 bytes each). Rotating the key (randomize) voids old cookies.
    uint64_t fast_open_cookie(std::span<const uint8_t> client_addr, std::span<const uint8_t> server_addr) const;

private:
    SipKey m_isn_key;
    SipKey m_cookie_key;
    SipKey m_fast_open_key;
};

}  // namespace slip::crypto
