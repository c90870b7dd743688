#include "crypto/tls_context.h"

#include <fstream>
#include <sstream>

#include "crypto/self_signed_cert.h"

namespace slip::crypto {
namespace {

constexpr uint32_t kEphemeralDays = 30;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TlsContext::~TlsContext() {
    if (m_keylog != nullptr) {
        fclose(m_keylog);
    }
    if (m_anti_replay != nullptr) {
        gnutls_anti_replay_deinit(m_anti_replay);
    }
    if (m_ticket_key.data != nullptr) {
        gnutls_memset(m_ticket_key.data, 0, m_ticket_key.size);
        gnutls_free(m_ticket_key.data);
    }
    if (m_priority != nullptr) {
        gnutls_priority_deinit(m_priority);
    }
    if (m_credentials != nullptr) {
        gnutls_certificate_free_credentials(m_credentials);
    }
}

std::string TlsContext::init(const TlsOptions& options) {
    m_options = options;
    // RFC 9001 §4.2: TLS 1.3 only; §8.4: no middlebox-compatibility ChangeCipherSpec.
    const std::string priority =
        "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:" + options.ciphers;
    const char* error_at = nullptr;
    if (int rv = gnutls_priority_init2(&m_priority, priority.c_str(), &error_at, 0); rv < 0) {
        return "tls: ciphers '" + options.ciphers + "' is not a GnuTLS cipher list (" + gnutls_strerror(rv) +
               "); use e.g. " + kDefaultTlsCiphers;
    }
    if (int rv = gnutls_certificate_allocate_credentials(&m_credentials); rv < 0) {
        return std::string("tls: cannot allocate credentials: ") + gnutls_strerror(rv);
    }
    if (!options.keylog_file.empty()) {
        m_keylog = fopen(options.keylog_file.c_str(), "a");
        if (m_keylog == nullptr) {
            return "tls: key log file '" + options.keylog_file +
                   "' cannot be opened for appending; check the directory and permissions";
        }
        setvbuf(m_keylog, nullptr, _IOLBF, 0);  // whole lines, so a reader never sees half a secret
    }
    if (options.server) {
        if (auto err = init_server_credentials(); !err.empty()) {
            return err;
        }
        if (auto err = init_server_0rtt(); !err.empty()) {
            return err;
        }
        return init_alpn(options.server_side.alpn);
    }
    if (auto err = init_client_credentials(); !err.empty()) {
        return err;
    }
    return init_alpn(options.client_side.alpn);
}

std::string TlsContext::init_server_credentials() {
    const auto& o = m_options.server_side;
    if (o.cert_file.empty() != o.key_file.empty()) {
        return "tls: only one of cert-file and key-file is set; give both (PEM) or neither for an ephemeral "
               "self-signed certificate";
    }
    if (o.cert_file.empty()) {
        PemCredentials pem;
        if (auto err = make_self_signed(o.ephemeral_names, kEphemeralDays, pem); !err.empty()) {
            return "tls: " + err;
        }
        const gnutls_datum_t cert{reinterpret_cast<unsigned char*>(pem.cert_pem.data()),
                                  unsigned(pem.cert_pem.size())};
        const gnutls_datum_t key{reinterpret_cast<unsigned char*>(pem.key_pem.data()), unsigned(pem.key_pem.size())};
        int rv = gnutls_certificate_set_x509_key_mem2(m_credentials, &cert, &key, GNUTLS_X509_FMT_PEM, nullptr, 0);
        std::fill(pem.key_pem.begin(), pem.key_pem.end(), '\0');
        if (rv < 0) {
            return std::string("tls: the ephemeral certificate could not be loaded: ") + gnutls_strerror(rv);
        }
        m_certificate_pem = std::move(pem.cert_pem);
        return {};
    }
    int rv = gnutls_certificate_set_x509_key_file2(m_credentials, o.cert_file.c_str(), o.key_file.c_str(),
                                                   GNUTLS_X509_FMT_PEM, nullptr, 0);
    if (rv < 0) {
        return "tls: cert-file '" + o.cert_file + "' with key-file '" + o.key_file +
               "' could not be loaded (" + gnutls_strerror(rv) +
               "); give a PEM certificate and its matching key, or neither for an ephemeral one";
    }
    m_certificate_pem = read_file(o.cert_file);
    return {};
}

std::string TlsContext::init_client_credentials() {
    const auto& o = m_options.client_side;
    if (!o.verify_peer) {
        return {};  // an explicit choice: the session sets no verification
    }
    if (o.ca_file.empty()) {
        int rv = gnutls_certificate_set_x509_system_trust(m_credentials);
        if (rv <= 0) {
            return "tls: no CA file is set and the system trust store has no certificates; give --tls-ca-file "
                   "or turn verification off explicitly";
        }
        return {};
    }
    int rv = gnutls_certificate_set_x509_trust_file(m_credentials, o.ca_file.c_str(), GNUTLS_X509_FMT_PEM);
    if (rv <= 0) {
        return "tls: CA file '" + o.ca_file + "' holds no usable PEM certificate (" +
               (rv < 0 ? gnutls_strerror(rv) : "none found") + "); give the server's CA or certificate";
    }
    return {};
}

std::string TlsContext::init_alpn(const std::vector<std::string>& protocols) {
    if (protocols.empty()) {
        return "tls: no ALPN protocol is configured; QUIC requires one (RFC 9001 §8.1), e.g. h3";
    }
    m_alpn_storage = protocols;
    for (auto& p : m_alpn_storage) {
        if (p.empty() || p.size() > 255) {
            return "tls: ALPN protocol '" + p + "' must be 1 to 255 bytes long (RFC 7301 §3.1)";
        }
        m_alpn.push_back({reinterpret_cast<unsigned char*>(p.data()), unsigned(p.size())});
    }
    return {};
}

std::string TlsContext::init_server_0rtt() {
    const auto& o = m_options.server_side;
    if (int rv = gnutls_session_ticket_key_generate(&m_ticket_key); rv < 0) {
        return std::string("tls: session ticket key generation failed: ") + gnutls_strerror(rv);
    }
    if (o.max_early_data == 0) {
        return {};
    }
    if (o.anti_replay_entries == 0 || o.anti_replay_window_ms == 0) {
        return "tls: 0-RTT needs a replay cache; set anti-replay-entries and anti-replay-window above 0, or "
               "max-early-data to 0 to turn 0-RTT off";
    }
    if (int rv = gnutls_anti_replay_init(&m_anti_replay); rv < 0) {
        return std::string("tls: anti-replay init failed: ") + gnutls_strerror(rv);
    }
    m_replay_cache = ReplayCache(o.anti_replay_entries);
    gnutls_anti_replay_set_window(m_anti_replay, o.anti_replay_window_ms);
    gnutls_anti_replay_set_add_function(m_anti_replay, &TlsContext::anti_replay_add);
    gnutls_anti_replay_set_ptr(m_anti_replay, this);
    return {};
}

// GnuTLS: 0 records the key; GNUTLS_E_DB_ENTRY_EXISTS (or any error) refuses the early data.
int TlsContext::anti_replay_add(void* self, time_t expires, const gnutls_datum_t* key, const gnutls_datum_t*) {
    auto* ctx = static_cast<TlsContext*>(self);
    // GnuTLS computes expires = now + window, so the cache needs no clock of its own.
    const time_t now = expires - time_t(ctx->m_options.server_side.anti_replay_window_ms / 1000);
    switch (ctx->m_replay_cache.insert({key->data, key->size}, expires, now)) {
    case ReplayCache::Verdict::fresh:
        return 0;
    case ReplayCache::Verdict::replay:
        ++ctx->m_replays;
        return GNUTLS_E_DB_ENTRY_EXISTS;
    case ReplayCache::Verdict::full:
        ++ctx->m_cache_full;
        return GNUTLS_E_DB_ERROR;
    }
    return GNUTLS_E_DB_ERROR;
}

void TlsContext::write_keylog(const char* label, std::span<const uint8_t> client_random,
                              std::span<const uint8_t> secret) {
    if (m_keylog == nullptr) {
        return;
    }
    std::string line = label;
    line += ' ';
    static constexpr char kDigits[] = "0123456789abcdef";
    for (auto part : {client_random, secret}) {
        for (uint8_t b : part) {
            line += kDigits[b >> 4];
            line += kDigits[b & 15];
        }
        line += ' ';
    }
    line.back() = '\n';
    fputs(line.c_str(), m_keylog);
}

}  // namespace slip::crypto
