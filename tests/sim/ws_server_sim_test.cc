// The WebSocket endpoints (apps/ws/ws_server.h) over two stacks on the in-memory link with
// virtual time. B serves them behind a small stand-in for the HTTP/1.1 server (the request
// head, on_upgrade, then every callback of the connection), as the real server hands them
// over; A runs test clients that write masked frames (RFC 6455 §5.3) and parse the server's.
// The handshake, echo of text and binary, fragments, ping/pong, the closing handshake, each
// kind of invalid frame with its close code, order over a thousand messages, a client that
// stops reading, and broadcast with a client that falls behind.
#include <boost/test/unit_test.hpp>

#include <deque>
#include <string>
#include <string_view>

#include "apps/http/head_scanner.h"
#include "apps/http/request_head.h"
#include "apps/http/upgrade.h"
#include "apps/ws/frame.h"
#include "apps/ws/ws_server.h"
#include "tests/sim/app_server.h"
#include "tests/sim/tcp_pair.h"

using namespace slip;
using namespace slip::stack;
using namespace slip::test;
using namespace slip::test::tcp_sim;
using app::BufferChain;
using app::Connections;
using app::ConnId;
using apps::ws::Opcode;

namespace {

constexpr uint16_t kWsPort = 80;
constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3
constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A client frame: masked with a key that changes per frame (§5.3).
Bytes client_frame(Opcode op, const Bytes& payload, bool fin = true) {
    static uint8_t seed = 1;
    const apps::ws::MaskKey key{seed, uint8_t(seed * 7), uint8_t(seed * 13), uint8_t(seed * 31)};
    ++seed;
    Bytes out(apps::ws::kMaxFrameHeader);
    const size_t header = apps::ws::write_masked_frame_header(
        std::span<uint8_t, apps::ws::kMaxFrameHeader>(out.data(), apps::ws::kMaxFrameHeader), fin, op, payload.size(),
        key);
    out.resize(header);
    out.insert(out.end(), payload.begin(), payload.end());
    apps::ws::mask(std::span(out.data() + header, payload.size()), key, 0);
    return out;
}

Bytes close_payload(uint16_t code, std::string_view reason = {}) {
    Bytes p(2 + reason.size());
    p[0] = uint8_t(code >> 8);
    p[1] = uint8_t(code);
    std::copy(reason.begin(), reason.end(), p.begin() + 2);
    return p;
}

std::string request(std::string_view path, std::string_view version = "13", std::string_view key = kSampleKey,
                    std::string_view method = "GET", std::string_view extra = {}) {
    std::string r = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: b\r\n";
    r += "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n";
    r += "Sec-WebSocket-Key: " + std::string(key) + "\r\nSec-WebSocket-Version: " + std::string(version) + "\r\n";
    return r + std::string(extra) + "\r\n";
}

struct Frame {
    bool fin = false;
    Opcode opcode = Opcode::continuation;
    Bytes payload;
    uint16_t close_code() const { return payload.size() >= 2 ? uint16_t(payload[0] << 8 | payload[1]) : 0; }
};

// The stand-in for apps/http/server: finds the request head, parses it, consumes it, calls
// the path's target's on_upgrade, and from then on forwards every callback to the target.
class UpgradeHost final : public app::Application {
public:
    explicit UpgradeHost(uint32_t slots) : m_conns(slots) {}
    void route(std::string path, apps::http::UpgradeTarget& target) { m_routes.push_back({std::move(path), &target}); }
    ConnId last;

    bool on_accepted(Connections& c, ConnId id, const app::Endpoint&) override {
        m_conns[c.slot(id)] = Conn{};
        last = id;
        return true;
    }
    void on_data(Connections& c, ConnId id) override {
        Conn& s = m_conns[c.slot(id)];
        if (s.target != nullptr) {
            s.target->on_data(c, id);
            return;
        }
        const app::BufferView view = c.received(id);
        Bytes bytes(view.bytes());
        view.copy_out(0, bytes);
        const apps::http::ScanResult r = s.scanner.feed(std::span(bytes).subspan(s.scanned));
        s.scanned = bytes.size();
        if (r.state == apps::http::ScanState::open || s.refused) {
            return;
        }
        const size_t head_len = s.scanner.head_size();
        apps::http::UpgradeTarget* target = nullptr;
        if (r.state == apps::http::ScanState::complete &&
            apps::http::parse_request_head(std::span(bytes).first(head_len), {}, m_head) == apps::http::HeadStatus::ok) {
            for (const auto& [path, t] : m_routes) {
                target = m_head.target == path ? t : target;
            }
        }
        c.consume(id, uint32_t(head_len));
        if (target != nullptr && target->on_upgrade(c, id, m_head)) {
            s.target = target;
            return;
        }
        s.refused = true;
        c.close(id);  // after the target's error answer (or none: the test sends no bad heads)
    }
    void on_writable(Connections& c, ConnId id) override {
        if (auto* t = m_conns[c.slot(id)].target) t->on_writable(c, id);
    }
    void on_peer_closed(Connections& c, ConnId id) override {
        if (auto* t = m_conns[c.slot(id)].target) t->on_peer_closed(c, id);
    }
    void on_timer(Connections& c, ConnId id) override {
        if (auto* t = m_conns[c.slot(id)].target) t->on_timer(c, id);
    }
    void on_closed(Connections& c, ConnId id, app::CloseReason r) override {
        if (auto* t = std::exchange(m_conns[c.slot(id)].target, nullptr)) t->on_closed(c, id, r);
    }

private:
    struct Conn {
        apps::http::HeadScanner scanner{apps::http::kDefaultMaxHead};
        size_t scanned = 0;
        bool refused = false;
        apps::http::UpgradeTarget* target = nullptr;
    };
    std::vector<Conn> m_conns;
    std::vector<std::pair<std::string, apps::http::UpgradeTarget*>> m_routes;
    apps::http::RequestHead m_head;
};

// A WebSocket client on A's application interface: sends the handshake, then whatever the
// test queues (as fast as the send buffer takes it), and parses the server's frames.
class WsClient final : public app::Application {
public:
    explicit WsClient(std::string handshake) : m_out(to_bytes(handshake)) {}
    ConnId id;
    bool reading = true;        // false: received data stays unconsumed (the window closes)
    bool answer_close = false;  // reply to a Close with the same code
    bool close_on_fin = true;   // shutdown when the server's FIN comes (§7.1.1)
    std::string response;       // the HTTP response head
    std::vector<Frame> frames;
    size_t sent = 0;
    int peer_closed = 0;
    std::vector<app::CloseReason> closed;

    bool answered() const { return !response.empty(); }
    bool upgraded() const { return response.starts_with("HTTP/1.1 101 "); }
    size_t queued() const { return m_out.size(); }
    std::vector<const Frame*> of(Opcode op) const {
        std::vector<const Frame*> out;
        for (const Frame& f : frames) {
            if (f.opcode == op) out.push_back(&f);
        }
        return out;
    }
    void send(Connections& c, const Bytes& bytes) {
        m_out.insert(m_out.end(), bytes.begin(), bytes.end());
        pump(c);
    }
    void on_connected(Connections& c, ConnId i) override {
        id = i;
        pump(c);
    }
    void on_data(Connections& c, ConnId) override {
        if (!reading) return;
        const app::BufferView view = c.received(id);
        const size_t at = m_in.size();
        m_in.resize(at + view.bytes());
        view.copy_out(0, std::span(m_in.data() + at, view.bytes()));
        c.consume(id, view.bytes());
        absorb(c);
    }
    void on_writable(Connections& c, ConnId) override { pump(c); }
    void on_peer_closed(Connections& c, ConnId) override {
        ++peer_closed;
        if (close_on_fin) c.shutdown(id);
    }
    void on_closed(Connections&, ConnId, app::CloseReason r) override { closed.push_back(r); }

private:
    void pump(Connections& c) {
        while (sent < m_out.size()) {
            const size_t n = std::min<size_t>({m_out.size() - sent, 64 * 1024, c.send_room(id)});
            if (n == 0) return;
            BufferChain chunk = c.copy_in(std::span(m_out.data() + sent, n));
            BOOST_REQUIRE(chunk.bytes() == n);
            const app::SendResult r = c.send(id, chunk);
            sent += r.accepted;
            if (r.accepted < n) return;
        }
    }
    void absorb(Connections& c) {
        size_t pos = 0;
        if (response.empty()) {
            const std::string_view text(reinterpret_cast<const char*>(m_in.data()), m_in.size());
            const size_t end = text.find("\r\n\r\n");
            if (end == std::string_view::npos) return;
            response = std::string(text.substr(0, end + 4));
            pos = end + 4;
        }
        Frame f;
        while (next_frame(pos, f)) {
            if (f.opcode == Opcode::close && answer_close) {
                send(c, client_frame(Opcode::close, close_payload(f.close_code())));
            }
            frames.push_back(std::move(f));
        }
        m_in.erase(m_in.begin(), m_in.begin() + long(pos));
    }
    // A server frame (§5.2): never masked (§5.1).
    bool next_frame(size_t& pos, Frame& f) {
        const size_t have = m_in.size() - pos;
        if (have < 2) return false;
        const uint8_t* p = m_in.data() + pos;
        BOOST_REQUIRE((p[1] & 0x80) == 0);
        BOOST_REQUIRE((p[0] & 0x70) == 0);
        uint64_t len = p[1] & 0x7f;
        size_t header = 2;
        if (len >= 126) {
            header = len == 126 ? 4 : 10;
            if (have < header) return false;
            len = 0;
            for (size_t i = 2; i < header; ++i) len = len << 8 | p[i];
        }
        if (have < header + len) return false;
        f.fin = (p[0] & 0x80) != 0;
        f.opcode = Opcode(p[0] & 0x0f);
        f.payload.assign(p + header, p + header + len);
        pos += header + size_t(len);
        return true;
    }
    Bytes m_out;
    Bytes m_in;
};

// B serves /ws/echo and /ws/broadcast on port 80; A connects clients to it.
struct Rig {
    Pair& p;
    AppHost a;
    AppHost b;
    apps::ws::WsEcho echo;
    apps::ws::WsBroadcast broadcast;
    UpgradeHost host;
    std::deque<WsClient> clients;

    explicit Rig(Pair& pair, const apps::ws::WsOptions& options = {})
        : p(pair), a(pair.a.tcp()), b(pair.b.tcp()), echo(b.binding.slot_count(), options),
          broadcast(b.binding.slot_count(), options), host(b.binding.slot_count()) {
        host.route("/ws/echo", echo);
        host.route("/ws/broadcast", broadcast);
        b.serve(kWsPort, host);
    }
    // Both bindings at the link's time, for calls made outside callbacks.
    void now() {
        a.binding.set_now(p.link.now());
        b.binding.set_now(p.link.now());
    }
    WsClient& open(const std::string& handshake) {
        WsClient& client = clients.emplace_back(handshake);
        now();
        app::Endpoint to;
        const Ipv6Addr addr = p.b_addr(false);
        std::copy(addr.bytes.begin(), addr.bytes.end(), to.address);
        to.port = kWsPort;
        BOOST_REQUIRE(a.binding.connect(to, &client, nullptr).valid());
        BOOST_REQUIRE(run_until([&] { return client.answered(); }));
        return client;
    }
    WsClient& open_ws(std::string_view path) {
        WsClient& client = open(request(path));
        BOOST_REQUIRE(client.upgraded());
        return client;
    }
    void send(WsClient& client, const Bytes& bytes) {
        now();
        client.send(a.binding, bytes);
    }
    template <class F>
    bool run_until(F done, int max_ms = 5000) {
        for (int ms = 0; ms < max_ms && !done(); ++ms) {
            p.link.run_for(Duration::milliseconds(1));
        }
        return done();
    }
    void run(int ms) { p.link.run_for(Duration::milliseconds(ms)); }
};

Bytes payload_of(size_t n, uint32_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed * 131 + i * 7 + (i >> 8));
    return b;
}

// The client got a Close with `code`, the server's FIN, and the connection ended normally.
void check_closed_with(const WsClient& client, uint16_t code) {
    BOOST_REQUIRE(!client.frames.empty());
    BOOST_TEST((client.frames.back().opcode == Opcode::close));
    BOOST_TEST(client.frames.back().close_code() == code);
    BOOST_TEST(client.peer_closed == 1);
    BOOST_REQUIRE(client.closed.size() == 1u);
    BOOST_TEST((client.closed.front() == app::CloseReason::normal));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ws_server_sim)

BOOST_AUTO_TEST_CASE(the_handshake_answers_101_with_the_accept_value_and_refuses_bad_requests) {
    Pair p;
    {
        Rig rig(p);
        // Extensions and subprotocols offered are not taken (§4.2.2): the answer names none.
        WsClient& good = rig.open(request("/ws/echo", "13", kSampleKey, "GET",
                                          "Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Protocol: chat\r\n"));
        BOOST_TEST(good.response == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    "Sec-WebSocket-Accept: " + std::string(kSampleAccept) + "\r\n\r\n");
        WsClient& old_version = rig.open(request("/ws/echo", "8"));
        BOOST_TEST(old_version.response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        BOOST_TEST(old_version.response.find("\r\nSec-WebSocket-Version: 13\r\n") != std::string::npos);
        WsClient& short_key = rig.open(request("/ws/echo", "13", "dGhlIHNhbXBsZSBub25jZQ="));
        BOOST_TEST(short_key.response.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        WsClient& post = rig.open(request("/ws/broadcast", "13", kSampleKey, "POST"));
        BOOST_TEST(post.response.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        BOOST_REQUIRE(rig.run_until([&] { return post.closed.size() == 1u && short_key.closed.size() == 1u; }));
        BOOST_TEST(old_version.closed.size() == 1u);
        BOOST_TEST(rig.echo.stats().upgrades == 1u);
        BOOST_TEST(rig.echo.stats().refused == 2u);
        BOOST_TEST(rig.broadcast.stats().refused == 1u);
        BOOST_TEST(rig.echo.stats().open == 1u);
        rig.send(good, client_frame(Opcode::close, {}));
        BOOST_REQUIRE(rig.run_until([&] { return good.closed.size() == 1u; }));
        check_closed_with(good, 1000);  // an empty Close is answered with 1000, never 1005
        BOOST_TEST(rig.echo.stats().open == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(echo_returns_text_and_binary_each_as_one_frame_of_its_type) {
    Pair p;
    {
        Rig rig(p);
        // The first frame rides in the handshake's segment: on_upgrade reads it.
        Bytes first = to_bytes(request("/ws/echo"));
        const Bytes hello = client_frame(Opcode::text, to_bytes("hello"));
        first.insert(first.end(), hello.begin(), hello.end());
        WsClient& c = rig.open(std::string(first.begin(), first.end()));
        BOOST_REQUIRE(c.upgraded());
        const std::vector<std::pair<Opcode, Bytes>> messages = {
            {Opcode::binary, payload_of(256, 1)}, {Opcode::text, {}},
            {Opcode::text, to_bytes("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80")},
            {Opcode::binary, payload_of(100'000, 2)}, {Opcode::binary, payload_of(1 << 20, 3)},  // the limit exactly
        };
        for (const auto& [op, payload] : messages) {
            rig.send(c, client_frame(op, payload));
        }
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == messages.size() + 1; }));
        BOOST_TEST((c.frames[0].opcode == Opcode::text));
        BOOST_TEST(c.frames[0].payload == to_bytes("hello"));
        for (size_t i = 0; i < messages.size(); ++i) {
            const Frame& f = c.frames[i + 1];
            BOOST_TEST(f.fin);
            BOOST_TEST((f.opcode == messages[i].first));
            BOOST_TEST((f.payload == messages[i].second), "message " << i);
        }
        BOOST_TEST(rig.echo.stats().messages_in == messages.size() + 1);
        rig.send(c, client_frame(Opcode::close, close_payload(1000, "bye")));
        BOOST_REQUIRE(rig.run_until([&] { return c.closed.size() == 1u; }));
        check_closed_with(c, 1000);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(fragments_split_anywhere_make_one_message_and_pings_between_them_are_answered) {
    Pair p;
    {
        Rig rig(p);
        WsClient& c = rig.open_ws("/ws/echo");
        // A text message in three fragments, "€" (E2 82 AC) split across the first two, a Ping
        // between fragments (§5.4: control frames may be injected), and all of it sent one
        // byte per segment.
        Bytes wire = client_frame(Opcode::text, {'a', 0xe2, 0x82}, false);
        for (const Bytes& part : {client_frame(Opcode::ping, to_bytes("are you there")),
                                  client_frame(Opcode::continuation, {0xac, 'b'}, false),
                                  client_frame(Opcode::continuation, to_bytes("cd"), true)}) {
            wire.insert(wire.end(), part.begin(), part.end());
        }
        for (const uint8_t byte : wire) {
            rig.send(c, {byte});
            rig.run(1);
        }
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == 2u; }));
        BOOST_TEST((c.frames[0].opcode == Opcode::pong));
        BOOST_TEST(c.frames[0].payload == to_bytes("are you there"));
        BOOST_TEST((c.frames[1].opcode == Opcode::text));
        BOOST_TEST(c.frames[1].payload == to_bytes("a\xe2\x82\xac" "bcd"));
        // A binary message in 40 fragments of 3000 bytes arriving together.
        const Bytes big = payload_of(120'000, 9);
        Bytes fragments;
        for (size_t at = 0; at < big.size(); at += 3000) {
            const Bytes part(big.begin() + long(at), big.begin() + long(at + 3000));
            const Bytes f = client_frame(at == 0 ? Opcode::binary : Opcode::continuation, part, at + 3000 == big.size());
            fragments.insert(fragments.end(), f.begin(), f.end());
        }
        rig.send(c, fragments);
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == 3u; }));
        BOOST_TEST(c.frames[2].payload == big);
        // Many tiny fragments: 2000 one-byte frames.
        Bytes tiny;
        for (int i = 0; i < 2000; ++i) {
            const Bytes f = client_frame(i == 0 ? Opcode::binary : Opcode::continuation, {uint8_t(i)}, i == 1999);
            tiny.insert(tiny.end(), f.begin(), f.end());
        }
        rig.send(c, tiny);
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == 4u; }));
        BOOST_REQUIRE(c.frames[3].payload.size() == 2000u);
        for (size_t i = 0; i < 2000; ++i) {
            BOOST_REQUIRE(c.frames[3].payload[i] == uint8_t(i));
        }
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_ping_gets_its_payload_back_and_a_pong_gets_nothing) {
    Pair p;
    {
        Rig rig(p);
        WsClient& c = rig.open_ws("/ws/echo");
        rig.send(c, client_frame(Opcode::pong, to_bytes("unsolicited")));
        rig.send(c, client_frame(Opcode::ping, {}));
        rig.send(c, client_frame(Opcode::ping, payload_of(125, 4)));
        rig.send(c, client_frame(Opcode::text, to_bytes("after")));
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == 3u; }));
        BOOST_TEST((c.frames[0].opcode == Opcode::pong));
        BOOST_TEST(c.frames[0].payload.empty());
        BOOST_TEST((c.frames[1].opcode == Opcode::pong));
        BOOST_TEST(c.frames[1].payload == payload_of(125, 4));
        BOOST_TEST(c.frames[2].payload == to_bytes("after"));
        rig.run(50);
        BOOST_TEST(c.frames.size() == 3u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_close_is_answered_with_its_code_then_the_server_closes_first) {
    Pair p;
    {
        Rig rig(p);
        const std::vector<std::pair<Bytes, uint16_t>> cases = {
            {close_payload(1000, "done"), 1000}, {close_payload(1001), 1001}, {close_payload(4001, "app"), 4001},
            {close_payload(3000), 3000}, {{}, 1000},
        };
        for (const auto& [payload, answer] : cases) {
            WsClient& c = rig.open_ws("/ws/echo");
            // The Close after a message: the echo goes first, then the answer (§5.5.1).
            Bytes wire = client_frame(Opcode::binary, payload_of(5000, answer));
            const Bytes close = client_frame(Opcode::close, payload);
            wire.insert(wire.end(), close.begin(), close.end());
            rig.send(c, wire);
            BOOST_REQUIRE(rig.run_until([&] { return c.closed.size() == 1u; }));
            BOOST_REQUIRE(c.frames.size() == 2u);
            BOOST_TEST(c.frames[0].payload == payload_of(5000, answer));
            check_closed_with(c, answer);
        }
        BOOST_TEST(rig.echo.stats().failures == 0u);
        BOOST_TEST(rig.echo.stats().close_timeouts == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(each_invalid_frame_fails_the_connection_with_its_code) {
    Pair p;
    {
        Rig rig(p);
        const auto header = [](uint8_t first, uint8_t second, const Bytes& rest = {}) {
            Bytes b{first, second};
            b.insert(b.end(), rest.begin(), rest.end());
            return b;
        };
        const Bytes key{1, 2, 3, 4};
        Bytes oversized = header(0x82, 0x80 | 127, {0, 0, 0, 0, 0, 0x10, 0, 1});  // 1 MiB + 1
        oversized.insert(oversized.end(), key.begin(), key.end());
        Bytes ping126 = header(0x89, 0x80 | 126, {0, 126});
        ping126.insert(ping126.end(), key.begin(), key.end());
        ping126.resize(ping126.size() + 126);
        Bytes rsv1 = client_frame(Opcode::text, to_bytes("x"));
        rsv1[0] |= 0x40;
        // The encoder refuses to write a control frame without FIN (it asserts): cleared here.
        Bytes fragmented_ping = client_frame(Opcode::ping, to_bytes("p"));
        fragmented_ping[0] &= 0x7f;
        Bytes opening_text = client_frame(Opcode::text, to_bytes("a"), false);
        const Bytes second_text = client_frame(Opcode::text, to_bytes("b"));
        opening_text.insert(opening_text.end(), second_text.begin(), second_text.end());
        struct Case {
            const char* name;
            Bytes wire;
            uint16_t code;
        };
        const std::vector<Case> cases = {
            {"unmasked client frame", header(0x81, 0x02, {'h', 'i'}), 1002},
            {"RSV1 without an extension", rsv1, 1002},
            {"reserved data opcode 3", client_frame(Opcode(0x3), {}), 1002},
            {"reserved control opcode B", client_frame(Opcode(0xb), {}), 1002},
            {"bad UTF-8", client_frame(Opcode::text, {'o', 'k', 0xc0, 0xaf}), 1007},
            {"text ending inside a code point", client_frame(Opcode::text, {0xe2, 0x82}), 1007},
            {"message over the limit", oversized, 1009},
            {"control frame over 125 bytes", ping126, 1002},
            {"fragmented ping", fragmented_ping, 1002},
            {"continuation without a message", client_frame(Opcode::continuation, to_bytes("c")), 1002},
            {"new message inside a fragmented one", opening_text, 1002},
            {"close with one byte", client_frame(Opcode::close, {0x03}), 1002},
            {"close with code 1005", client_frame(Opcode::close, close_payload(1005)), 1002},
            {"close with a bad UTF-8 reason", client_frame(Opcode::close, {0x03, 0xe8, 0xff}), 1007},
        };
        for (const Case& k : cases) {
            BOOST_TEST_CONTEXT(k.name) {
                WsClient& c = rig.open_ws("/ws/echo");
                rig.send(c, k.wire);
                rig.send(c, client_frame(Opcode::text, to_bytes("never echoed")));
                BOOST_REQUIRE(rig.run_until([&] { return c.closed.size() == 1u; }));
                BOOST_TEST(c.frames.size() == 1u);  // the Close alone
                check_closed_with(c, k.code);
            }
        }
        BOOST_TEST(rig.echo.stats().failures == cases.size());
        BOOST_TEST(rig.echo.stats().messages_in == 0u);
        BOOST_TEST(rig.echo.stats().open == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_peer_that_never_closes_is_aborted_after_the_close_timeout) {
    Pair p;
    {
        apps::ws::WsOptions options;
        options.close_timeout_ns = 2'000'000'000;
        Rig rig(p, options);
        WsClient& c = rig.open_ws("/ws/echo");
        c.close_on_fin = false;
        rig.send(c, client_frame(Opcode(0x3), {}));
        rig.run(1000);
        BOOST_TEST(c.frames.size() == 1u);
        BOOST_TEST(c.peer_closed == 1);
        BOOST_TEST(c.closed.empty());
        BOOST_REQUIRE(rig.run_until([&] { return !c.closed.empty(); }, 3000));
        BOOST_TEST((c.closed.front() == app::CloseReason::reset));
        BOOST_TEST(rig.echo.stats().close_timeouts == 1u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_thousand_messages_come_back_in_order) {
    Pair p;
    {
        Rig rig(p);
        WsClient& c = rig.open_ws("/ws/echo");
        constexpr int kMessages = 1200;
        Bytes wire;
        for (int i = 0; i < kMessages; ++i) {
            const std::string text = "message " + std::to_string(i) + std::string(size_t(i * 7 % 3000), '.');
            const Bytes f = i % 3 == 0 ? client_frame(Opcode::binary, payload_of(size_t(i * 13 % 5000), uint32_t(i)))
                                       : client_frame(Opcode::text, to_bytes(text));
            wire.insert(wire.end(), f.begin(), f.end());
        }
        rig.send(c, wire);
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == size_t(kMessages); }, 20000));
        for (int i = 0; i < kMessages; ++i) {
            const Frame& f = c.frames[size_t(i)];
            const std::string text = "message " + std::to_string(i) + std::string(size_t(i * 7 % 3000), '.');
            const Bytes expected = i % 3 == 0 ? payload_of(size_t(i * 13 % 5000), uint32_t(i)) : to_bytes(text);
            BOOST_REQUIRE_MESSAGE(f.payload == expected, "message " << i);
        }
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_client_that_stops_reading_meets_a_closed_window_and_loses_nothing) {
    Pair p;
    {
        Rig rig(p);
        WsClient& c = rig.open_ws("/ws/echo");
        const ConnId on_b = rig.host.last;
        c.reading = false;
        constexpr size_t kMessages = 160;  // 10 MiB in 64 KiB messages
        Bytes wire;
        for (size_t i = 0; i < kMessages; ++i) {
            const Bytes f = client_frame(Opcode::binary, payload_of(64 * 1024, uint32_t(i)));
            wire.insert(wire.end(), f.begin(), f.end());
        }
        rig.send(c, wire);
        rig.run(300);
        const size_t sent = c.sent;
        const uint32_t held = rig.b.held_bytes(on_b);
        const unsigned buffers = mbufs_in_use();
        rig.run(300);
        BOOST_TEST(sent < wire.size() / 4);  // stalled early
        BOOST_TEST(c.sent == sent);          // and stays so
        BOOST_TEST(p.a.tcp().connection({c.id.index, c.id.generation})->snd_wnd == 0u);  // B's window is shut
        const uint32_t rcv_buffer = p.b.tcp().config().rcv_buffer;
        BOOST_TEST(held <= rcv_buffer + rcv_buffer / 8);  // the window's worth, no more
        BOOST_TEST(rig.b.held_bytes(on_b) == held);
        BOOST_TEST(mbufs_in_use() <= buffers + 4);  // flat
        BOOST_TEST(mbufs_in_use() + 4 >= buffers);
        c.reading = true;
        rig.now();
        c.on_data(rig.a.binding, c.id);
        BOOST_REQUIRE(rig.run_until([&] { return c.frames.size() == kMessages; }, 20000));
        for (size_t i = 0; i < kMessages; ++i) {
            BOOST_REQUIRE_MESSAGE(c.frames[i].payload == payload_of(64 * 1024, uint32_t(i)), "message " << i);
        }
        BOOST_TEST(c.sent == c.queued());
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(drain_sends_1001_to_every_connection) {
    Pair p;
    {
        Rig rig(p);
        std::vector<WsClient*> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(&rig.open_ws(i == 2 ? "/ws/broadcast" : "/ws/echo"));
            clients.back()->answer_close = true;
        }
        rig.now();
        rig.echo.drain(rig.b.binding);
        rig.broadcast.drain(rig.b.binding);
        BOOST_REQUIRE(rig.run_until([&] {
            return std::all_of(clients.begin(), clients.end(), [](WsClient* c) { return c->closed.size() == 1u; });
        }));
        for (WsClient* c : clients) {
            check_closed_with(*c, 1001);
        }
        BOOST_TEST(rig.echo.stats().close_timeouts == 0u);
        BOOST_TEST(rig.broadcast.members() == 0u);
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(broadcast_reaches_every_client_in_each_senders_order) {
    Pair p;
    {
        Rig rig(p);
        constexpr int kClients = 10;
        constexpr int kEach = 30;
        std::vector<WsClient*> clients;
        for (int i = 0; i < kClients; ++i) {
            clients.push_back(&rig.open_ws("/ws/broadcast"));
        }
        BOOST_TEST(rig.broadcast.members() == uint32_t(kClients));
        for (int m = 0; m < kEach; ++m) {
            for (int k = 0; k < kClients; ++k) {
                const std::string text = std::to_string(k) + ":" + std::to_string(m) + std::string(size_t(m * 41), '~');
                rig.send(*clients[size_t(k)], client_frame(Opcode::text, to_bytes(text)));
            }
        }
        BOOST_REQUIRE(rig.run_until([&] {
            return std::all_of(clients.begin(), clients.end(),
                               [](WsClient* c) { return c->frames.size() == size_t(kClients * kEach); });
        }));
        for (WsClient* c : clients) {
            std::vector<int> next(kClients, 0);
            for (const Frame& f : c->frames) {
                const std::string text(f.payload.begin(), f.payload.end());
                const int k = std::stoi(text);
                const int m = std::stoi(text.substr(text.find(':') + 1));
                BOOST_REQUIRE(m == next[size_t(k)]++);
            }
        }
    }
    p.check_clean();
}

BOOST_AUTO_TEST_CASE(a_broadcast_client_that_falls_behind_is_closed_with_1008_and_the_others_go_on) {
    Pair p;
    {
        apps::ws::WsOptions options;
        options.queue_frames = 64;
        options.queue_bytes = 256 * 1024;
        Rig rig(p, options);
        constexpr int kSenders = 4;
        constexpr int kEach = 100;
        std::vector<WsClient*> senders;
        for (int i = 0; i < kSenders; ++i) {
            senders.push_back(&rig.open_ws("/ws/broadcast"));
        }
        WsClient& slow = rig.open_ws("/ws/broadcast");
        slow.reading = false;
        // Each sender sends a 4 KiB message every millisecond: every client gets 16 KiB/ms.
        for (int m = 0; m < kEach; ++m) {
            for (int k = 0; k < kSenders; ++k) {
                Bytes payload = payload_of(4096, uint32_t(m));
                payload[0] = uint8_t(k);
                payload[1] = uint8_t(m);
                rig.send(*senders[size_t(k)], client_frame(Opcode::binary, payload));
            }
            rig.run(1);
        }
        BOOST_REQUIRE(rig.run_until([&] {
            return std::all_of(senders.begin(), senders.end(),
                               [](WsClient* c) { return c->frames.size() == size_t(kSenders * kEach); });
        }));
        BOOST_TEST(rig.broadcast.stats().overflows == 1u);
        BOOST_TEST(rig.broadcast.members() == uint32_t(kSenders));
        // The slow client reads again: a prefix of each sender's messages, then the Close.
        slow.reading = true;
        rig.now();
        slow.on_data(rig.a.binding, slow.id);
        BOOST_REQUIRE(rig.run_until([&] { return slow.closed.size() == 1u; }));
        check_closed_with(slow, 1008);
        BOOST_TEST(slow.frames.size() < size_t(kSenders * kEach));
        std::vector<int> next(kSenders, 0);
        for (const Frame* f : slow.of(Opcode::binary)) {
            BOOST_REQUIRE(f->payload[1] == uint8_t(next[f->payload[0]]++));
        }
        for (WsClient* c : senders) {
            std::vector<int> order(kSenders, 0);
            for (const Frame& f : c->frames) {
                BOOST_REQUIRE(f.payload[1] == uint8_t(order[f.payload[0]]++));
            }
        }
        // The others go on.
        rig.send(*senders[0], client_frame(Opcode::text, to_bytes("still here")));
        BOOST_REQUIRE(rig.run_until([&] { return senders[3]->frames.size() == size_t(kSenders * kEach + 1); }));
        BOOST_TEST(senders[3]->frames.back().payload == to_bytes("still here"));
    }
    p.check_clean();
}

BOOST_AUTO_TEST_SUITE_END()
