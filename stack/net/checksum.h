#pragma once
// The Internet checksum (RFC 1071) and its pseudo-headers (RFC 768, RFC 8200 §8.1),
// plus incremental update (RFC 1624) for headers rewritten in place.
#include <cstddef>
#include <cstdint>

#include "stack/buf/mbuf.h"
#include "stack/net/addr.h"

namespace slip::stack {

// Unfolded 32-bit-or-wider partial sum of bytes taken as big-endian 16-bit words.

uint64_t checksum_partial(const uint8_t* data, size_t len, uint64_t sum = 0);
// Folds a partial sum to 16 bits (not yet complemented).
uint16_t checksum_fold(uint64_t sum);
// Complemented checksum of a byte range: what goes into a header field.
inline uint16_t checksum(const uint8_t* data, size_t len) {
    return static_cast<uint16_t>(~checksum_fold(checksum_partial(data, len)));
}
// Partial sum over `len` bytes of a (possibly multi-segment) mbuf starting at `offset`.
uint64_t checksum_partial_mbuf(const Mbuf* m, uint32_t offset, uint32_t len, uint64_t sum = 0);

uint64_t pseudo_header_v4(Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint32_t length);
uint64_t pseudo_header_v6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header, uint32_t length);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit field changing from old to new.
uint16_t checksum_adjust(uint16_t checksum_field, uint16_t old_word, uint16_t new_word);

}  // namespace slip::stack
