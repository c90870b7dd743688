#pragma once
// QUIC stateless reset tokens (RFC 9000 §10.3.2): a 16-byte value derived from a static key
// and the connection ID it goes with, so an endpoint that lost all state can still produce
// the token for a CID it once issued, and nobody without the key can predict it.
// token = SipHash-2-4(k1, cid) || SipHash-2-4(k2, cid): two independent 64-bit PRF outputs,
// computed in nanoseconds with no allocation (resets answer floods of unknown packets).
#include <array>
#include <cstdint>
#include <span>

#include "crypto/siphash.h"

namespace slip::crypto {

inline constexpr size_t kStatelessResetTokenLen = 16;
using StatelessResetToken = std::array<uint8_t, kStatelessResetTokenLen>;

class StatelessResetKey {
public:
    StatelessResetKey() = default;
    StatelessResetKey(SipKey first, SipKey second) : m_first(first), m_second(second) {}
    bool randomize() { return m_first.randomize() && m_second.randomize(); }
    StatelessResetToken token(std::span<const uint8_t> connection_id) const;

private:
    SipKey m_first;
    SipKey m_second;
};

// RFC 9000 §10.3.1: compare the last 16 bytes of a datagram with a token in constant time.
bool token_equal(std::span<const uint8_t, kStatelessResetTokenLen> a,
                 std::span<const uint8_t, kStatelessResetTokenLen> b);

}  // namespace slip::crypto
