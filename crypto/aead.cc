#include "crypto/aead.h"

#include <cstring>

namespace slip::crypto {
namespace {

// Ops are processed by ChaCha20-Poly1305 jobs in chunks of this size: each job in flight
// needs its own scratch slot for the computed tag on open.
constexpr size_t kChachaChunk = 64;

// IPSec-MB checks pointers even for zero lengths; empty spans may carry nullptr.
alignas(16) const uint8_t kEmpty[16] = {};

bool tags_equal(const uint8_t* a, const uint8_t* b) {
    // Constant time: no early exit, the time does not depend on where the tags differ.
    uint8_t diff = 0;
    for (size_t i = 0; i < kAeadTagLen; ++i) {
        diff = uint8_t(diff | (a[i] ^ b[i]));
    }
    return diff == 0;
}

bool overlaps_partially(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len) {
    if (a == b || a_len == 0 || b_len == 0) {
        return false;
    }
    const auto pa = reinterpret_cast<uintptr_t>(a);
    const auto pb = reinterpret_cast<uintptr_t>(b);
    return pa < pb + b_len && pb < pa + a_len;
}

// Length of the plaintext (seal) or ciphertext without tag (open) the op covers.
size_t data_len(const AeadOp& op, bool seal) {
    return seal ? op.input.size() : op.output.size();
}

const uint8_t* expected_tag(const AeadOp& op) {
    return op.tag != nullptr ? op.tag : op.input.data() + op.output.size();
}

AeadStatus validate(const AeadOp& op, bool seal) {
    if (op.key == nullptr || !op.key->valid) {
        return AeadStatus::bad_key;
    }
    if (op.nonce.size() != kAeadNonceLen) {
        return AeadStatus::bad_nonce;
    }
    const size_t in = op.input.size();
    const size_t out = op.output.size();
    const size_t tag_inline = op.tag == nullptr ? kAeadTagLen : 0;
    if (seal ? out != in + tag_inline : (in < tag_inline || out != in - tag_inline)) {
        return AeadStatus::bad_length;
    }
    if (overlaps_partially(op.input.data(), in, op.output.data(), out)) {
        return AeadStatus::overlap;
    }
    return AeadStatus::ok;
}

void fail_open(AeadOp& op, AeadStatus status) {
    // Never release unauthenticated plaintext (RFC 5116 §2.2).
    if (!op.output.empty()) {
        std::memset(op.output.data(), 0, op.output.size());
    }
    op.status = status;
}

}  // namespace

size_t aead_key_len(AeadAlgorithm alg) {
    return alg == AeadAlgorithm::aes128_gcm ? 16 : 32;
}

const char* aead_name(AeadAlgorithm alg) {
    switch (alg) {
        case AeadAlgorithm::aes128_gcm:
            return "AES-128-GCM";
        case AeadAlgorithm::aes256_gcm:
            return "AES-256-GCM";
        case AeadAlgorithm::chacha20_poly1305:
            return "ChaCha20-Poly1305";
    }
    return "?";
}

const char* to_string(AeadStatus s) {
    switch (s) {
        case AeadStatus::ok:
            return "ok";
        case AeadStatus::pending:
            return "pending";
        case AeadStatus::auth_failed:
            return "auth_failed";
        case AeadStatus::bad_length:
            return "bad_length";
        case AeadStatus::bad_nonce:
            return "bad_nonce";
        case AeadStatus::bad_key:
            return "bad_key";
        case AeadStatus::overlap:
            return "overlap";
        case AeadStatus::engine_error:
            return "engine_error";
    }
    return "?";
}

bool AeadEngine::init_key(AeadKey& key, AeadAlgorithm alg, std::span<const uint8_t> key_bytes) const {
    key.valid = false;
    key.algorithm = alg;
    if (key_bytes.size() != aead_key_len(alg) || !ok()) {
        return false;
    }
    IMB_MGR* mgr = m_mgr.get();
    key.raw.fill(0);
    std::memcpy(key.raw.data(), key_bytes.data(), key_bytes.size());
    if (alg == AeadAlgorithm::aes128_gcm) {
        IMB_AES128_GCM_PRE(mgr, key_bytes.data(), &key.gcm);
    } else if (alg == AeadAlgorithm::aes256_gcm) {
        IMB_AES256_GCM_PRE(mgr, key_bytes.data(), &key.gcm);
    }
    key.valid = imb_get_errno(mgr) == 0;
    return key.valid;
}

size_t AeadEngine::seal(std::span<AeadOp> ops) {
    return run(ops, true);
}

size_t AeadEngine::open(std::span<AeadOp> ops) {
    return run(ops, false);
}

size_t AeadEngine::run(std::span<AeadOp> ops, bool seal) {
    // GCM goes through the direct API op by op (measured faster than the job API: see
    // docs/architecture.md, "Crypto choices"); ChaCha20-Poly1305 ops are left pending here and
    // batched through the job API.
    bool any_chacha = false;
    for (AeadOp& op : ops) {
        op.status = ok() ? validate(op, seal) : AeadStatus::engine_error;
        if (op.status != AeadStatus::ok) {
            if (!seal && op.status != AeadStatus::overlap) {
                fail_open(op, op.status);
            }
            continue;
        }
        if (op.key->algorithm == AeadAlgorithm::chacha20_poly1305) {
            op.status = AeadStatus::pending;
            any_chacha = true;
        } else {
            gcm_one(op, seal);
        }
    }
    if (any_chacha) {
        run_chacha(ops, seal);
    }
    size_t good = 0;
    for (const AeadOp& op : ops) {
        good += op.status == AeadStatus::ok ? 1 : 0;
    }
    return good;
}

void AeadEngine::gcm_one(AeadOp& op, bool seal) {
    IMB_MGR* mgr = m_mgr.get();
    const size_t len = data_len(op, seal);
    const uint8_t* in = len != 0 ? op.input.data() : kEmpty;
    uint8_t scratch_out[16];
    uint8_t* out = len != 0 ? op.output.data() : scratch_out;
    const uint8_t* aad = op.aad.empty() ? kEmpty : op.aad.data();
    const bool aes128 = op.key->algorithm == AeadAlgorithm::aes128_gcm;
    gcm_context_data ctx;
    if (seal) {
        uint8_t* tag = op.tag != nullptr ? op.tag : op.output.data() + len;
        if (aes128) {
            IMB_AES128_GCM_ENC(mgr, &op.key->gcm, &ctx, out, in, len, op.nonce.data(), aad, op.aad.size(), tag,
                               kAeadTagLen);
        } else {
            IMB_AES256_GCM_ENC(mgr, &op.key->gcm, &ctx, out, in, len, op.nonce.data(), aad, op.aad.size(), tag,
                               kAeadTagLen);
        }
        op.status = imb_get_errno(mgr) == 0 ? AeadStatus::ok : AeadStatus::engine_error;
        return;
    }
    uint8_t computed[kAeadTagLen];
    if (aes128) {
        IMB_AES128_GCM_DEC(mgr, &op.key->gcm, &ctx, out, in, len, op.nonce.data(), aad, op.aad.size(), computed,
                           kAeadTagLen);
    } else {
        IMB_AES256_GCM_DEC(mgr, &op.key->gcm, &ctx, out, in, len, op.nonce.data(), aad, op.aad.size(), computed,
                           kAeadTagLen);
    }
    if (imb_get_errno(mgr) != 0) {
        fail_open(op, AeadStatus::engine_error);
    } else if (!tags_equal(computed, expected_tag(op))) {
        fail_open(op, AeadStatus::auth_failed);
    } else {
        op.status = AeadStatus::ok;
    }
}

namespace {

struct ChachaScratch {
    uint8_t tag[kChachaChunk][kAeadTagLen];
};

void finish_chacha(IMB_JOB* job, bool seal) {
    auto& op = *static_cast<AeadOp*>(job->user_data);
    if (job->status != IMB_STATUS_COMPLETED) {
        if (seal) {
            op.status = AeadStatus::engine_error;
        } else {
            fail_open(op, AeadStatus::engine_error);
        }
    } else if (!seal && !tags_equal(job->auth_tag_output, expected_tag(op))) {
        fail_open(op, AeadStatus::auth_failed);
    } else {
        op.status = AeadStatus::ok;
    }
}

void fill_chacha_job(IMB_JOB* job, AeadOp& op, bool seal, uint8_t* tag_scratch) {
    const size_t len = data_len(op, seal);
    job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
    job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
    job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    // RFC 8439 §2.8: Poly1305 runs over the ciphertext, so it follows encryption and
    // precedes decryption.
    job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->enc_keys = op.key->raw.data();
    job->dec_keys = op.key->raw.data();
    job->key_len_in_bytes = 32;
    job->src = len != 0 ? op.input.data() : kEmpty;
    job->dst = len != 0 ? op.output.data() : tag_scratch;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = len;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = len;
    job->iv = op.nonce.data();
    job->iv_len_in_bytes = kAeadNonceLen;
    job->u.CHACHA20_POLY1305.aad = op.aad.empty() ? kEmpty : op.aad.data();
    job->u.CHACHA20_POLY1305.aad_len_in_bytes = op.aad.size();
    job->auth_tag_output = seal ? (op.tag != nullptr ? op.tag : op.output.data() + len) : tag_scratch;
    job->auth_tag_output_len_in_bytes = kAeadTagLen;
    job->user_data = &op;
}

}  // namespace

size_t AeadEngine::run_chacha(std::span<AeadOp> ops, bool seal) {
    IMB_MGR* mgr = m_mgr.get();
    ChachaScratch scratch;
    size_t in_flight = 0;
    size_t submitted = 0;
    auto drain = [&] {
        while (IMB_JOB* done = IMB_FLUSH_JOB(mgr)) {
            finish_chacha(done, seal);
        }
        in_flight = 0;
    };
    for (AeadOp& op : ops) {
        if (op.status != AeadStatus::pending) {
            continue;
        }
        IMB_JOB* job = IMB_GET_NEXT_JOB(mgr);
        fill_chacha_job(job, op, seal, scratch.tag[in_flight++]);
        ++submitted;
        for (IMB_JOB* done = IMB_SUBMIT_JOB(mgr); done != nullptr; done = IMB_GET_COMPLETED_JOB(mgr)) {
            finish_chacha(done, seal);
        }
        if (in_flight == kChachaChunk) {
            drain();
        }
    }
    drain();
    return submitted;
}

}  // namespace slip::crypto
