#include "crypto/stateless_reset.h"

namespace slip::crypto {

StatelessResetToken StatelessResetKey::token(std::span<const uint8_t> connection_id) const {
    StatelessResetToken t{};
    const uint64_t halves[2] = {siphash24(m_first, connection_id), siphash24(m_second, connection_id)};
    for (size_t i = 0; i < 16; ++i) {
        t[i] = uint8_t(halves[i / 8] >> (8 * (7 - i % 8)));
    }
    return t;
}

bool token_equal(std::span<const uint8_t, kStatelessResetTokenLen> a,
                 std::span<const uint8_t, kStatelessResetTokenLen> b) {
    uint8_t diff = 0;
    for (size_t i = 0; i < kStatelessResetTokenLen; ++i) {
        diff |= uint8_t(a[i] ^ b[i]);  // no early exit: timing says nothing about where
    }
    return diff == 0;
}

}  // namespace slip::crypto
