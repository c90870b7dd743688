#pragma once
// Burst AEAD over Intel IPSec-MB: AES-128-GCM, AES-256-GCM (RFC 5116, NIST SP 800-38D) and
// ChaCha20-Poly1305 (RFC 8439), 12-byte nonces and 16-byte tags, the AEADs QUIC uses
// (RFC 9001 §5.3). Byte spans in, byte spans out; no allocation and no exceptions in
// seal()/open().
//
// Buffers: an op reads `input` and writes `output`. They may be the same bytes (in place) or
// two disjoint buffers (out of place: plaintext straight from an application buffer into a
// packet buffer); a partial overlap is refused. The tag is either detached (`tag` points at
// 16 bytes) or, with tag == nullptr, inline as QUIC carries it: after the ciphertext.
//
//   seal, detached: output.size() == input.size(), tag written to `tag`
//   seal, inline:   output.size() == input.size() + 16, tag written after the ciphertext
//   open, detached: output.size() == input.size(), expected tag read from `tag`
//   open, inline:   input = ciphertext || tag (>= 16 bytes), output.size() == input.size() - 16
//
// A failed open never releases plaintext: the decryption is written to `output` and, when
// the tag does not match, every output byte is zeroed before open() returns (for an
// in-place open the ciphertext is therefore gone too; the packet is to be dropped anyway).
// Every other failed open (bad length, nonce, key) zeroes `output` as well, so a caller that
// ignores the status still sees no stale or partial plaintext; only `overlap` leaves the
// output untouched, as it aliases the input and nothing was decrypted.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/imb_manager.h"

namespace slip::crypto {

enum class AeadAlgorithm : uint8_t { aes128_gcm, aes256_gcm, chacha20_poly1305 };

inline constexpr size_t kAeadNonceLen = 12;  // RFC 9001 §5.3: 12-byte IV for all three
inline constexpr size_t kAeadTagLen = 16;

size_t aead_key_len(AeadAlgorithm alg);  // 16 or 32
const char* aead_name(AeadAlgorithm alg);

enum class AeadStatus : uint8_t {
    ok,
    pending,       // not processed yet (set by the caller or left by a failed engine)
    auth_failed,   // open: tag mismatch; output zeroed
    bad_length,    // sizes of input/output/tag inconsistent (e.g. truncated ciphertext)
    bad_nonce,     // nonce is not 12 bytes
    bad_key,       // key not prepared (wrong key size at init_key) or missing
    overlap,       // input and output overlap without being identical
    engine_error,  // IPSec-MB rejected the job
};
const char* to_string(AeadStatus s);

// A prepared key: the AES key schedule and GHASH tables (gcm_key_data) are computed once in
// init_key; ChaCha20-Poly1305 keeps the raw 32-byte key (the library takes it as is).
struct alignas(64) AeadKey {
    gcm_key_data gcm;
    std::array<uint8_t, 32> raw{};
    AeadAlgorithm algorithm = AeadAlgorithm::aes128_gcm;
    bool valid = false;
};

struct AeadOp {
    const AeadKey* key = nullptr;
    std::span<const uint8_t> nonce;
    std::span<const uint8_t> aad;
    std::span<const uint8_t> input;
    std::span<uint8_t> output;
    uint8_t* tag = nullptr;  // detached tag (16 bytes), or nullptr for an inline tag
    AeadStatus status = AeadStatus::pending;
};

class AeadEngine {
public:
    AeadEngine() = default;  // the process's SIMD path (simd_path.h)
    AeadEngine(SimdPath path, bool forced) : m_mgr(path, forced) {}

    bool ok() const { return m_mgr.ok(); }
    IMB_ARCH arch() const { return m_mgr.arch(); }
    IMB_MGR* manager() const { return m_mgr.get(); }

    // Not on the packet path. Returns false (and leaves key.valid false) on a wrong key size.
    bool init_key(AeadKey& key, AeadAlgorithm alg, std::span<const uint8_t> key_bytes) const;

    // Process every op of the burst; each gets its own status. Returns how many succeeded.
    size_t seal(std::span<AeadOp> ops);
    size_t open(std::span<AeadOp> ops);

private:
    size_t run(std::span<AeadOp> ops, bool seal);
    size_t run_chacha(std::span<AeadOp> ops, bool seal);
    void gcm_one(AeadOp& op, bool seal);

    ImbManager m_mgr;
};

}  // namespace slip::crypto
