#pragma once
// The engine's own XDP program (dataplane/xdp/slip_filter.bpf.c), embedded in the binary and
// loaded, configured and attached through libbpf: the engine's XSK sockets get only the
// frames that are the engine's, the host's kernel keeps the rest of the interface.
//
// Ownership: the XdpProgram object that attached (or adopted) the program detaches it
// (destructor or detach()), and only if the interface still runs this very program
// (XDP_FLAGS_REPLACE), so it never removes another process's program. On an af_xdp port the
// driver loads and attaches the program from the file write_xdp_object_file() gives it
// (DPDK 22.11's af_xdp takes no program descriptor, only a path), and the engine adopts it.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/xdp/slip_filter_abi.h"

struct bpf_object;

namespace slip::dataplane {

enum class XdpMode { automatic, native, generic };

// "auto", "native", "generic"; false when `name` is none of them.
bool parse_xdp_mode(const std::string& name, XdpMode& mode);
const char* xdp_mode_name(XdpMode mode);

// What the program treats as the engine's (see slip_filter_abi.h).
struct XdpFilterConfig {
    std::array<uint8_t, 4> ipv4{};                 // all zero: no IPv4 address
    std::array<std::array<uint8_t, 16>, SLIP_XDP_IPV6_ADDRS> ipv6{};  // all zero: unused
    bool share_host = false;  // addresses shared with the kernel: only the ports below
    std::vector<uint16_t> tcp_ports;
    std::vector<uint16_t> udp_ports;
};

// SYN cookies answered by the program (slip_filter_abi.h): what the engine's TCP would put in
// its own cookie SYN-ACK, so it accepts the final ACK as one of its cookies.
struct XdpSynCookieConfig {
    bool on = false;
    uint64_t key[2] = {0, 0};  // SipHash-2-4 key of the current rotation
    uint32_t ts_offset = 0;
    bool timestamps = false, window_scaling = false, sack = false;  // the engine's TcpConfig
    uint16_t mss_ipv4 = 1460, mss_ipv6 = 1440;
    uint16_t window = 0xffff;
    uint8_t wscale = 0;
    std::vector<uint16_t> listen_ports;
};

using XdpCounters = std::array<uint64_t, SLIP_XDP_REASONS>;

// The counter's name ("redirected", "passed_not_ours", ...) for telemetry and tests.
const char* xdp_reason_name(slip_xdp_reason reason);

class XdpProgram {
public:
    XdpProgram() = default;
    ~XdpProgram();
    XdpProgram(const XdpProgram&) = delete;
    XdpProgram& operator=(const XdpProgram&) = delete;

    // Opens the embedded object and loads it into the kernel. An empty string on success,
    // else one line saying what failed, why, and what to do.
    std::string load();
    // Writes the addresses, switches and owned ports into the program's maps (after load()).
    std::string configure(const XdpFilterConfig& config);
    // Writes the SYN cookie settings and the listening ports (after load()).
    std::string configure_syn_cookies(const XdpSynCookieConfig& config);
    // Only the key, at each rotation; false when it could not be written.
    bool set_syn_cookie_key(const uint64_t key[2]);
    // The engine's clock on `queue` minus CLOCK_MONOTONIC (what the program adds to
    // bpf_ktime_get_ns()); false when it could not be written.
    bool set_clock_offset(uint32_t queue, int64_t offset_ns);
    // Attaches to `iface`; automatic tries native mode first, then generic. Refuses when
    // another program is attached.
    std::string attach(const std::string& iface, XdpMode mode);
    // Takes the program of ours attached to `iface` (loaded by the af_xdp driver from
    // write_xdp_object_file()'s copy): its maps for configure() and counters(), and its
    // attachment for detach().
    std::string adopt_attached(const std::string& iface);
    // Detaches if this object attached the program and it is still the one on the interface.
    void detach();

    bool loaded() const { return m_prog_fd >= 0; }
    bool attached() const { return m_ifindex != 0; }
    // The mode the program is attached in: native or generic (never automatic).
    XdpMode attached_mode() const { return m_attached_mode; }
    int prog_fd() const { return m_prog_fd; }
    // The XSKMAP the engine's sockets go into, keyed by queue index.
    int xsks_map_fd() const { return m_xsks_fd; }
    // Each reason's count, summed over the CPUs (zeros when not loaded).
    XdpCounters counters() const;

private:
    void close_fds();

    bpf_object* m_object = nullptr;  // null for an adopted program
    int m_prog_fd = -1;
    int m_xsks_fd = -1;
    int m_config_fd = -1;
    int m_tcp_ports_fd = -1;
    int m_udp_ports_fd = -1;
    int m_counters_fd = -1;
    int m_listen_fd = -1;
    int m_syn_cookie_fd = -1;
    int m_clock_fd = -1;
    int m_ifindex = 0;
    uint32_t m_attach_flags = 0;
    XdpMode m_attached_mode = XdpMode::automatic;
};

// Writes the embedded BPF object to a new file in `dir` (for the af_xdp driver's xdp_prog
// devarg) and sets `path`; an empty string on success, else one line. The caller removes it.
std::string write_xdp_object_file(const std::string& dir, std::string& path);

// Detaches a program of ours (recognised by name) that no process holds any more: one left
// attached to `iface` by an engine that was killed. True when one was removed.
bool remove_stale_xdp_program(const std::string& iface);

}  // namespace slip::dataplane
