#pragma once
// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit PRF, fast on short inputs. The
// per-connection secrets the TCP path needs (RFC 6528 ISNs, SYN cookie MACs) are computed
// with it on every SYN, so it must cost nanoseconds, not a library call: no allocation, no
// syscalls, no state beyond the key.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace slip::crypto {

struct SipKey {
    uint64_t k0 = 0;
    uint64_t k1 = 0;
    static SipKey from_bytes(std::span<const uint8_t, 16> bytes);
    // 16 bytes from GnuTLS's key-grade generator; false when it failed (key left zero).
    bool randomize();
};

uint64_t siphash24(const SipKey& key, std::span<const uint8_t> data);

}  // namespace slip::crypto
