#include "tests/support/tcp_script.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <sstream>

#include "tests/support/test_env.h"

namespace slip::test {

using namespace stack;
using namespace stack::tcp;

namespace {

Check fail(const std::string& why) {
    Check r(false);
    r.message() << why;
    return r;
}

std::string flag_text(uint8_t f) {
    std::string s;
    for (const auto& [bit, c] : {std::pair{flag::syn, 'S'}, {flag::fin, 'F'}, {flag::rst, 'R'}, {flag::psh, 'P'},
                                 {flag::urg, 'U'}, {flag::ece, 'E'}, {flag::cwr, 'W'}, {flag::ack, '.'}}) {
        if ((f & bit) != 0) {
            s += c;
        }
    }
    return s.empty() ? "-" : s;
}

std::string hex(const Bytes& b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (const uint8_t x : b) {
        s += kDigits[x >> 4];
        s += kDigits[x & 15];
    }
    return s;
}

std::string describe_out(const Out& o) {
    std::ostringstream s;
    s << flag_text(o.flags) << ' ' << o.seq << ':' << o.seq + o.len << '(' << o.len << ')';
    if ((o.flags & flag::ack) != 0) {
        s << " ack " << o.ack;
    }
    if (o.window) {
        s << " win " << *o.window;
    }
    if (!o.sack_blocks.empty()) {
        s << " <sack";
        for (const auto& [left, right] : o.sack_blocks) {
            s << ' ' << left << ':' << right;
        }
        s << '>';
    } else if (o.opt_no_sack) {
        s << " <no sack>";
    }
    if (o.opt_no_tfo) {
        s << " <no FO>";
    } else if (o.opt_tfo_cookie) {
        s << " <FO " << hex(*o.opt_tfo_cookie) << '>';
    } else if (o.opt_tfo_len) {
        s << " <FO, " << int(*o.opt_tfo_len) << "-byte cookie>";
    }
    return s.str();
}

}  // namespace

uint8_t peer_stream(uint32_t offset) { return uint8_t(offset * 7 + 1); }
uint8_t engine_stream(uint32_t offset) { return uint8_t(offset * 13 + 5); }

Bytes peer_bytes(uint32_t offset, uint32_t len) {
    Bytes b(len);
    for (uint32_t i = 0; i < len; ++i) {
        b[i] = peer_stream(offset + i);
    }
    return b;
}

Bytes engine_bytes(uint32_t offset, uint32_t len) {
    Bytes b(len);
    for (uint32_t i = 0; i < len; ++i) {
        b[i] = engine_stream(offset + i);
    }
    return b;
}

// ---- the application ----

bool ScriptApp::on_accept(TcpHandle h, const FlowKey&, Instant) {
    handle = h;
    ++accepted;
    return accept;
}

void ScriptApp::on_connected(TcpHandle h, Instant) {
    handle = h;
    ++connected;
}

void ScriptApp::on_data(TcpHandle h, Mbuf* data, uint32_t len, Instant now) {
    const Bytes b = bytes_of(data);
    received.insert(received.end(), b.begin(), b.end());
    buf::free(data);
    if (!first_data_state) {
        first_data_state = m_tcp.state(h);
    }
    if (consume) {
        m_tcp.consume(h, len, now);
    } else {
        unconsumed += len;
    }
    if (after_data) {
        after_data(h, now);
    }
}

void ScriptApp::on_peer_closed(TcpHandle h, Instant now) {
    ++peer_closed;
    if (close_on_peer_close) {
        m_tcp.close(h, now);
    }
}

void ScriptApp::on_closed(TcpHandle, CloseReason r, Instant now) {
    ++closed;
    reason = r;
    if (after_closed) {
        after_closed(now);
    }
}

// ---- the script ----

namespace {
TcpConfig script_config(const std::function<void(TcpConfig&)>& tweak) {
    TcpConfig c;
    c.max_connections = 16;
    c.rcv_buffer = 64 * 1024;  // window scale 1: 65536 >> 1 fits the 16-bit field
    c.snd_buffer = 64 * 1024;
    if (tweak) {
        tweak(c);
    }
    return c;
}
}  // namespace

TcpScript::TcpScript(const std::function<void(TcpConfig&)>& tweak)
    : m_baseline(mbufs_in_use()), m_tcp(script_config(tweak), pool(), this, &m_counters, 7, view_pool()), m_app(m_tcp) {}

TcpScript::~TcpScript() = default;

FlowKey TcpScript::key(uint16_t engine_port, uint16_t peer_port) const {
    FlowKey k;
    k.local = Ipv6Addr::v4_mapped(kEngineIp);
    k.remote = Ipv6Addr::v4_mapped(kPeerIp);
    k.local_port = engine_port;
    k.remote_port = peer_port;
    return k;
}

Seq TcpScript::engine_iss(uint16_t engine_port, uint16_t peer_port) const {
    const auto it = m_iss.find({engine_port, peer_port});
    return it != m_iss.end() ? it->second : m_engine_iss;
}

bool TcpScript::tcp_local_address(const Ipv6Addr&, Ipv6Addr& local) const {
    local = Ipv6Addr::v4_mapped(kEngineIp);
    return true;
}

void TcpScript::tcp_transmit(Mbuf* segment, const FlowKey& key, Instant now) {
    const Bytes b = bytes_of(segment);
    buf::free(segment);
    const auto h = parse_tcp(b.data(), b.size());
    if (!h) {
        BOOST_ERROR("engine sent an unparsable segment: " << drop_reason_name(h.reason()));
        return;
    }
    Captured c;
    c.h = *h;
    c.len = uint32_t(b.size() - h->data_offset);
    c.payload.assign(b.begin() + h->data_offset, b.end());
    c.key = key;
    c.at = now;
    if (h->options.has_tfo) {
        c.tfo.emplace(h->options.tfo_cookie.begin(), h->options.tfo_cookie.begin() + h->options.tfo_cookie_len);
    }
    if ((h->flags & flag::syn) != 0) {
        // Relative numbering starts at the engine's SYN; a new ISS is a new connection,
        // whose data starts at engine_stream's first byte again.
        const auto [it, added] = m_iss.try_emplace({key.local_port, key.remote_port}, h->seq);
        if (added || it->second != h->seq) {
            it->second = h->seq;
            m_engine_sent = 0;
        }
        m_engine_iss = h->seq;
    }
    if (h->options.has_timestamps) {
        m_engine_tsval = h->options.ts_val;
    }
    BOOST_TEST_MESSAGE("out: " << describe(c));
    m_out.push_back(std::move(c));
}

uint32_t TcpScript::peer_tsval() const {
    return kPeerTsBase + uint32_t((m_now - m_start).ns / 1'000'000);
}

Bytes TcpScript::build(const In& in) const {
    const bool syn = (in.flags & flag::syn) != 0;
    TcpOptionsToSend o;
    o.mss = in.opt_mss;
    o.wscale = in.opt_ws;
    o.sack_permitted = in.opt_sack_ok;
    o.timestamps = !in.omit_ts && (in.ts_val.has_value() || (m_peer_ts && !syn));
    if (o.timestamps) {
        o.ts_val = in.ts_val.value_or(peer_tsval());
        o.ts_ecr = in.ts_ecr.value_or(m_engine_tsval);
    }
    const uint16_t engine_port = in.to_port != 0 ? in.to_port : kEnginePort;
    const uint16_t peer_port = in.from_port != 0 ? in.from_port : kPeerPort;
    const Seq iss = engine_iss(engine_port, peer_port);
    o.sack_count = uint8_t(std::min(in.sack_blocks.size(), kMaxSackBlocks));
    for (size_t i = 0; i < o.sack_count; ++i) {
        o.sack[i] = {iss + in.sack_blocks[i].first, iss + in.sack_blocks[i].second};
    }
    if (in.opt_tfo) {
        BOOST_REQUIRE(in.tfo_cookie.size() <= kMaxTfoCookieLen);
        o.tfo = true;
        o.tfo_cookie_len = uint8_t(in.tfo_cookie.size());
        std::copy(in.tfo_cookie.begin(), in.tfo_cookie.end(), o.tfo_cookie.begin());
    }
    const Seq seq = Seq(kPeerIsn) + in.seq;
    const Seq ack = (in.flags & flag::ack) == 0 ? Seq(0) : in.abs_ack.value_or(iss + in.ack);
    Bytes out(kTcpMaxHeaderLen);
    const size_t hl = write_tcp(out.data(), peer_port, engine_port, seq, ack, in.flags, in.window, o);
    out.resize(hl);
    const Bytes payload = peer_bytes(in.seq + (syn ? 1 : 0) - 1, in.len);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

void TcpScript::inject(const In& in) {
    input(in);
    m_tcp.end_of_burst(m_now);
}

void TcpScript::inject_burst(std::initializer_list<In> burst) {
    BOOST_TEST_MESSAGE("burst of " << burst.size() << ":");
    for (const In& in : burst) {
        input(in);
    }
    m_tcp.end_of_burst(m_now);
}

void TcpScript::input(const In& in) {
    if ((in.flags & flag::syn) != 0 && in.ts_val.has_value() && !in.omit_ts) {
        m_peer_ts = true;  // timestamps from here on, as a peer that offered them would
    }
    Bytes b = build(in);
    std::string sack;
    for (const auto& [left, right] : in.sack_blocks) {
        sack += (sack.empty() ? " <sack " : ",") + std::to_string(left) + ':' + std::to_string(right);
    }
    if (!sack.empty()) {
        sack += '>';
    }
    BOOST_TEST_MESSAGE("in:  " << flag_text(in.flags) << ' ' << in.seq << ':' << in.seq + in.len << '(' << in.len
                               << ") ack " << in.ack << sack
                               << (!in.opt_tfo ? "" : in.tfo_cookie.empty() ? " <FO>" : " <FO " + hex(in.tfo_cookie) + ">")
                               << " at +" << (m_now - m_start).ns / 1'000'000 << "ms");
    m_tcp.input(make_mbuf(b), key(in.to_port != 0 ? in.to_port : kEnginePort, in.from_port != 0 ? in.from_port : kPeerPort),
                m_now);
}

void TcpScript::advance(Duration d) {
    const Instant target = m_now + d;
    for (;;) {
        const Instant next = m_tcp.next_deadline();
        if (next > target) {
            break;
        }
        m_now = std::max(m_now, next);
        m_tcp.on_timer(m_now);
    }
    m_now = target;
}

std::string TcpScript::describe(const Captured& c) const {
    const TcpHeader& h = c.h;
    const uint32_t seq = uint32_t(h.seq - iss_of(c.key));
    std::ostringstream s;
    s << '+' << (c.at - m_start).ns / 1'000'000 << "ms " << flag_text(h.flags) << ' ' << seq << ':' << seq + c.len
      << '(' << c.len << ')';
    if ((h.flags & flag::ack) != 0) {
        s << " ack " << uint32_t(h.ack - Seq(kPeerIsn));
    }
    s << " win " << h.window << " <";
    const TcpOptions& o = h.options;
    std::vector<std::string> items;
    if (o.has_mss) {
        items.push_back("mss " + std::to_string(o.mss));
    }
    if (o.sack_permitted) {
        items.emplace_back("sackOK");
    }
    if (o.has_timestamps) {
        items.push_back("TS val " + std::to_string(o.ts_val) + " ecr " + std::to_string(o.ts_ecr));
    }
    if (o.has_wscale) {
        items.push_back("wscale " + std::to_string(o.wscale));
    }
    for (uint8_t i = 0; i < o.sack_count; ++i) {
        items.push_back("sack " + std::to_string(uint32_t(o.sack[i].left - Seq(kPeerIsn))) + ':' +
                        std::to_string(uint32_t(o.sack[i].right - Seq(kPeerIsn))));
    }
    if (c.tfo) {
        items.push_back(c.tfo->empty() ? "FO" : "FO " + hex(*c.tfo));  // packetdrill's notation
    }
    for (size_t i = 0; i < items.size(); ++i) {
        s << (i == 0 ? "" : ",") << items[i];
    }
    s << "> [abs seq " << h.seq.raw() << " ack " << h.ack.raw() << ", " << h.src_port << '>' << h.dst_port << ']';
    return s.str();
}

namespace {

// Every difference between what was expected and what came, "" when none.
std::string differences(const Out& o, const Captured& c, Seq iss) {
    const TcpHeader& h = c.h;
    const TcpOptions& opt = h.options;
    std::ostringstream d;
    const Seq want_seq = o.abs_seq.value_or(iss + o.seq);
    if (h.flags != o.flags) d << " flags;";
    if (h.seq != want_seq) d << " seq;";
    if ((o.flags & flag::ack) != 0 && h.ack != Seq(TcpScript::kPeerIsn) + o.ack) d << " ack;";
    if (c.len != o.len) d << " length;";
    if (o.window && h.window != *o.window) d << " window;";
    if (o.opt_mss && (!opt.has_mss || opt.mss != *o.opt_mss)) d << " mss;";
    if (o.opt_ws && (!opt.has_wscale || opt.wscale != *o.opt_ws)) d << " wscale;";
    if (o.opt_sack_ok && !opt.sack_permitted) d << " sackOK;";
    if (o.opt_ts_ecr && (!opt.has_timestamps || opt.ts_ecr != *o.opt_ts_ecr)) d << " TS ecr;";
    if (o.opt_no_ts && opt.has_timestamps) d << " TS present;";
    if (o.opt_no_sack && opt.sack_count != 0) d << " SACK present;";
    if (o.opt_no_tfo && c.tfo) d << " FO present;";
    if (o.opt_tfo_len && (!c.tfo || c.tfo->size() != *o.opt_tfo_len)) d << " FO cookie length;";
    if (o.opt_tfo_cookie && c.tfo != o.opt_tfo_cookie) d << " FO cookie;";
    if (!o.sack_blocks.empty()) {
        bool same = opt.sack_count == o.sack_blocks.size();
        for (size_t i = 0; same && i < o.sack_blocks.size(); ++i) {
            same = opt.sack[i].left == Seq(TcpScript::kPeerIsn) + o.sack_blocks[i].first &&
                   opt.sack[i].right == Seq(TcpScript::kPeerIsn) + o.sack_blocks[i].second;
        }
        if (!same) d << " SACK blocks;";
    }
    // The first data byte is ISS + 1: on a SYN (Fast Open) it follows the SYN's own number.
    const uint32_t offset = uint32_t(h.seq - iss) + ((h.flags & flag::syn) != 0 ? 1 : 0) - 1;
    if (c.len > 0 && c.len == o.len && c.payload != engine_bytes(offset, c.len)) {
        d << " payload bytes;";
    }
    return d.str();
}

}  // namespace

Check TcpScript::expect(const Out& out) {
    if (m_out.empty()) {
        return fail("expected " + describe_out(out) + ", but the engine sent nothing");
    }
    m_last = std::move(m_out.front());
    m_out.pop_front();
    const std::string diff = differences(out, m_last, iss_of(m_last.key));
    if (diff.empty()) {
        return true;
    }
    return fail("expected " + describe_out(out) + "\n      got " + describe(m_last) + "\n  differs in:" + diff +
                (m_out.empty() ? "" : "\n  (" + std::to_string(m_out.size()) + " more queued)"));
}

Check TcpScript::expect_nothing() {
    if (m_out.empty()) {
        return true;
    }
    std::string all;
    for (const Captured& c : m_out) {
        all += "\n  " + describe(c);
    }
    m_out.clear();
    return fail("expected nothing, the engine sent:" + all);
}

Check TcpScript::expect_drops(DropReason r, uint64_t n) const {
    if (m_counters[r] == n) {
        return true;
    }
    std::ostringstream s;
    s << "drop " << drop_reason_name(r) << ": expected " << n << ", counted " << m_counters[r] << " (all drops:";
    for (size_t i = 0; i < kDropReasonCount; ++i) {
        if (m_counters.drops[i] != 0) {
            s << ' ' << drop_reason_name(DropReason(i)) << '=' << m_counters.drops[i];
        }
    }
    s << ')';
    return fail(s.str());
}

Check TcpScript::expect_events(Event e, uint64_t n) const {
    if (m_counters[e] == n) {
        return true;
    }
    std::ostringstream s;
    s << "event " << event_name(e) << ": expected " << n << ", counted " << m_counters[e];
    return fail(s.str());
}

Check TcpScript::expect_state(TcpState want) const {
    const TcpState got = m_tcp.state(m_app.handle);
    if (got == want) {
        return true;
    }
    return fail(std::string("state ") + to_string(got) + ", expected " + to_string(want));
}

Check TcpScript::clean() {
    m_tcp.abort_all(m_now);
    m_tcp.unlisten(kEnginePort);
    m_out.clear();
    std::ostringstream s;
    if (m_tcp.gauges().connections != 0) {
        s << m_tcp.gauges().connections << " connection slots still in use; ";
    }
    if (mbufs_in_use() - m_tcp.spare_buffers() != m_baseline) {
        s << "mbufs in use " << mbufs_in_use() - m_tcp.spare_buffers() << " (besides spare header buffers), baseline "
          << m_baseline;
    }
    return s.str().empty() ? Check(true) : fail(s.str());
}

Check TcpScript::establish(Duration rtt) {
    if (!m_tcp.listen(kEnginePort, &m_app)) {
        return fail("listen failed");
    }
    const uint32_t syn_ts = peer_tsval();
    inject(In(tcpf::S, 0).mss(1460).sack_ok().ts(syn_ts, 0).ws(7));
    if (Check r = expect(Out(tcpf::S | tcpf::A, 0, 1).mss(1460).sack_ok().ts_ecr(syn_ts).ws(1)); !r) {
        return r;
    }
    advance(rtt);
    inject(In(tcpf::A, 1, 1));
    if (m_app.accepted != 1) {
        return fail("the handshake's ACK did not reach on_accept");
    }
    if (Check r = expect_nothing(); !r) {
        return r;
    }
    return expect_state(TcpState::established);
}

Check TcpScript::connect() {
    m_app.handle = m_tcp.connect(Ipv6Addr::v4_mapped(kPeerIp), kPeerPort, &m_app, m_now, kEnginePort);
    if (!m_app.handle.valid()) {
        return fail("connect() refused");
    }
    return expect(Out(tcpf::S, 0).mss(1460).sack_ok().ws(1).ts_ecr(0));
}

Check TcpScript::connect(ConnectOptions options, uint32_t data_len, const Out& syn) {
    if (options.data != nullptr) {
        return fail("connect(options, data_len, syn) makes the data itself: options.data must be null");
    }
    if (options.local_port == 0) {
        options.local_port = kEnginePort;
    }
    options.data = engine_chain(0, data_len);
    m_app.handle = m_tcp.connect(Ipv6Addr::v4_mapped(kPeerIp), kPeerPort, &m_app, m_now, options);
    if (!m_app.handle.valid()) {
        return fail("connect() refused");
    }
    m_engine_sent = data_len;  // after the SYN reset it: this connection's stream goes on from here
    return expect(syn);
}

Mbuf* TcpScript::engine_chain(uint32_t offset, uint32_t len) {
    Mbuf* head = nullptr;
    Mbuf* last = nullptr;
    for (uint32_t at = 0; at < len; at += 1400) {
        const uint32_t take = std::min<uint32_t>(1400, len - at);
        Mbuf* m = make_mbuf(engine_bytes(offset + at, take));
        if (head == nullptr) {
            head = m;
        } else {
            buf::chain(head, last, m, take, 1);
        }
        last = m;
    }
    return head;
}

bool TcpScript::send(uint32_t len) {
    Mbuf* head = engine_chain(m_engine_sent, len);
    if (head == nullptr || !m_tcp.send(m_app.handle, head, m_now)) {
        if (head != nullptr) {
            buf::free(head);
        }
        return false;
    }
    m_engine_sent += len;
    return true;
}

}  // namespace slip::test
