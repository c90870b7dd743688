#pragma once
// An ephemeral self-signed server certificate, generated at start when no certificate is
// configured: ECDSA P-256, SHA-256 signature, subjectAltName for every name given (IP
// literals as iPAddress, everything else as dNSName), valid from an hour ago for `days`.
// Clients verify it by trusting the certificate itself (export `cert_pem` to a file and
// pass it as their CA file) or with verification turned off explicitly.
#include <cstdint>
#include <span>
#include <string>

namespace slip::crypto {

struct PemCredentials {
    std::string cert_pem;
    std::string key_pem;
};

// Empty string on success; otherwise one line saying what failed.
std::string make_self_signed(std::span<const std::string> names, uint32_t days, PemCredentials& out);

}  // namespace slip::crypto
