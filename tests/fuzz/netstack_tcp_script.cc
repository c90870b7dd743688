#include "tests/fuzz/netstack_tcp_script.h"
#include "tests/fuzz/tcp_echo_service.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "stack/base/byte_order.h"
#include "stack/session/net_stack.h"
#include "stack/tcp/tcp_header.h"
#include "tests/support/frames.h"
#include "tests/support/test_env.h"

namespace slip::test {
namespace {

using stack::tcp::Seq;
namespace flag = stack::tcp::flag;

constexpr uint16_t kPeerPort = 40000;
constexpr uint16_t kEchoPort = 7;
constexpr uint32_t kPeerIsn = 0xfffff000;  // the peer's data crosses the 2^32 wrap early
constexpr uint32_t kPeerTsBase = 5000;
constexpr uint16_t kMaxPayload = 1460;

stack::StackOptions options(uint8_t setup) {
    stack::StackOptions o;
    o.ipv4 = stack::Ipv4Prefix::parse("10.0.0.2/24");
    o.ipv6 = stack::Ipv6Prefix::parse("fd00::2/64");
    stack::tcp::TcpConfig& t = o.tcp;
    t.max_connections = 16;
    t.snd_buffer = 64 * 1024;
    t.rcv_buffer = (setup & 0x20) != 0 ? 8 * 1024 : 64 * 1024;
    if ((setup & 0x20) != 0) {
        t.ooo_segments = 8;  // so a script can fill the reassembly queue
    }
    if ((setup & 0x40) != 0) {
        t.congestion = stack::tcp::CcAlgorithm::newreno;
    }
    return o;
}

class Script {
public:
    explicit Script(uint8_t setup)
        : m_setup(setup),
          m_net(options(setup), kEngineMac, pool(), view_pool()),
          m_echo(m_net.tcp()) {
        m_net.tcp().listen(kEchoPort, &m_echo);
    }
    ~Script() {
        stack::buf::free_bulk(m_burst);
        // Connections hold buffers (queued data, reassembly): gone before the leak check.
        m_net.tcp().abort_all(m_now);
        drain();
        m_net.tcp().release_spare_buffers();
    }

    void open();
    void play(const uint8_t* r);
    void finish() {
        if (!m_burst.empty()) {
            m_net.rx(m_burst, m_now);
            m_burst.clear();
            drain();
        }
        advance(stack::Duration::milliseconds(500));
    }
    ScriptReach reach() const;

private:
    bool v6() const { return (m_setup & 0x01) != 0; }
    uint32_t peer_tsval() const { return kPeerTsBase + uint32_t((m_now.ns - kStart.ns) / 1'000'000); }
    void send_frame(const Bytes& frame, bool more);
    Bytes segment(uint8_t flags, Seq seq, Seq ack, uint16_t window, const stack::tcp::TcpOptionsToSend& o,
                  uint32_t payload_offset, uint16_t len) const;
    void advance(stack::Duration d);
    void drain();
    void note_output(const uint8_t* frame, uint32_t len);

    static constexpr stack::Instant kStart{1'000'000'000};
    uint8_t m_setup;
    stack::NetStack m_net;
    FuzzTcpEcho m_echo;
    stack::Instant m_now = kStart;
    std::vector<stack::Mbuf*> m_burst;
    bool m_engine_seen = false;  // the engine's SYN-ACK arrived: m_engine_max is meaningful
    Seq m_engine_max;            // one past the highest sequence number the engine sent
    uint32_t m_engine_tsval = 0;
    bool m_echoed = false;
};

Bytes Script::segment(uint8_t flags, Seq seq, Seq ack, uint16_t window, const stack::tcp::TcpOptionsToSend& o,
                      uint32_t payload_offset, uint16_t len) const {
    Bytes seg(stack::tcp::kTcpMaxHeaderLen);
    seg.resize(stack::tcp::write_tcp(seg.data(), kPeerPort, kEchoPort, seq, ack, flags, window, o));
    for (uint32_t i = 0; i < len; ++i) {
        seg.push_back(uint8_t((payload_offset + i) * 7 + 1));
    }
    Bytes frame = v6() ? make_ethernet(kEngineMac, kPeerMac, 0x86dd, make_ipv6(peer_ip6(), engine_ip6(), 6, 64, seg))
                       : make_ethernet(kEngineMac, kPeerMac, 0x0800, make_ipv4({.protocol = 6}, seg));
    fix_tcp_checksum(frame);
    return frame;
}

void Script::send_frame(const Bytes& frame, bool more) {
    m_burst.push_back(make_mbuf(frame));
    if (!more) {
        m_net.rx(m_burst, m_now);
        m_burst.clear();
        drain();
    }
}

void Script::advance(stack::Duration d) {
    const stack::Instant target = m_now + d;
    while (m_net.next_deadline() <= target) {
        m_now = std::max(m_now, m_net.next_deadline());
        m_net.on_timer(m_now);
        drain();
    }
    m_now = target;
}

void Script::drain() {
    stack::Mbuf* out[64];
    while (const uint32_t n = m_net.poll_tx(out)) {
        for (uint32_t i = 0; i < n; ++i) {
            note_output(stack::buf::data(out[i]), stack::buf::head_len(out[i]));
        }
        stack::buf::free_bulk({out, n});
    }
}

// Learns from the engine's segments what the next records are relative to.
void Script::note_output(const uint8_t* f, uint32_t len) {
    if (len < 14) {
        return;
    }
    const uint16_t type = stack::load_be16(f + 12);
    uint32_t l4 = 0;
    uint32_t l4_len = 0;
    if (type == 0x0800 && len >= 34 && f[23] == 6) {
        l4 = 14 + (f[14] & 0x0fu) * 4;
        l4_len = stack::load_be16(f + 16) - std::min<uint32_t>(stack::load_be16(f + 16), (f[14] & 0x0fu) * 4);
    } else if (type == 0x86dd && len >= 54 && f[20] == 6) {
        l4 = 54;
        l4_len = stack::load_be16(f + 18);
    } else {
        return;
    }
    // Only the header is read: the payload of the engine's segments is chained behind it.
    if (l4_len < 20 || l4 + 20 > len || l4 + (f[l4 + 12] >> 4) * 4u > len) {
        return;
    }
    const auto h = stack::tcp::parse_tcp(f + l4, l4_len);
    if (!h || h->src_port != kEchoPort) {
        return;
    }
    const uint32_t data = l4_len - h->data_offset;
    const Seq end = h->seq + data + ((h->flags & flag::syn) != 0 ? 1 : 0) + ((h->flags & flag::fin) != 0 ? 1 : 0);
    if ((h->flags & flag::syn) != 0 && !m_engine_seen) {
        m_engine_seen = true;
        m_engine_max = end;
    } else if (m_engine_seen && m_engine_max < end) {
        m_engine_max = end;
    }
    if (h->options.has_timestamps) {
        m_engine_tsval = h->options.ts_val;
    }
    m_echoed = m_echoed || data > 0;
}

void Script::open() {
    // The peer's link-layer address first, as a real peer's ARP or ND would give it.
    send_frame(make_ethernet(stack::MacAddr::broadcast(), kPeerMac, 0x0806,
                             make_arp(1, kPeerMac, kPeerIp, stack::MacAddr{}, kEngineIp)),
               false);
    const stack::Ipv6Addr target = engine_ip6();
    send_frame(make_ethernet(target.solicited_node().multicast_mac(), kPeerMac, 0x86dd,
                             make_ipv6(peer_ip6(), target.solicited_node(), 58, 255,
                                       make_neighbor_message(peer_ip6(), target.solicited_node(), 135, 0, target,
                                                             make_link_addr_option(1, kPeerMac)))),
               false);
    stack::tcp::TcpOptionsToSend syn;
    syn.mss = (m_setup & 0x10) != 0 ? 536 : 1460;
    syn.wscale = (m_setup & 0x02) != 0 ? 7 : -1;
    syn.timestamps = (m_setup & 0x04) != 0;
    syn.ts_val = peer_tsval();
    syn.sack_permitted = (m_setup & 0x08) != 0;
    send_frame(segment(flag::syn, Seq(kPeerIsn), Seq(0), 65535, syn, 0, 0), false);
    advance(stack::Duration::milliseconds(1));
    stack::tcp::TcpOptionsToSend ack;
    ack.timestamps = syn.timestamps;
    ack.ts_val = peer_tsval();
    ack.ts_ecr = m_engine_tsval;
    send_frame(segment(flag::ack, Seq(kPeerIsn) + 1, m_engine_max, 65535, ack, 0, 0), false);
}

void Script::play(const uint8_t* r) {
    advance(stack::Duration::milliseconds(r[14] + 250 * (r[15] & 0x0f)));
    const uint8_t flags = r[0] ^ flag::ack;
    const auto seq_off = static_cast<int16_t>(stack::load_be16(r + 1));
    const auto ack_off = static_cast<int16_t>(stack::load_be16(r + 3));
    const Seq seq = Seq(kPeerIsn) + 1 + uint32_t(int32_t(seq_off));
    const Seq ack = m_engine_max + uint32_t(int32_t(ack_off));
    const auto len = static_cast<uint16_t>(std::min<uint32_t>(r[5] * 8u, kMaxPayload));
    const uint16_t window = r[6] == 0 ? 0 : uint16_t((r[6] << 8) | 0xff);
    stack::tcp::TcpOptionsToSend o;
    o.timestamps = (m_setup & 0x04) != 0 && (r[7] & 0x04) == 0;
    o.ts_val = (r[7] & 0x10) != 0 ? peer_tsval() - 100000 : peer_tsval();
    o.ts_ecr = m_engine_tsval;
    o.sack_count = r[7] & 0x03;
    for (uint8_t i = 0; i < o.sack_count; ++i) {
        const Seq left = ack + 32u * r[8 + 2 * i];
        o.sack[i] = {left, left + 32u * (r[9 + 2 * i] + 1u)};
    }
    // The payload is the peer's byte pattern at its place in the stream.
    const uint32_t offset = uint32_t(int32_t(seq_off)) + ((flags & flag::syn) != 0 ? 1 : 0);
    send_frame(segment(flags, seq, ack, window, o, offset, len), (r[7] & 0x08) != 0);
}

ScriptReach Script::reach() const {
    const stack::Counters& c = m_net.counters();
    ScriptReach r;
    r.established = c[stack::Event::tcp_established] > 0;
    r.in_order_data = m_echoed;
    r.out_of_order = c[stack::Event::tcp_ooo_segments] > 0;
    r.sack = c[stack::Event::tcp_sack_updates] > 0;
    return r;
}

}  // namespace

ScriptReach netstack_tcp_script_one(const uint8_t* data, size_t size) {
    if (size == 0 || size > 64 * kScriptRecord + 1) {
        return {};
    }
    // Per input: the stack is created and destroyed here, so all it took must be back.
    const unsigned baseline = mbufs_in_use();
    ScriptReach reach;
    {
        Script s(data[0]);
        s.open();
        for (size_t at = 1; at + kScriptRecord <= size; at += kScriptRecord) {
            s.play(data + at);
        }
        s.finish();
        reach = s.reach();
    }
    if (mbufs_in_use() != baseline) {
        std::fprintf(stderr, "netstack_tcp_script: %u buffers in use after the stack is gone, expected %u\n",
                     mbufs_in_use(), baseline);
        std::abort();
    }
    return reach;
}

}  // namespace slip::test
