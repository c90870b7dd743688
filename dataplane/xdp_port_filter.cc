#include "dataplane/xdp_port_filter.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace slip::dataplane {

XdpFilterConfig filter_config(const stack::StackOptions& stack, const stack::MacAddr& mac) {
    XdpFilterConfig c;
    if (stack.ipv4) {
        const uint32_t v = stack.ipv4->addr.value;
        c.ipv4 = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    }
    if (stack.ipv6) {
        c.ipv6[0] = stack.ipv6->addr.bytes;
    }
    // The stack always answers for its link-local address (RFC 4291 §2.5.6).
    c.ipv6[1] = stack::Ipv6Addr::link_local_from_mac(mac).bytes;
    return c;
}

std::string XdpPortFilter::prepare(PortOptions& port) {
    if (port.kind != PortKind::af_xdp || port.xdp_program != XdpProgramChoice::ours) {
        return {};
    }
    remove_stale_xdp_program(port.iface);
    const char* tmp = std::getenv("TMPDIR");
    if (std::string e = write_xdp_object_file(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", m_object_path); !e.empty()) {
        return e;
    }
    port.xdp_object_path = m_object_path;
    return {};
}

std::string XdpPortFilter::start(const PortOptions& port, const stack::StackOptions& stack, const stack::MacAddr& mac) {
    if (m_object_path.empty()) {
        return {};
    }
    remove_object_file();  // the driver loaded it when it set up its queues
    auto program = std::make_unique<XdpProgram>();
    if (std::string e = program->adopt_attached(port.iface); !e.empty()) {
        return e;
    }
    if (std::string e = program->configure(filter_config(stack, mac)); !e.empty()) {
        return e;
    }
    m_program = std::move(program);
    return {};
}

namespace {

int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// What TcpLayer::mss_for and our_wscale give (RFC 9293 §3.7.1, RFC 7323 §2.3).
uint16_t mss_of(const stack::tcp::TcpConfig& tcp, uint16_t mtu_mss) {
    return tcp.mss_clamp != 0 ? std::min(mtu_mss, tcp.mss_clamp) : mtu_mss;
}

uint8_t wscale_of(const stack::tcp::TcpConfig& tcp) {
    uint8_t shift = 0;
    while (shift < 14 && (tcp.rcv_buffer >> shift) > 0xffff) {
        ++shift;
    }
    return shift;
}

}  // namespace

std::string XdpPortFilter::start_syn_cookies(const stack::tcp::TcpConfig& tcp, const std::vector<uint16_t>& listen_ports) {
    if (m_program == nullptr || !tcp.syn_cookies) {
        return {};
    }
    if (!m_cookie_keys.init()) {
        return "xdp: could not draw the SYN cookie key (GnuTLS's random generator failed); check that getrandom() or "
               "/dev/urandom works in this environment";
    }
    XdpSynCookieConfig c;
    c.on = true;
    c.key[0] = m_cookie_keys.current().k0;
    c.key[1] = m_cookie_keys.current().k1;
    c.ts_offset = m_cookie_keys.ts_offset();
    c.timestamps = tcp.timestamps;
    c.window_scaling = tcp.window_scaling;
    c.sack = tcp.sack;
    c.mss_ipv4 = mss_of(tcp, 1500 - 20 - 20);
    c.mss_ipv6 = mss_of(tcp, 1500 - 40 - 20);
    c.window = uint16_t(std::min<uint32_t>(tcp.rcv_buffer, 0xffff));
    c.wscale = wscale_of(tcp);
    c.listen_ports = listen_ports;
    if (std::string e = m_program->configure_syn_cookies(c); !e.empty()) {
        return e;
    }
    m_cookies_on = true;
    m_next_rotation = std::chrono::steady_clock::now() + kKeyLifetime;
    return {};
}

void XdpPortFilter::tend(size_t queues, const std::function<int64_t(size_t queue)>& queue_clock_ns) {
    if (!m_cookies_on) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= m_next_clock) {
        m_next_clock = now + kClockRefresh;
        for (size_t q = 0; q < queues; ++q) {
            m_program->set_clock_offset(uint32_t(q), queue_clock_ns(q) - monotonic_ns());
        }
    }
    if (now >= m_next_rotation) {
        m_next_rotation = now + kKeyLifetime;
        // The queues accept the new key (and the previous one) before the program sends it.
        if (m_cookie_keys.rotate()) {
            const uint64_t key[2] = {m_cookie_keys.current().k0, m_cookie_keys.current().k1};
            m_program->set_syn_cookie_key(key);
        }
    }
}

XdpPortFilter::~XdpPortFilter() { remove_object_file(); }

void XdpPortFilter::remove_object_file() {
    if (!m_object_path.empty()) {
        unlink(m_object_path.c_str());
        m_object_path.clear();
    }
}

}  // namespace slip::dataplane
