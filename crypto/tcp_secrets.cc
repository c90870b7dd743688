#include "crypto/tcp_secrets.h"

#include <array>
#include <cstring>

namespace slip::crypto {
namespace {

// addr lengths, addresses, ports, then `extra` words: one fixed-size buffer, no allocation.
struct TupleBytes {
    std::array<uint8_t, 2 + 32 + 4 + 12> bytes{};
    size_t len = 0;
    void put(std::span<const uint8_t> s) {
        const size_t n = std::min(s.size(), size_t(16));  // longer addresses are not ours
        std::memcpy(bytes.data() + len, s.data(), n);
        len += n;
    }
    void put_u16(uint16_t v) {
        bytes[len++] = uint8_t(v >> 8);
        bytes[len++] = uint8_t(v);
    }
    void put_u32(uint32_t v) {
        put_u16(uint16_t(v >> 16));
        put_u16(uint16_t(v));
    }
    explicit TupleBytes(const TcpFourTuple& t) {
        bytes[len++] = uint8_t(t.local_addr.size());  // keeps IPv4 and IPv6 inputs apart
        bytes[len++] = uint8_t(t.remote_addr.size());
        put(t.local_addr);
        put(t.remote_addr);
        put_u16(t.local_port);
        put_u16(t.remote_port);
    }
    std::span<const uint8_t> span() const { return {bytes.data(), len}; }
};

}  // namespace

bool TcpSecrets::randomize() {
    return m_isn_key.randomize() && m_cookie_key.randomize() && m_fast_open_key.randomize();
}

uint32_t TcpSecrets::isn(const TcpFourTuple& t, uint32_t clock_4us) const {
    const TupleBytes b(t);
    return clock_4us + uint32_t(siphash24(m_isn_key, b.span()));
}

uint32_t TcpSecrets::syn_cookie_mac(const SipKey& key, const TcpFourTuple& t, uint32_t client_isn, uint32_t counter,
                                    uint32_t encoded) {
    TupleBytes b(t);
    b.put_u32(client_isn);
    b.put_u32(counter);
    b.put_u32(encoded);
    const uint64_t h = siphash24(key, b.span());
    return uint32_t(h ^ (h >> 32));
}

uint64_t TcpSecrets::fast_open_cookie(std::span<const uint8_t> client_addr,
                                      std::span<const uint8_t> server_addr) const {
    // Ports are left out: a client uses one cookie for every connection to the server.
    const TupleBytes b(TcpFourTuple{server_addr, client_addr, 0, 0});
    return siphash24(m_fast_open_key, b.span());
}

}  // namespace slip::crypto
