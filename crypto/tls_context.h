#pragma once
// What every TLS 1.3 handshake of one role shares: credentials (a certificate and key from
// files or an ephemeral self-signed one; a CA file or the system trust for a client), the
// cipher-suite priority, ALPN list, the session-ticket key, the 0-RTT anti-replay state
// (GnuTLS anti-replay over our bounded ReplayCache) and the SSLKEYLOGFILE writer.
// One per process and role; sessions (crypto/tls_session.h) borrow it. Not thread safe:
// a context belongs to one core, like the connections that use it.
#include <gnutls/gnutls.h>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "crypto/replay_cache.h"
#include "crypto/tls_options.h"

namespace slip::crypto {

class TlsContext {
public:
    TlsContext() = default;
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // Validates the options and loads or makes the credentials. Empty on success; otherwise
    // one line saying what is wrong, why and how to fix it.
    std::string init(const TlsOptions& options);

    bool is_server() const { return m_options.server; }
    const TlsOptions& options() const { return m_options; }
    // The server's certificate (PEM): the ephemeral one, or the configured file's content.
    const std::string& certificate_pem() const { return m_certificate_pem; }

    // For TlsSession.
    gnutls_certificate_credentials_t credentials() const { return m_credentials; }
    gnutls_priority_t priority() const { return m_priority; }
    const gnutls_datum_t* ticket_key() const { return &m_ticket_key; }
    gnutls_anti_replay_t anti_replay() const { return m_anti_replay; }
    std::span<const gnutls_datum_t> alpn() const { return m_alpn; }
    bool keylog_enabled() const { return m_keylog != nullptr; }
    // One NSS key log line: "<label> <client random hex> <secret hex>".
    void write_keylog(const char* label, std::span<const uint8_t> client_random, std::span<const uint8_t> secret);

    // 0-RTT attempts GnuTLS found in the replay cache (replays) or could not record (full).
    uint64_t early_data_replays() const { return m_replays; }
    uint64_t early_data_cache_full() const { return m_cache_full; }
    const ReplayCache& replay_cache() const { return m_replay_cache; }

private:
    std::string init_server_credentials();
    std::string init_client_credentials();
    std::string init_alpn(const std::vector<std::string>& protocols);
    std::string init_server_0rtt();
    static int anti_replay_add(void* self, time_t expires, const gnutls_datum_t* key, const gnutls_datum_t* data);

    TlsOptions m_options;
    gnutls_certificate_credentials_t m_credentials = nullptr;
    gnutls_priority_t m_priority = nullptr;
    gnutls_datum_t m_ticket_key{};
    gnutls_anti_replay_t m_anti_replay = nullptr;
    ReplayCache m_replay_cache{0};
    uint64_t m_replays = 0;
    uint64_t m_cache_full = 0;
    std::vector<std::string> m_alpn_storage;
    std::vector<gnutls_datum_t> m_alpn;
    std::string m_certificate_pem;
    FILE* m_keylog = nullptr;
};

}  // namespace slip::crypto
