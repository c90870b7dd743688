#pragma once
// Packetdrill-style scripts against one TcpLayer: the test plays the remote peer. It
// injects exact segments (In) and expects exact segments back (Out), on a virtual clock,
// with sequence numbers written relative to each side's initial sequence number:
//   inbound  seq relative to the peer's ISN (0 = its SYN), ack relative to the engine's ISS;
//   outbound seq relative to the engine's ISS, ack relative to the peer's ISN.
// The engine's ISS is learned from the first SYN it sends (SYN-ACK or active SYN); until
// then it counts as 0, so relative numbers are absolute (segments for no connection).
// The ISS is kept per 4-tuple, so several connections (In::from / In::port) can be
// scripted side by side; a flow the engine never sent a SYN on uses the latest ISS.
// Payload bytes follow a fixed pattern per direction (peer_stream / engine_stream), so
// delivered and transmitted data are checked byte for byte; engine_stream restarts at
// every new connection the engine opens (a SYN or SYN-ACK with a new ISS).
// TCP Fast Open (RFC 7413 §4.1.1): In::tfo() puts the option on a segment, empty (a
// cookie request) or with a cookie; Out::tfo_cookie_len / tfo_cookie / no_tfo check it.
#include <boost/test/tools/assertion_result.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stack/base/counters.h"
#include "stack/base/instant.h"
#include "stack/tcp/tcp_layer.h"
#include "tests/support/frames.h"

namespace slip::test {

using Check = boost::test_tools::assertion_result;

// Flag sets as packetdrill writes them ("S", "S.", "P.", "F.", "R", "R.").
namespace tcpf {
inline constexpr uint8_t S = stack::tcp::flag::syn;
inline constexpr uint8_t F = stack::tcp::flag::fin;
inline constexpr uint8_t R = stack::tcp::flag::rst;
inline constexpr uint8_t P = stack::tcp::flag::psh;
inline constexpr uint8_t A = stack::tcp::flag::ack;  // packetdrill's "."
}  // namespace tcpf

// Byte `offset` (0 = first data byte) of each direction's stream.
uint8_t peer_stream(uint32_t offset);
uint8_t engine_stream(uint32_t offset);
Bytes peer_bytes(uint32_t offset, uint32_t len);
Bytes engine_bytes(uint32_t offset, uint32_t len);

// One segment the test injects. Timestamps are added on their own once the peer's SYN (or
// SYN-ACK) carried them: TSval from the peer's clock (advances 1 per virtual ms), TSecr
// the engine's latest TSval; ts()/no_ts() override.
struct In {
    In(uint8_t flags, uint32_t seq, uint32_t ack = 0, uint32_t len = 0) : flags(flags), seq(seq), ack(ack), len(len) {}
    In& win(uint16_t w) { window = w; return *this; }
    In& mss(uint16_t v) { opt_mss = v; return *this; }
    In& ws(uint8_t v) { opt_ws = int8_t(v); return *this; }
    In& sack_ok() { opt_sack_ok = true; return *this; }
    In& ts(uint32_t val, uint32_t ecr) { ts_val = val; ts_ecr = ecr; return *this; }
    In& tsval(uint32_t val) { ts_val = val; return *this; }
    In& no_ts() { omit_ts = true; return *this; }
    In& sack(uint32_t left, uint32_t right) { sack_blocks.emplace_back(left, right); return *this; }
    In& port(uint16_t p) { to_port = p; return *this; }     // engine port; 0: the script's
    In& ack_abs(stack::tcp::Seq a) { abs_ack = a; return *this; }  // an absolute ACK field
    In& from(uint16_t p) { from_port = p; return *this; }  // peer port; 0: kPeerPort
    // RFC 7413 §4.1.1: the Fast Open option, empty (a cookie request) or with `cookie`.
    In& tfo() { opt_tfo = true; tfo_cookie.clear(); return *this; }
    In& tfo(const Bytes& cookie) { opt_tfo = true; tfo_cookie = cookie; return *this; }

    uint8_t flags;
    uint32_t seq;
    uint32_t ack;
    uint32_t len;  // payload: peer_stream bytes at seq - 1 on
    uint16_t window = 65535;
    uint16_t opt_mss = 0;
    int8_t opt_ws = -1;
    bool opt_sack_ok = false;
    std::optional<uint32_t> ts_val, ts_ecr;
    bool omit_ts = false;
    std::vector<std::pair<uint32_t, uint32_t>> sack_blocks;  // relative to the engine's ISS
    uint16_t to_port = 0;
    std::optional<stack::tcp::Seq> abs_ack;
    uint16_t from_port = 0;
    bool opt_tfo = false;
    Bytes tfo_cookie;
};

// What the next segment out must be. Flags, seq and len always; ack only when ACK is
// expected set; the rest only when given. Data segments are checked against engine_stream.
struct Out {
    Out(uint8_t flags, uint32_t seq, uint32_t ack = 0, uint32_t len = 0) : flags(flags), seq(seq), ack(ack), len(len) {}
    Out& win(uint16_t w) { window = w; return *this; }
    Out& mss(uint16_t v) { opt_mss = v; return *this; }
    Out& ws(uint8_t v) { opt_ws = v; return *this; }
    Out& sack_ok() { opt_sack_ok = true; return *this; }
    Out& ts_ecr(uint32_t ecr) { opt_ts_ecr = ecr; return *this; }  // TS present, echoing ecr
    Out& no_ts() { opt_no_ts = true; return *this; }
    // SACK blocks, peer-relative. Once one is given the option must hold exactly these,
    // in this order (RFC 2883 §4: a D-SACK block is the first).
    Out& sack(uint32_t left, uint32_t right) { sack_blocks.emplace_back(left, right); return *this; }
    Out& no_sack() { opt_no_sack = true; return *this; }
    Out& seq_abs(stack::tcp::Seq s) { abs_seq = s; return *this; }
    // RFC 7413 §4.1.1: a Fast Open option with an n-byte cookie (0: a cookie request),
    // with exactly `cookie`, or none at all.
    Out& tfo_cookie_len(uint8_t n) { opt_tfo_len = n; return *this; }
    Out& tfo_cookie(const Bytes& cookie) { opt_tfo_cookie = cookie; return *this; }
    Out& no_tfo() { opt_no_tfo = true; return *this; }

    uint8_t flags;
    uint32_t seq;
    uint32_t ack;
    uint32_t len;
    std::optional<uint16_t> window, opt_mss;
    std::optional<uint8_t> opt_ws;
    bool opt_sack_ok = false;
    std::optional<uint32_t> opt_ts_ecr;
    bool opt_no_ts = false;
    std::vector<std::pair<uint32_t, uint32_t>> sack_blocks;
    bool opt_no_sack = false;
    std::optional<stack::tcp::Seq> abs_seq;
    std::optional<uint8_t> opt_tfo_len;
    std::optional<Bytes> opt_tfo_cookie;
    bool opt_no_tfo = false;
};

// A segment the engine transmitted.
struct Captured {
    stack::tcp::TcpHeader h;
    uint32_t len = 0;
    Bytes payload;
    stack::tcp::FlowKey key;
    stack::Instant at;
    std::optional<Bytes> tfo;  // the Fast Open option's cookie (empty: a cookie request)
};

// The application above the connection: records every event, keeps every byte.
class ScriptApp final : public stack::tcp::TcpService {
public:
    explicit ScriptApp(stack::tcp::TcpLayer& tcp) : m_tcp(tcp) {}
    bool on_accept(stack::tcp::TcpHandle h, const stack::tcp::FlowKey&, stack::Instant) override;
    void on_connected(stack::tcp::TcpHandle h, stack::Instant) override;
    void on_data(stack::tcp::TcpHandle h, stack::Mbuf* data, uint32_t len, stack::Instant now) override;
    void on_peer_closed(stack::tcp::TcpHandle h, stack::Instant now) override;
    void on_closed(stack::tcp::TcpHandle h, stack::tcp::CloseReason r, stack::Instant) override;

    stack::tcp::TcpHandle handle;
    Bytes received;
    int accepted = 0, connected = 0, peer_closed = 0, closed = 0;
    stack::tcp::CloseReason reason = stack::tcp::CloseReason::normal;
    uint32_t unconsumed = 0;  // bytes received while `consume` was off
    bool accept = true;
    bool consume = true;  // call TcpLayer::consume() inside on_data, as inline services do
    bool close_on_peer_close = false;
    // Called at the end of every on_data (after consume), e.g. to answer at once.
    std::function<void(stack::tcp::TcpHandle, stack::Instant)> after_data;
    // Called at the end of on_closed, e.g. to open a new connection from there.
    std::function<void(stack::Instant)> after_closed;
    // The connection's state when its first data arrived (SYN-RECEIVED for Fast Open).
    std::optional<stack::tcp::TcpState> first_data_state;

private:
    stack::tcp::TcpLayer& m_tcp;
};

// A TcpLayer driven by scripted segments: the link below it, the clock, the counters and
// the application above it.
class TcpScript final : public stack::tcp::TcpLink {
public:
    static constexpr uint16_t kEnginePort = 8080;
    static constexpr uint16_t kPeerPort = 40000;
    static constexpr uint32_t kPeerIsn = 0xffffff00;  // data crosses the 2^32 wrap early
    static constexpr uint32_t kPeerTsBase = 5000;

    // Defaults: 16 slots, 64 KiB buffers (window scale 1), everything else TcpConfig's.
    explicit TcpScript(const std::function<void(stack::tcp::TcpConfig&)>& tweak = {});
    ~TcpScript() override;

    // --- TcpLink ---
    void tcp_transmit(stack::Mbuf* segment, const stack::tcp::FlowKey& key, stack::Instant now) override;
    bool tcp_local_address(const stack::Ipv6Addr& remote, stack::Ipv6Addr& local) const override;
    uint32_t tcp_tx_room() const override { return m_tx_room; }
    void set_tx_room(uint32_t frames) { m_tx_room = frames; }  // what tcp_tx_room reports

    // --- the peer ---
    void inject(const In& in);  // a receive burst of one segment
    // One receive burst: the segments in order, then the end of the burst (when the ACKs
    // that in-order data made due go out, TcpLayer::end_of_burst).
    void inject_burst(std::initializer_list<In> burst);
    // The virtual clock moves by `d`, running the layer's timers at every deadline on the way.
    void advance(stack::Duration d);
    void advance_ms(int64_t ms) { advance(stack::Duration::milliseconds(ms)); }
    stack::Instant now() const { return m_now; }
    uint32_t peer_tsval() const;  // the peer's clock now

    // --- expectations ---
    Check expect(const Out& out);  // pops the oldest captured segment
    Check expect(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len = 0) { return expect(Out(flags, seq, ack, len)); }
    Check expect_nothing();       // nothing captured and not yet expected
    void drain() { m_out.clear(); }  // forget what was captured and not expected yet
    const Captured& last() const { return m_last; }  // the segment the latest expect() took
    Check expect_drops(stack::DropReason r, uint64_t n) const;  // totals since the start
    Check expect_events(stack::Event e, uint64_t n) const;
    Check expect_state(stack::tcp::TcpState s) const;  // of app().handle
    // abort_all, then: no slot in use and the mbuf pool back at its baseline.
    Check clean();

    // --- scripted openings ---
    // listen; SYN <mss 1460,sackOK,TS,wscale 7>; SYN-ACK expected; after `rtt` the ACK.
    Check establish(stack::Duration rtt = stack::Duration::milliseconds(100));
    // Active open from the engine (kEnginePort -> kPeerPort): returns once the SYN is out.
    Check connect();
    // Active open with `options` (Fast Open), `data_len` bytes of engine_stream as its
    // data (options.data must be null; local_port 0 means kEnginePort). The SYN must
    // match `syn`; later send() calls continue the stream after those bytes.
    Check connect(stack::tcp::ConnectOptions options, uint32_t data_len, const Out& syn);

    // --- the application ---
    bool send(uint32_t len);  // the next `len` bytes of engine_stream
    void close() { m_tcp.close(m_app.handle, m_now); }
    stack::tcp::TcpLayer& tcp() { return m_tcp; }
    stack::Counters& counters() { return m_counters; }
    ScriptApp& app() { return m_app; }
    const stack::tcp::Connection* conn() const { return m_tcp.connection(m_app.handle); }
    stack::tcp::FlowKey key(uint16_t engine_port = kEnginePort, uint16_t peer_port = kPeerPort) const;

    stack::tcp::Seq engine_iss() const { return m_engine_iss; }  // the latest SYN's
    stack::tcp::Seq engine_iss(uint16_t engine_port, uint16_t peer_port) const;  // of that flow
    std::string describe(const Captured& c) const;  // packetdrill notation

private:
    Bytes build(const In& in) const;
    void input(const In& in);
    stack::Mbuf* engine_chain(uint32_t offset, uint32_t len);  // engine_stream bytes; null when len 0
    stack::tcp::Seq iss_of(const stack::tcp::FlowKey& k) const { return engine_iss(k.local_port, k.remote_port); }

    unsigned m_baseline;
    stack::Instant m_start{10'000'000'000};  // 10 s: nothing special about time zero
    stack::Instant m_now = m_start;
    stack::Counters m_counters;
    stack::tcp::TcpLayer m_tcp;
    ScriptApp m_app;
    std::deque<Captured> m_out;
    Captured m_last;
    stack::tcp::Seq m_engine_iss;  // learned from the engine's latest SYN
    std::map<std::pair<uint16_t, uint16_t>, stack::tcp::Seq> m_iss;  // per (engine, peer) port
    bool m_peer_ts = false;        // the peer's SYN carried timestamps
    uint32_t m_tx_room = UINT32_MAX;
    uint32_t m_engine_tsval = 0;   // the engine's latest TSval (the peer's TSecr)
    uint32_t m_engine_sent = 0;    // bytes of engine_stream handed to send()
};

}  // namespace slip::test
