// A core's QUIC service between a real stack (frames in, frames out) and one of our own
// client connections: a handshake completes through Ethernet/IPv4/UDP frames, an unknown
// version gets Version Negotiation from the QUIC port, a small Initial is dropped and
// counted (RFC 9000 §14.1), a missing certificate is refused with one line, and no buffer
// is kept.
#include "dataplane/quic_service.h"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "crypto/self_signed_cert.h"
#include "stack/quic/packet_header.h"
#include "tests/support/frames.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::dataplane;
using namespace slip::stack;
using namespace slip::test;
namespace sq = slip::stack::quic;
namespace crypto = slip::crypto;

namespace {

constexpr uint16_t kQuicPort = 4433;
constexpr uint16_t kClientPort = 40000;
constexpr size_t kHeaders = 14 + 20 + 8;  // Ethernet, IPv4 without options, UDP

// A certificate and key in a directory of the test's own, removed at the end.
struct CertFiles {
    std::string dir;
    std::string cert;
    std::string key;
    CertFiles() {
        char tmpl[] = "/tmp/slip-quic-service-XXXXXX";
        BOOST_REQUIRE(mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        cert = dir + "/cert.pem";
        key = dir + "/key.pem";
        crypto::PemCredentials pem;
        const std::string names[] = {"localhost"};
        BOOST_REQUIRE_EQUAL(crypto::make_self_signed(names, 1, pem), "");
        std::ofstream(cert) << pem.cert_pem;
        std::ofstream(key) << pem.key_pem;
    }
    ~CertFiles() {
        std::remove(cert.c_str());
        std::remove(key.c_str());
        rmdir(dir.c_str());
    }
};

QuicOptions quic_options(const CertFiles& files) {
    QuicOptions o;
    o.port = kQuicPort;
    o.cert_file = files.cert;
    o.key_file = files.key;
    o.max_connections = 8;
    return o;
}

StackOptions stack_options() {
    StackOptions o;
    o.ipv4 = Ipv4Prefix::parse("10.0.0.2/24");
    return o;
}

struct Core {
    CertFiles files;
    QuicSharedKeys keys;
    std::unique_ptr<QuicService> quic;
    NetStack net{stack_options(), kEngineMac, pool()};
    Instant now{1'000'000'000};

    Core() {
        BOOST_REQUIRE_EQUAL(keys.randomize(), "");
        std::string error;
        quic = QuicService::create(quic_options(files), keys, QuicApplicationSpec{}, 0, pool(), error);
        BOOST_REQUIRE_MESSAGE(quic != nullptr, error);
        BOOST_REQUIRE(net.udp_bind(kQuicPort, quic.get()));
        // The peer resolves us first, so datagrams to it go out at once.
        Mbuf* arp = make_mbuf(make_ethernet(MacAddr::broadcast(), kPeerMac, 0x0806,
                                            make_arp(1, kPeerMac, kPeerIp, MacAddr{}, kEngineIp)));
        net.rx({&arp, 1}, now);
        drain();
    }
    // One datagram from the client's port in, then a poll; the UDP payloads sent back.
    // `shared`: the buffer has a second holder (as a duplicate made by impairment has).
    std::vector<Bytes> exchange(const Bytes& datagram, bool shared = false) {
        Mbuf* m = make_mbuf(make_udp4_frame(kClientPort, kQuicPort, datagram));
        if (shared) {
            rte_mbuf_refcnt_update(m, 1);
        }
        net.rx({&m, 1}, now);
        if (shared) {
            buf::free(m);
        }
        return poll();
    }
    std::vector<Bytes> poll() {
        quic->poll(net, now);
        std::vector<Bytes> payloads;
        for (const Bytes& f : drain()) {
            BOOST_REQUIRE(f.size() > kHeaders);
            BOOST_TEST(f[23] == 17);  // UDP
            BOOST_TEST((f[kHeaders - 8] << 8 | f[kHeaders - 7]) == kQuicPort);
            BOOST_TEST((f[kHeaders - 6] << 8 | f[kHeaders - 5]) == kClientPort);
            payloads.emplace_back(f.begin() + kHeaders, f.end());
        }
        return payloads;
    }
    std::vector<Bytes> drain() {
        std::vector<Bytes> out;
        Mbuf* tx[64];
        while (const uint32_t n = net.poll_tx(tx)) {
            for (uint32_t i = 0; i < n; ++i) {
                out.push_back(bytes_of(tx[i]));
            }
            buf::free_bulk({tx, n});
        }
        return out;
    }
};

crypto::TlsContext& client_tls() {
    static crypto::TlsContext ctx;
    static const std::string error = [] {
        crypto::TlsOptions o;
        o.server = false;
        o.client_side.verify_peer = false;
        return ctx.init(o);
    }();
    BOOST_REQUIRE_EQUAL(error, "");
    return ctx;
}

sq::ConnectionId cid_of(uint8_t v) {
    const std::vector<uint8_t> b(8, v);
    sq::ConnectionId c;
    sq::ConnectionId::from(b, c);
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quic_service)

BOOST_FIXTURE_TEST_CASE(a_handshake_through_the_stack, LeakCheck) {
    Core core;
    sq::PacketProtection protection;
    sq::ConnectionOptions o;
    o.role = sq::Role::client;
    o.params.max_idle_timeout_ms = 30000;
    o.max_datagram_size = 1232;
    const sq::ConnectionId odcid = cid_of(0x0d);
    sq::Connection client(o, protection, client_tls(), sq::HandshakeIds{cid_of(0xc1), odcid, odcid, odcid, false},
                          core.now.ns);
    Bytes buf(1500);
    for (int round = 0; round < 20 && !client.handshake_confirmed(); ++round) {
        std::vector<Bytes> answers;
        while (size_t n = client.send(buf, core.now.ns)) {
            for (Bytes& a : core.exchange(Bytes(buf.begin(), buf.begin() + long(n)))) {
                answers.push_back(std::move(a));
            }
        }
        core.now = core.now + Duration::milliseconds(1);
        for (Bytes& a : core.poll()) {  // timers (delayed ACKs)
            answers.push_back(std::move(a));
        }
        for (Bytes& a : answers) {
            BOOST_TEST(a.size() <= 1232u);
            client.receive(a, core.now.ns);
        }
    }
    BOOST_TEST(client.handshake_confirmed());
    const QuicGauges g = core.quic->gauges();
    BOOST_TEST(core.quic->counters().accepted == 1u);
    BOOST_TEST(g.connections == 1u);
    BOOST_TEST(g.confirmed == 1u);
    BOOST_TEST(g.confirmed_total == 1u);
    BOOST_TEST(g.tx_datagrams >= 2u);
    BOOST_TEST(g.tx_no_buffer == 0u);
    // Seen once, counted once.
    BOOST_TEST(core.quic->gauges().confirmed_total == 1u);
}

// Datagrams whose buffer has another holder are copied into buffers of their own before
// they are decrypted in place; stream data the connection keeps stays in those copies (no
// buffer may be changed under it) and is freed with the connection.
BOOST_FIXTURE_TEST_CASE(shared_datagrams_are_copied_and_their_stream_data_kept, LeakCheck) {
    Core core;
    sq::PacketProtection protection;
    sq::ConnectionOptions o;
    o.role = sq::Role::client;
    o.params.max_idle_timeout_ms = 30000;
    o.params.initial_max_streams_bidi = 4;
    o.params.initial_max_data = 1 << 20;
    o.params.initial_max_stream_data_bidi_local = 64 * 1024;
    o.max_datagram_size = 1232;
    const sq::ConnectionId odcid = cid_of(0x0e);
    sq::Connection client(o, protection, client_tls(), sq::HandshakeIds{cid_of(0xc2), odcid, odcid, odcid, false},
                          core.now.ns);
    Bytes buf(1500);
    std::vector<Bytes> kept;  // the client's received datagrams (its stream data could stay in them)
    const Bytes request(3000, 0x61);
    uint64_t id = 0;
    bool sent = false;
    for (int round = 0; round < 30; ++round) {
        if (!sent && client.handshake_confirmed()) {
            BOOST_REQUIRE(client.streams().open(sq::StreamDirection::bidirectional, id));
            BOOST_REQUIRE((client.streams().write(id, request, nullptr) == sq::StreamWrite::accepted));
            sent = true;
        }
        std::vector<Bytes> answers;
        while (size_t n = client.send(buf, core.now.ns)) {
            for (Bytes& a : core.exchange(Bytes(buf.begin(), buf.begin() + long(n)), true)) {
                answers.push_back(std::move(a));
            }
        }
        core.now = core.now + Duration::milliseconds(1);
        for (Bytes& a : core.poll()) {
            answers.push_back(std::move(a));
        }
        for (Bytes& a : answers) {
            client.receive(kept.emplace_back(std::move(a)), core.now.ns);
        }
    }
    BOOST_TEST(client.handshake_confirmed());
    BOOST_TEST(sent);
    const QuicGauges g = core.quic->gauges();
    BOOST_TEST(g.rx_copied >= 4u);  // every datagram of the client came shared
    BOOST_TEST(g.rx_no_buffer == 0u);
    BOOST_TEST(g.confirmed == 1u);
}

// RFC 9000 §6: from the QUIC port, with the connection IDs swapped.
BOOST_FIXTURE_TEST_CASE(unknown_version_gets_version_negotiation, LeakCheck) {
    Core core;
    Bytes d = {0xc0, 0xfa, 0xce, 0xb0, 0x0c, 4, 1, 2, 3, 4, 2, 9, 9};
    d.resize(1200, 0);
    const std::vector<Bytes> out = core.exchange(d);
    BOOST_REQUIRE_EQUAL(out.size(), 1u);
    sq::PacketHeader h;
    Bytes vn = out[0];
    BOOST_REQUIRE((sq::parse_packet_header(vn, 8, h) == sq::HeaderStatus::ok));
    BOOST_TEST((h.type == sq::PacketType::version_negotiation));
    BOOST_TEST((Bytes(h.dcid.begin(), h.dcid.end()) == Bytes{9, 9}));
    BOOST_TEST((Bytes(h.scid.begin(), h.scid.end()) == Bytes{1, 2, 3, 4}));
    BOOST_TEST(core.quic->counters().version_negotiations == 1u);
}

// RFC 9000 §14.1: a client Initial in less than 1200 bytes is dropped unanswered.
BOOST_FIXTURE_TEST_CASE(small_initial_is_dropped_and_counted, LeakCheck) {
    Core core;
    Bytes d = {0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    const size_t body = 300 - d.size() - 2;
    d.push_back(uint8_t(0x40 | body >> 8));
    d.push_back(uint8_t(body));
    d.resize(300, 0x55);
    BOOST_TEST(core.exchange(d).empty());
    BOOST_TEST(core.quic->counters().dropped_small_initial == 1u);
    BOOST_TEST(core.quic->gauges().connections == 0u);
}

BOOST_AUTO_TEST_CASE(options_need_a_certificate) {
    QuicOptions o;
    BOOST_TEST(o.validate() == "");  // off
    o.port = kQuicPort;
    const std::string e = o.validate();
    BOOST_TEST(e.find("--quic-cert") != std::string::npos);
    BOOST_TEST(e.find('\n') == std::string::npos);
    o.cert_file = "/nonexistent/cert.pem";
    o.key_file = "/nonexistent/key.pem";
    BOOST_TEST(o.validate().find("cannot be read") != std::string::npos);
}

// The stream credit (RFC 9000 §18.2) is checked once, with the endpoint's own limits.
BOOST_AUTO_TEST_CASE(stream_limits_are_validated) {
    CertFiles files;
    QuicOptions o = quic_options(files);
    BOOST_TEST(o.validate() == "");
    const auto params = o.endpoint_options(0).connection.params;
    BOOST_TEST(params.initial_max_streams_bidi == 100u);
    BOOST_TEST(params.initial_max_streams_uni >= 3u);
    BOOST_TEST(params.initial_max_stream_data_bidi_remote <= sq::EndpointOptions::kMaxStreamWindow);
    o.streams.uni = 2;
    BOOST_TEST(o.validate().find("--quic-max-streams-uni") != std::string::npos);
    o.streams.uni = 3;
    o.streams.stream_window = sq::EndpointOptions::kMaxStreamWindow + 1;
    const std::string window = o.validate();
    BOOST_TEST(window.find("--quic-stream-window") != std::string::npos);
    BOOST_TEST(window.find('\n') == std::string::npos);
    o.streams.stream_window = 64 * 1024;
    o.streams.connection_window = 1024;
    BOOST_TEST(o.validate().find("--quic-connection-window") != std::string::npos);
    o.streams.connection_window = 1 << 20;
    o.streams.bidi = 5000;
    BOOST_TEST(o.validate().find("--quic-max-streams-bidi") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
