#include "crypto/self_signed_cert.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <array>
#include <ctime>

namespace slip::crypto {
namespace {

// Owns the GnuTLS objects for the duration of one generation.
struct X509Objects {
    gnutls_x509_privkey_t key = nullptr;
    gnutls_x509_crt_t crt = nullptr;
    ~X509Objects() {
        if (crt != nullptr) {
            gnutls_x509_crt_deinit(crt);
        }
        if (key != nullptr) {
            gnutls_x509_privkey_deinit(key);
        }
    }
};

std::string failed(const char* what, int rv) {
    return std::string("ephemeral certificate: ") + what + " failed: " + gnutls_strerror(rv);
}

int add_alt_name(gnutls_x509_crt_t crt, const std::string& name) {
    std::array<uint8_t, 16> ip{};
    if (inet_pton(AF_INET, name.c_str(), ip.data()) == 1) {
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip.data(), 4, GNUTLS_FSAN_APPEND);
    }
    if (inet_pton(AF_INET6, name.c_str(), ip.data()) == 1) {
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip.data(), 16, GNUTLS_FSAN_APPEND);
    }
    return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name.data(), unsigned(name.size()),
                                                GNUTLS_FSAN_APPEND);
}

// Fills the certificate's fields (everything but the signature).
std::string fill_certificate(X509Objects& x, std::span<const std::string> names, uint32_t days) {
    std::array<uint8_t, 16> serial{};
    int rv = gnutls_rnd(GNUTLS_RND_NONCE, serial.data(), serial.size());
    serial[0] &= 0x7f;  // RFC 5280 §4.1.2.2: a positive INTEGER
    if (rv < 0) {
        return failed("serial number", rv);
    }
    const time_t now = time(nullptr);
    const char* cn = names.empty() ? "slipstream" : names.front().c_str();
    const struct {
        const char* what;
        int rv;
    } steps[] = {
        {"version", gnutls_x509_crt_set_version(x.crt, 3)},
        {"serial", gnutls_x509_crt_set_serial(x.crt, serial.data(), serial.size())},
        {"activation time", gnutls_x509_crt_set_activation_time(x.crt, now - 3600)},
        {"expiration time", gnutls_x509_crt_set_expiration_time(x.crt, now + time_t(days) * 86400)},
        {"common name", gnutls_x509_crt_set_dn_by_oid(x.crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                                      unsigned(std::char_traits<char>::length(cn)))},
        {"public key", gnutls_x509_crt_set_key(x.crt, x.key)},
        {"basic constraints", gnutls_x509_crt_set_basic_constraints(x.crt, 0, -1)},
        {"key usage", gnutls_x509_crt_set_key_usage(x.crt, GNUTLS_KEY_DIGITAL_SIGNATURE)},
        {"key purpose", gnutls_x509_crt_set_key_purpose_oid(x.crt, GNUTLS_KP_TLS_WWW_SERVER, 0)},
    };
    for (const auto& step : steps) {
        if (step.rv < 0) {
            return failed(step.what, step.rv);
        }
    }
    for (const auto& name : names) {
        if ((rv = add_alt_name(x.crt, name)) < 0) {
            return failed("subjectAltName", rv);
        }
    }
    return {};
}

std::string export_pem(X509Objects& x, PemCredentials& out) {
    gnutls_datum_t cert{}, key{};
    int rv = gnutls_x509_crt_export2(x.crt, GNUTLS_X509_FMT_PEM, &cert);
    if (rv < 0) {
        return failed("certificate export", rv);
    }
    out.cert_pem.assign(reinterpret_cast<const char*>(cert.data), cert.size);
    gnutls_free(cert.data);
    rv = gnutls_x509_privkey_export2(x.key, GNUTLS_X509_FMT_PEM, &key);
    if (rv < 0) {
        return failed("key export", rv);
    }
    out.key_pem.assign(reinterpret_cast<const char*>(key.data), key.size);
    gnutls_memset(key.data, 0, key.size);
    gnutls_free(key.data);
    return {};
}

}  // namespace

std::string make_self_signed(std::span<const std::string> names, uint32_t days, PemCredentials& out) {
    X509Objects x;
    int rv = gnutls_x509_privkey_init(&x.key);
    if (rv < 0) {
        return failed("key init", rv);
    }
    rv = gnutls_x509_privkey_generate(x.key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rv < 0) {
        return failed("ECDSA P-256 key generation", rv);
    }
    if ((rv = gnutls_x509_crt_init(&x.crt)) < 0) {
        return failed("certificate init", rv);
    }
    if (auto err = fill_certificate(x, names, days); !err.empty()) {
        return err;
    }
    if ((rv = gnutls_x509_crt_sign2(x.crt, x.crt, x.key, GNUTLS_DIG_SHA256, 0)) < 0) {
        return failed("self-signature", rv);
    }
    return export_pem(x, out);
}

}  // namespace slip::crypto
