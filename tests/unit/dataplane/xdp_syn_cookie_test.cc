// SYN cookies answered by the engine's XDP program, run through BPF_PROG_TEST_RUN: the
// SYN-ACK it produces (addresses, checksums, options) is acknowledged, and the engine's TCP,
// sharing the program's key and clock, accepts that ACK as one of its own cookies; IPv4 and
// IPv6, with and without timestamps, window scale and SACK. SYNs the engine must see (Fast
// Open, data, no listener) are redirected and counted. Needs root, as the xdp_program suite.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <time.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "dataplane/xdp_program.h"
#include "stack/base/counters.h"
#include "stack/tcp/syn_cookie_keys.h"
#include "stack/tcp/tcp_header.h"
#include "stack/tcp/tcp_layer.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

using namespace slip::test;
using slip::dataplane::XdpCounters;
using slip::dataplane::XdpFilterConfig;
using slip::dataplane::XdpProgram;
using slip::dataplane::XdpSynCookieConfig;
using namespace slip::stack;
using namespace slip::stack::tcp;

namespace {

constexpr uint16_t kListenPort = 80;
constexpr uint32_t kPeerIsn = 0x12345678;
constexpr uint32_t kPeerTsVal = 777;

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

uint16_t be16(const Bytes& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

// The engine: one TcpLayer listening on kListenPort, its segments captured.
struct Engine final : TcpLink, TcpService {
    Counters counters;
    TcpLayer tcp;
    std::vector<std::pair<TcpHeader, FlowKey>> sent;
    int accepted = 0;

    explicit Engine(const TcpConfig& config) : tcp(config, pool(), this, &counters, 11, view_pool()) {
        BOOST_REQUIRE(tcp.listen(kListenPort, this));
    }
    ~Engine() override { tcp.abort_all(Instant{0}); }
    void tcp_transmit(Mbuf* segment, const FlowKey& key, Instant) override {
        const Bytes b = bytes_of(segment);
        buf::free(segment);
        const auto h = parse_tcp(b.data(), b.size());
        BOOST_REQUIRE(h.ok());
        sent.emplace_back(*h, key);
    }
    bool tcp_local_address(const Ipv6Addr&, Ipv6Addr& local) const override {
        local = Ipv6Addr::v4_mapped(kEngineIp);
        return true;
    }
    bool on_accept(TcpHandle, const FlowKey&, Instant) override {
        ++accepted;
        return true;
    }
    void on_data(TcpHandle, Mbuf* data, uint32_t, Instant) override { buf::free(data); }
};

TcpConfig engine_tcp_config() {
    TcpConfig c;
    c.max_connections = 8;
    c.rcv_buffer = 256 * 1024;  // window scale 2
    c.snd_buffer = 64 * 1024;
    return c;
}

// The loaded program with the engine's addresses, port 80 listening and `keys` shared.
struct Program {
    XdpProgram prog;
    SynCookieKeys keys;

    explicit Program(const TcpConfig& tcp) {
        BOOST_REQUIRE(keys.init());
        const std::string err = prog.load();
        BOOST_REQUIRE_MESSAGE(err.empty(), "cannot load the XDP program (this suite needs root): " << err);
        XdpFilterConfig f;
        const uint32_t v4 = kEngineIp.value;
        f.ipv4 = {uint8_t(v4 >> 24), uint8_t(v4 >> 16), uint8_t(v4 >> 8), uint8_t(v4)};
        f.ipv6[0] = engine_ip6().bytes;
        BOOST_REQUIRE(prog.configure(f).empty());
        BOOST_REQUIRE(prog.configure_syn_cookies(cookie_config(tcp)).empty());
        BOOST_REQUIRE(prog.set_clock_offset(0, 0));
    }

    XdpSynCookieConfig cookie_config(const TcpConfig& tcp) const {
        XdpSynCookieConfig c;
        c.on = true;
        c.key[0] = keys.current().k0;
        c.key[1] = keys.current().k1;
        c.ts_offset = keys.ts_offset();
        c.timestamps = tcp.timestamps;
        c.window_scaling = tcp.window_scaling;
        c.sack = tcp.sack;
        c.mss_ipv4 = 1460;
        c.mss_ipv6 = 1440;
        c.window = uint16_t(std::min<uint32_t>(tcp.rcv_buffer, 0xffff));
        c.wscale = 2;
        c.listen_ports = {kListenPort};
        return c;
    }

    // Runs `frame`; the action, the frame out, and the counters that moved.
    uint32_t run(const Bytes& frame, Bytes& out, XdpCounters& moved) {
        const XdpCounters before = prog.counters();
        Bytes in = frame;
        out.assign(256, 0);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out.data(),
                    .data_size_in = uint32_t(in.size()), .data_size_out = uint32_t(out.size()), .repeat = 1);
        BOOST_REQUIRE_EQUAL(bpf_prog_test_run_opts(prog.prog_fd(), &opts), 0);
        out.resize(opts.data_size_out);
        const XdpCounters after = prog.counters();
        for (size_t r = 0; r < after.size(); ++r) {
            moved[r] = after[r] - before[r];
        }
        return opts.retval;
    }
};

struct Combo {
    bool ipv6, ts, ws, sack;
};

Bytes syn_options(const Combo& c, uint16_t mss) {
    Bytes o = {2, 4, uint8_t(mss >> 8), uint8_t(mss)};
    if (c.sack) {
        o.insert(o.end(), {1, 1, 4, 2});
    }
    if (c.ts) {
        o.insert(o.end(), {1, 1, 8, 10, 0, 0, uint8_t(kPeerTsVal >> 8), uint8_t(kPeerTsVal & 0xff), 0, 0, 0, 0});
    }
    if (c.ws) {
        o.insert(o.end(), {1, 3, 3, 7});
    }
    return o;
}

// The TCP segment of a frame out of the program, its checksums checked.
Bytes checked_segment(const Bytes& frame, bool ipv6) {
    const size_t l3 = 14;
    const size_t l4 = l3 + (ipv6 ? 40 : 20);
    BOOST_REQUIRE_GE(frame.size(), l4 + 20);
    BOOST_TEST(std::equal(frame.begin(), frame.begin() + 6, kPeerMac.bytes.begin()));
    BOOST_TEST(std::equal(frame.begin() + 6, frame.begin() + 12, kEngineMac.bytes.begin()));
    size_t len = 0;
    if (ipv6) {
        BOOST_TEST(be16(frame, 12) == 0x86dd);
        len = be16(frame, l3 + 4);
        BOOST_TEST(std::equal(frame.begin() + l3 + 8, frame.begin() + l3 + 24, engine_ip6().bytes.begin()));
        BOOST_TEST(std::equal(frame.begin() + l3 + 24, frame.begin() + l3 + 40, peer_ip6().bytes.begin()));
    } else {
        BOOST_TEST(be16(frame, 12) == 0x0800);
        uint32_t sum = 0;
        for (size_t i = 0; i < 20; i += 2) {
            sum += be16(frame, l3 + i);
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        BOOST_TEST(sum == 0xffffu, "IPv4 header checksum");
        len = be16(frame, l3 + 2) - 20;
        BOOST_TEST(frame[l3 + 12] == 10);  // from 10.0.0.2, the engine
        BOOST_TEST(frame[l3 + 19] == 1);   // to 10.0.0.1, the peer
    }
    BOOST_REQUIRE_EQUAL(frame.size(), l4 + len);
    Bytes fixed = frame;
    fix_tcp_checksum(fixed);
    BOOST_TEST(be16(fixed, l4 + 16) == be16(frame, l4 + 16), "TCP checksum");
    return Bytes(frame.begin() + long(l4), frame.end());
}

// The peer's ACK of the SYN-ACK `sa`: TCP segment bytes (checksum left to the IP layer).
Bytes ack_for(const TcpHeader& sa, bool ts, uint8_t flags = flag::ack) {
    TcpOptionsToSend o;
    o.timestamps = ts;
    o.ts_val = kPeerTsVal + 10;
    o.ts_ecr = sa.options.ts_val;
    Bytes seg(kTcpMaxHeaderLen, 0);
    const size_t n = write_tcp(seg.data(), sa.dst_port, sa.src_port, sa.ack, sa.seq + 1, flags, 1000, o);
    seg.resize(n);
    return seg;
}

FlowKey engine_key(bool ipv6, uint16_t peer_port) {
    FlowKey k;
    k.local = ipv6 ? engine_ip6() : Ipv6Addr::v4_mapped(kEngineIp);
    k.remote = ipv6 ? peer_ip6() : Ipv6Addr::v4_mapped(kPeerIp);
    k.local_port = kListenPort;
    k.remote_port = peer_port;
    return k;
}

// SYN -> program -> SYN-ACK -> ACK -> the engine's TCP: accepted, options as negotiated, and
// the engine's next segment carries a TSval no older than the SYN-ACK's (the peer's PAWS).
void handshake(const Combo& c) {
    BOOST_TEST_CONTEXT("ipv6 " << c.ipv6 << " ts " << c.ts << " ws " << c.ws << " sack " << c.sack) {
        const TcpConfig config = engine_tcp_config();
        Program p(config);
        Engine e(config);
        const uint16_t peer_port = 40001;
        const TcpFields syn{.sport = peer_port, .dport = kListenPort, .seq = kPeerIsn, .flags = flag::syn,
                            .options = syn_options(c, 1400)};
        Bytes out;
        XdpCounters moved{};
        BOOST_REQUIRE_EQUAL(p.run(make_tcp_frame(syn, {}, c.ipv6), out, moved), uint32_t(XDP_TX));
        BOOST_TEST(moved[SLIP_XDP_SYN_COOKIE_SENT] == 1u);
        BOOST_TEST(moved[SLIP_XDP_REDIRECTED] == 0u);
        // The engine's clock reads CLOCK_MONOTONIC through the shared offset, as on a queue.
        const Instant now{1'000'000'000};
        e.tcp.share_syn_cookies(&p.keys, int64_t(monotonic_ns()) - int64_t(now.ns));

        const Bytes seg = checked_segment(out, c.ipv6);
        const auto sa = parse_tcp(seg.data(), seg.size());
        BOOST_REQUIRE(sa.ok());
        BOOST_TEST(sa->flags == (flag::syn | flag::ack));
        BOOST_TEST(sa->src_port == kListenPort);
        BOOST_TEST(sa->dst_port == peer_port);
        BOOST_TEST(sa->ack.raw() == kPeerIsn + 1);
        BOOST_TEST(sa->window == 0xffff);
        BOOST_TEST(sa->options.has_mss);
        BOOST_TEST(sa->options.mss == 1400);  // the peer's 1400 is one of the cookie's values
        BOOST_TEST(sa->options.has_timestamps == c.ts);
        BOOST_TEST(sa->options.has_wscale == (c.ws && c.ts));
        BOOST_TEST(sa->options.sack_permitted == (c.sack && c.ts));
        if (c.ts) {
            BOOST_TEST(sa->options.ts_ecr == kPeerTsVal);
        }

        e.tcp.input(make_mbuf(ack_for(*sa, c.ts)), engine_key(c.ipv6, peer_port), now);
        e.tcp.end_of_burst(now);
        BOOST_TEST(e.counters[Event::tcp_syn_cookies_accepted] == 1u);
        BOOST_TEST(e.counters[DropReason::tcp_bad_cookie] == 0u);
        BOOST_TEST(e.accepted == 1);
        BOOST_TEST(e.tcp.gauges().connections == 1u);
        // The peer closes; the engine's ACK of its FIN carries the engine's TSval.
        e.tcp.input(make_mbuf(ack_for(*sa, c.ts, flag::fin | flag::ack)), engine_key(c.ipv6, peer_port), now);
        e.tcp.end_of_burst(now);
        BOOST_REQUIRE(!e.sent.empty());
        const TcpHeader& reply = e.sent.back().first;
        BOOST_TEST((reply.flags & flag::ack) != 0);
        BOOST_TEST((reply.flags & flag::rst) == 0);
        BOOST_TEST(reply.options.has_timestamps == c.ts);
        if (c.ts) {
            BOOST_TEST(int32_t(reply.options.ts_val - sa->options.ts_val) >= 0, "TSval went back: PAWS would drop it");
            BOOST_TEST(int32_t(reply.options.ts_val - sa->options.ts_val) < 100);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xdp_syn_cookie)

BOOST_AUTO_TEST_CASE(ipv4_every_option_combination) {
    for (int bits = 0; bits < 8; ++bits) {
        handshake({false, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0});
    }
}

BOOST_AUTO_TEST_CASE(ipv6_every_option_combination) {
    for (int bits = 0; bits < 8; ++bits) {
        handshake({true, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0});
    }
}

BOOST_AUTO_TEST_CASE(a_cookie_from_the_previous_key_is_accepted_once) {
    // RFC 4987 §3.6 with rotation: a cookie sent just before a rotation still completes;
    // after a second rotation it no longer does.
    const TcpConfig config = engine_tcp_config();
    Program p(config);
    Bytes out;
    XdpCounters moved{};
    const TcpFields syn{.sport = 40002, .dport = kListenPort, .seq = kPeerIsn, .flags = flag::syn,
                        .options = syn_options({false, true, true, true}, 1460)};
    BOOST_REQUIRE_EQUAL(p.run(make_tcp_frame(syn, {}), out, moved), uint32_t(XDP_TX));
    const Bytes seg = checked_segment(out, false);
    const auto sa = parse_tcp(seg.data(), seg.size());
    BOOST_REQUIRE(sa.ok());
    const Instant now{1'000'000'000};
    {
        Engine e(config);
        BOOST_REQUIRE(p.keys.rotate());
        e.tcp.share_syn_cookies(&p.keys, int64_t(monotonic_ns()) - int64_t(now.ns));
        e.tcp.input(make_mbuf(ack_for(*sa, true)), engine_key(false, 40002), now);
        BOOST_TEST(e.counters[Event::tcp_syn_cookies_accepted] == 1u);
    }
    {
        Engine e(config);
        BOOST_REQUIRE(p.keys.rotate());
        e.tcp.share_syn_cookies(&p.keys, int64_t(monotonic_ns()) - int64_t(now.ns));
        e.tcp.input(make_mbuf(ack_for(*sa, true)), engine_key(false, 40002), now);
        BOOST_TEST(e.counters[Event::tcp_syn_cookies_accepted] == 0u);
        BOOST_TEST(e.counters[DropReason::tcp_bad_cookie] == 1u);
    }
}

BOOST_AUTO_TEST_CASE(syns_the_engine_must_see_are_redirected_and_counted) {
    const TcpConfig config = engine_tcp_config();
    Program p(config);
    Bytes out;
    XdpCounters moved{};
    // Fast Open (RFC 7413 §4.1.1): a cookie request.
    TcpFields syn{.sport = 40003, .dport = kListenPort, .seq = kPeerIsn, .flags = flag::syn,
                  .options = {2, 4, 5, 0xb4, 34, 2, 1, 1}};
    const uint32_t no_socket = XDP_PASS;  // no XSK socket in a test run: passed, counted so
    BOOST_TEST(p.run(make_tcp_frame(syn, {}), out, moved) == no_socket);
    BOOST_TEST(moved[SLIP_XDP_SYN_FAST_OPEN] == 1u);
    BOOST_TEST(moved[SLIP_XDP_PASSED_NO_SOCKET] == 1u);
    BOOST_TEST(moved[SLIP_XDP_SYN_COOKIE_SENT] == 0u);
    // Data on the SYN.
    syn.options = {2, 4, 5, 0xb4};
    BOOST_TEST(p.run(make_tcp_frame(syn, {1, 2, 3}, true), out, moved) == no_socket);
    BOOST_TEST(moved[SLIP_XDP_SYN_DATA] == 1u);
    // A port nobody listens on: the engine answers with a RST.
    syn.dport = 81;
    BOOST_TEST(p.run(make_tcp_frame(syn, {}), out, moved) == no_socket);
    BOOST_TEST(moved[SLIP_XDP_SYN_NOT_LISTENING] == 1u);
    // A malformed option (MSS of length 3): the engine's parser decides; not counted as a SYN.
    syn.dport = kListenPort;
    syn.options = {2, 3, 5, 1};
    BOOST_TEST(p.run(make_tcp_frame(syn, {}), out, moved) == no_socket);
    BOOST_TEST(moved[SLIP_XDP_SYN_COOKIE_SENT] == 0u);
    BOOST_TEST(moved[SLIP_XDP_PASSED_NO_SOCKET] == 1u);
    // A SYN-ACK or a bare ACK is not a SYN for the cookie path.
    syn.options = {};
    syn.flags = flag::ack;
    BOOST_TEST(p.run(make_tcp_frame(syn, {}), out, moved) == no_socket);
    BOOST_TEST(moved[SLIP_XDP_SYN_COOKIE_SENT] == 0u);
}

BOOST_AUTO_TEST_CASE(cookies_off_leave_every_syn_to_the_engine) {
    const TcpConfig config = engine_tcp_config();
    Program p(config);
    XdpSynCookieConfig off = p.cookie_config(config);
    off.on = false;
    BOOST_REQUIRE(p.prog.configure_syn_cookies(off).empty());
    Bytes out;
    XdpCounters moved{};
    const TcpFields syn{.sport = 40004, .dport = kListenPort, .seq = kPeerIsn, .flags = flag::syn,
                        .options = {2, 4, 5, 0xb4}};
    BOOST_TEST(p.run(make_tcp_frame(syn, {}), out, moved) == uint32_t(XDP_PASS));
    BOOST_TEST(moved[SLIP_XDP_PASSED_NO_SOCKET] == 1u);
    BOOST_TEST(moved[SLIP_XDP_SYN_COOKIE_SENT] == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
