#include "crypto/tls_session.h"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "crypto/self_signed_cert.h"
#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

namespace {

constexpr EncryptionLevel kLevels[] = {EncryptionLevel::initial, EncryptionLevel::early, EncryptionLevel::handshake,
                                       EncryptionLevel::application};

const Bytes kClientTp = unhex("0104 80007530 0504 80100000");  // idle timeout, initial_max_data
const Bytes kServerTp = unhex("0104 80007530 0304 45c0");       // idle timeout, max_udp_payload_size

// A scratch directory for certificate and key-log files, removed at the end of the test.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/slip-tls-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf " + path).c_str()); }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(path + "/" + name) << content;
        return path + "/" + name;
    }
};

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TlsOptions server_options() {
    TlsOptions o;
    o.server = true;
    return o;
}

TlsOptions client_options(const std::string& ca_file) {
    TlsOptions o;
    o.server = false;
    o.client_side.ca_file = ca_file;
    return o;
}

// Moves every pending CRYPTO byte from `from` to `to`, level by level, in chunks of at most
// `chunk` bytes (CRYPTO frames split a message anywhere); true when any moved.
bool deliver(TlsSession& from, TlsSession& to, size_t chunk = SIZE_MAX) {
    bool moved = false;
    for (auto level : kLevels) {
        const auto bytes = from.pending(level);
        if (bytes.empty()) {
            continue;
        }
        const Bytes copy(bytes.begin(), bytes.end());
        from.consume(level, copy.size());
        for (size_t at = 0; at < copy.size(); at += chunk) {
            to.provide(level, std::span(copy).subspan(at, std::min(chunk, copy.size() - at)));
        }
        moved = true;
    }
    return moved;
}

// Both flights until neither side has anything more to say.
void run_handshake(TlsSession& client, TlsSession& server, size_t chunk = SIZE_MAX) {
    for (int round = 0; round < 10; ++round) {
        const bool a = deliver(client, server, chunk);
        const bool b = deliver(server, client, chunk);
        if (!a && !b) {
            return;
        }
    }
}

void check_same_keys(const TlsSession& client, const TlsSession& server, EncryptionLevel level) {
    const auto& c = client.secrets(level);
    const auto& s = server.secrets(level);
    BOOST_TEST_CONTEXT("level " << to_string(level)) {
        BOOST_REQUIRE(c.has_read && c.has_write && s.has_read && s.has_write);
        BOOST_TEST(hex(c.write.span()) == hex(s.read.span()));
        BOOST_TEST(hex(c.read.span()) == hex(s.write.span()));
        BOOST_TEST(hex(c.write.span()) != hex(c.read.span()));
        BOOST_TEST(int(c.algorithm) == int(s.algorithm));
        // The packet keys both sides derive from them (RFC 9001 §5.1) are equal too.
        PacketKeys ck, sk;
        BOOST_REQUIRE(derive_packet_keys(QuicVersion::v1, c.algorithm, c.write.span(), ck));
        BOOST_REQUIRE(derive_packet_keys(QuicVersion::v1, s.algorithm, s.read.span(), sk));
        BOOST_TEST(hex(ck.key_span()) == hex(sk.key_span()));
        BOOST_TEST(hex(ck.iv) == hex(sk.iv));
        BOOST_TEST(hex(ck.hp_span()) == hex(sk.hp_span()));
    }
}

// A server context and a client context that trusts the server's ephemeral certificate.
struct Endpoints {
    TempDir dir;
    TlsContext server_ctx;
    TlsContext client_ctx;
    explicit Endpoints(TlsOptions server = server_options(), TlsOptions client = client_options("")) {
        BOOST_REQUIRE_EQUAL(server_ctx.init(server), "");
        if (client.client_side.verify_peer && client.client_side.ca_file.empty()) {
            client.client_side.ca_file = dir.write("ca.pem", server_ctx.certificate_pem());
        }
        BOOST_REQUIRE_EQUAL(client_ctx.init(client), "");
    }
};

void start_pair(Endpoints& e, TlsSession& client, TlsSession& server, std::span<const uint8_t> ticket = {}) {
    BOOST_REQUIRE(server.init_server(e.server_ctx, kServerTp));
    BOOST_REQUIRE(client.init_client(e.client_ctx, kClientTp, ticket));
    BOOST_REQUIRE(client.start());
}

// A full handshake, then the server's ticket delivered: the client's resumption bytes.
Bytes ticket_from_full_handshake(Endpoints& e) {
    TlsSession client, server;
    start_pair(e, client, server);
    run_handshake(client, server);
    BOOST_REQUIRE(client.handshake_complete() && server.handshake_complete());
    BOOST_REQUIRE(server.send_session_ticket());
    BOOST_REQUIRE(!server.pending(EncryptionLevel::application).empty());
    deliver(server, client);
    const auto t = client.resumption_data();
    BOOST_REQUIRE(!t.empty());
    return Bytes(t.begin(), t.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_session)

BOOST_AUTO_TEST_CASE(full_handshake_all_levels_equal) {
    Endpoints e;
    TlsSession client, server;
    start_pair(e, client, server);
    BOOST_TEST(!client.pending(EncryptionLevel::initial).empty());  // the ClientHello
    run_handshake(client, server);
    BOOST_REQUIRE(client.handshake_complete());
    BOOST_REQUIRE(server.handshake_complete());
    BOOST_TEST(!client.failed());
    BOOST_TEST(!server.failed());
    check_same_keys(client, server, EncryptionLevel::handshake);
    check_same_keys(client, server, EncryptionLevel::application);
    BOOST_TEST(!client.secrets(EncryptionLevel::early).has_write);  // no 0-RTT without a ticket
    BOOST_TEST(client.alpn() == "h3");
    BOOST_TEST(server.alpn() == "h3");
    BOOST_TEST(hex(client.peer_transport_params()) == hex(kServerTp));
    BOOST_TEST(hex(server.peer_transport_params()) == hex(kClientTp));
    BOOST_TEST(!client.resumed());
    const uint32_t levels = client.take_new_secrets();
    BOOST_TEST((levels & (1u << 2)) != 0u);
    BOOST_TEST((levels & (1u << 3)) != 0u);
    BOOST_TEST(client.take_new_secrets() == 0u);  // taken once
}

BOOST_AUTO_TEST_CASE(crypto_data_split_anywhere) {
    for (size_t chunk : {1u, 3u, 7u, 1200u}) {
        BOOST_TEST_CONTEXT("chunk " << chunk) {
            Endpoints e;
            TlsSession client, server;
            start_pair(e, client, server);
            run_handshake(client, server, chunk);
            BOOST_REQUIRE(client.handshake_complete() && server.handshake_complete());
            check_same_keys(client, server, EncryptionLevel::application);
        }
    }
}

BOOST_AUTO_TEST_CASE(each_cipher_suite) {
    const struct {
        const char* ciphers;
        AeadAlgorithm alg;
        size_t secret_len;
    } cases[] = {
        {"+AES-128-GCM", AeadAlgorithm::aes128_gcm, 32},
        {"+AES-256-GCM", AeadAlgorithm::aes256_gcm, 48},
        {"+CHACHA20-POLY1305", AeadAlgorithm::chacha20_poly1305, 32},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.ciphers) {
            auto so = server_options();
            so.ciphers = c.ciphers;
            Endpoints e(so);
            TlsSession client, server;
            start_pair(e, client, server);
            run_handshake(client, server);
            BOOST_REQUIRE(client.handshake_complete() && server.handshake_complete());
            BOOST_TEST(int(client.secrets(EncryptionLevel::application).algorithm) == int(c.alg));
            BOOST_TEST(client.secrets(EncryptionLevel::application).write.len == c.secret_len);
            check_same_keys(client, server, EncryptionLevel::application);
        }
    }
}

BOOST_AUTO_TEST_CASE(resumed_session_accepts_0rtt_once_and_rejects_a_replay) {
    Endpoints e;
    const Bytes ticket = ticket_from_full_handshake(e);

    TlsSession client, server;
    start_pair(e, client, server, ticket);
    // The client has 0-RTT keys right after its ClientHello (RFC 9001 §4.6.1).
    BOOST_REQUIRE(client.secrets(EncryptionLevel::early).has_write);
    const auto hello = client.pending(EncryptionLevel::initial);
    const Bytes client_hello(hello.begin(), hello.end());
    run_handshake(client, server);
    BOOST_REQUIRE(client.handshake_complete() && server.handshake_complete());
    BOOST_TEST(server.resumed());
    BOOST_TEST(client.resumed());
    BOOST_TEST(server.early_data_accepted());
    BOOST_TEST(client.early_data_accepted());
    const auto& cs = client.secrets(EncryptionLevel::early);
    const auto& ss = server.secrets(EncryptionLevel::early);
    BOOST_REQUIRE(ss.has_read);
    BOOST_TEST(hex(cs.write.span()) == hex(ss.read.span()));
    BOOST_TEST(e.server_ctx.early_data_replays() == 0u);

    // The same ClientHello again (an attacker replaying the first flight): the handshake may
    // go on, but its 0-RTT is refused and no early key is installed.
    TlsSession replayed;
    BOOST_REQUIRE(replayed.init_server(e.server_ctx, kServerTp));
    replayed.provide(EncryptionLevel::initial, client_hello);
    BOOST_TEST(!replayed.secrets(EncryptionLevel::early).has_read);
    BOOST_TEST(!replayed.early_data_accepted());
    BOOST_TEST(e.server_ctx.early_data_replays() == 1u);
}

BOOST_AUTO_TEST_CASE(zero_rtt_off_when_max_early_data_is_zero) {
    auto so = server_options();
    so.server_side.max_early_data = 0;
    Endpoints e(so);
    const Bytes ticket = ticket_from_full_handshake(e);
    TlsSession client, server;
    start_pair(e, client, server, ticket);
    run_handshake(client, server);
    BOOST_REQUIRE(client.handshake_complete() && server.handshake_complete());
    BOOST_TEST(server.resumed());
    BOOST_TEST(!server.early_data_accepted());
    BOOST_TEST(!server.secrets(EncryptionLevel::early).has_read);
}

BOOST_AUTO_TEST_CASE(wrong_certificate_refused_when_verifying) {
    TempDir dir;
    TlsContext other;  // a different server: its certificate is not the one presented
    BOOST_REQUIRE_EQUAL(other.init(server_options()), "");
    Endpoints e(server_options(), client_options(dir.write("other.pem", other.certificate_pem())));
    TlsSession client, server;
    start_pair(e, client, server);
    run_handshake(client, server);
    BOOST_TEST(!client.handshake_complete());
    BOOST_TEST(client.failed());
    BOOST_TEST(client.error_code() == kCryptoErrorBase + 42);  // bad_certificate (RFC 8446 §6.2)
    BOOST_TEST(!client.secrets(EncryptionLevel::application).has_read);
}

BOOST_AUTO_TEST_CASE(name_mismatch_refused_and_verification_off_accepts) {
    {
        auto co = client_options("");
        co.client_side.server_name = "not-this-server.example";
        Endpoints e(server_options(), co);
        TlsSession client, server;
        start_pair(e, client, server);
        run_handshake(client, server);
        BOOST_TEST(!client.handshake_complete());
        BOOST_TEST(client.failed());
    }
    {
        auto co = client_options("");
        co.client_side.verify_peer = false;  // explicit: no CA at all
        Endpoints e(server_options(), co);
        TlsSession client, server;
        start_pair(e, client, server);
        run_handshake(client, server);
        BOOST_TEST(client.handshake_complete());
    }
}

BOOST_AUTO_TEST_CASE(no_common_alpn_is_no_application_protocol) {
    auto co = client_options("");
    co.client_side.alpn = {"hq-interop"};
    Endpoints e(server_options(), co);
    TlsSession client, server;
    start_pair(e, client, server);
    run_handshake(client, server);
    BOOST_TEST(!server.handshake_complete());
    BOOST_TEST(server.error_code() == kCryptoErrorBase + kAlertNoApplicationProtocol);  // 0x178
}

BOOST_AUTO_TEST_CASE(missing_transport_parameters_is_missing_extension) {
    Endpoints e;
    TlsSession client, server;
    BOOST_REQUIRE(server.init_server(e.server_ctx, kServerTp));
    BOOST_REQUIRE(client.init_client(e.client_ctx, {}));  // nothing to send: no extension 0x39
    BOOST_REQUIRE(client.start());
    run_handshake(client, server);
    BOOST_TEST(!server.handshake_complete());
    BOOST_TEST(server.error_code() == kCryptoErrorBase + kAlertMissingExtension);  // 0x16d
}

BOOST_AUTO_TEST_CASE(garbage_crypto_data_fails_cleanly) {
    Endpoints e;
    TlsSession server;
    BOOST_REQUIRE(server.init_server(e.server_ctx, kServerTp));
    Bytes junk(300);
    for (size_t i = 0; i < junk.size(); ++i) {
        junk[i] = uint8_t(i * 37 + 11);
    }
    // A whole handshake message: ClientHello type and a length that fits, then nonsense.
    junk[0] = 1;
    junk[1] = 0;
    junk[2] = uint8_t((junk.size() - 4) >> 8);
    junk[3] = uint8_t(junk.size() - 4);
    server.provide(EncryptionLevel::initial, junk);
    BOOST_TEST(server.failed());
    BOOST_TEST(server.error_code() >= kCryptoErrorBase);
    BOOST_TEST(server.error_code() < kCryptoErrorBase + 0x100);
    BOOST_TEST(!server.provide(EncryptionLevel::initial, junk));  // stays failed

    // A message that announces more than the adapter accepts fails at once instead of
    // waiting for megabytes that a peer may never send.
    TlsSession second;
    BOOST_REQUIRE(second.init_server(e.server_ctx, kServerTp));
    const Bytes huge_header = unhex("01 30557a 0303");
    second.provide(EncryptionLevel::initial, huge_header);
    BOOST_TEST(second.failed());
    BOOST_TEST(second.error_code() == kCryptoBufferExceeded);
}

BOOST_AUTO_TEST_CASE(keylog_lines_match_the_secrets) {
    TempDir dir;
    auto co = client_options("");
    co.keylog_file = dir.path + "/keys.log";
    Endpoints e(server_options(), co);
    TlsSession client, server;
    start_pair(e, client, server);
    run_handshake(client, server);
    BOOST_REQUIRE(client.handshake_complete());
    const std::string log = read_all(co.keylog_file);
    const auto& hs = client.secrets(EncryptionLevel::handshake);
    const auto& app = client.secrets(EncryptionLevel::application);
    BOOST_TEST(log.find("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") != std::string::npos);
    BOOST_TEST(log.find(" " + hex(hs.write.span()) + "\n") != std::string::npos);
    BOOST_TEST(log.find(" " + hex(hs.read.span()) + "\n") != std::string::npos);
    BOOST_TEST(log.find("CLIENT_TRAFFIC_SECRET_0 ") != std::string::npos);
    BOOST_TEST(log.find(" " + hex(app.write.span()) + "\n") != std::string::npos);
    // Each line: label, 32-byte client random, secret.
    std::istringstream lines(log);
    std::string label, random, secret;
    while (lines >> label >> random >> secret) {
        BOOST_TEST(random.size() == 64u);
    }
}

BOOST_AUTO_TEST_CASE(bad_options_give_one_line) {
    TempDir dir;
    const auto expect_error = [](TlsOptions o, const std::string& fragment) {
        TlsContext ctx;
        const std::string err = ctx.init(o);
        BOOST_TEST_CONTEXT(err) {
            BOOST_TEST(err.find(fragment) != std::string::npos);
            BOOST_TEST(err.find('\n') == std::string::npos);
        }
    };
    auto o = server_options();
    o.server_side.cert_file = dir.path + "/cert.pem";
    expect_error(o, "only one of cert-file and key-file");
    o.server_side.key_file = dir.path + "/missing-key.pem";
    expect_error(o, "could not be loaded");
    o = server_options();
    o.ciphers = "+NOT-A-CIPHER";
    expect_error(o, "not a GnuTLS cipher list");
    o = server_options();
    o.server_side.alpn = {};
    expect_error(o, "no ALPN protocol");
    auto c = client_options(dir.write("empty.pem", ""));
    expect_error(c, "holds no usable PEM certificate");
    o = server_options();
    o.keylog_file = dir.path + "/no/such/dir/keys.log";
    expect_error(o, "cannot be opened");
}

BOOST_AUTO_TEST_CASE(configured_certificate_files_are_used) {
    TempDir dir;
    PemCredentials pem;
    const std::string names[] = {"files.example"};
    BOOST_REQUIRE_EQUAL(make_self_signed(names, 1, pem), "");
    auto so = server_options();
    so.server_side.cert_file = dir.write("cert.pem", pem.cert_pem);
    so.server_side.key_file = dir.write("key.pem", pem.key_pem);
    auto co = client_options(so.server_side.cert_file);
    co.client_side.server_name = "files.example";
    Endpoints e(so, co);
    BOOST_TEST(e.server_ctx.certificate_pem() == pem.cert_pem);
    TlsSession client, server;
    start_pair(e, client, server);
    run_handshake(client, server);
    BOOST_TEST(client.handshake_complete());
    BOOST_TEST(server.handshake_complete());
}

BOOST_AUTO_TEST_SUITE_END()
