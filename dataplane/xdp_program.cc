#include "dataplane/xdp_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dataplane/xdp/slip_filter_object.h"
#include "dataplane/xdp_holder.h"

namespace slip::dataplane {

namespace {

// libbpf's own messages (object parsing, the verifier's log) would be many lines on stderr;
// each failure here is reported as one line of ours instead.
int quiet_libbpf(libbpf_print_level, const char*, va_list) { return 0; }

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

// Removes every key of a HASH map (ports left from an earlier configure()).
void clear_hash(int fd) {
    slip_xdp_port_key key = 0;
    while (bpf_map_get_next_key(fd, nullptr, &key) == 0) {
        if (bpf_map_delete_elem(fd, &key) != 0) {
            return;
        }
    }
}

std::string fill_ports(int fd, const std::vector<uint16_t>& ports, const char* proto) {
    if (ports.size() > SLIP_XDP_MAX_OWNED_PORTS) {
        return std::string("xdp: ") + std::to_string(ports.size()) + " owned " + proto + " ports, the program holds at most " +
               std::to_string(SLIP_XDP_MAX_OWNED_PORTS) + "; own fewer ports";
    }
    clear_hash(fd);
    const uint8_t owned = 1;
    for (const uint16_t port : ports) {
        const slip_xdp_port_key key = port;
        if (bpf_map_update_elem(fd, &key, &owned, BPF_ANY) != 0) {
            return std::string("xdp: cannot write owned ") + proto + " port " + std::to_string(port) + " (" +
                   errno_text(errno) + ")";
        }
    }
    return {};
}

uint32_t mode_flag(XdpMode mode) { return mode == XdpMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE; }

// The program attached to `ifindex` and the mode flag it was attached with (0: none attached).
uint32_t attached_prog(int ifindex, uint32_t& mode_flags) {
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (bpf_xdp_query(ifindex, 0, &q) != 0) {
        return 0;
    }
    if (q.attach_mode == XDP_ATTACHED_DRV) {
        mode_flags = XDP_FLAGS_DRV_MODE;
        return q.drv_prog_id;
    }
    if (q.attach_mode == XDP_ATTACHED_SKB) {
        mode_flags = XDP_FLAGS_SKB_MODE;
        return q.skb_prog_id;
    }
    return 0;  // none, offloaded or several: none of ours
}

// The program's name and, in `maps`, the descriptors of its maps by name (the caller closes them).
bool open_prog_maps(int prog_fd, std::string& name, std::vector<std::pair<std::string, int>>& maps) {
    uint32_t ids[16] = {};
    bpf_prog_info info{};
    info.nr_map_ids = std::size(ids);
    info.map_ids = reinterpret_cast<uintptr_t>(ids);
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
        return false;
    }
    name.assign(info.name, strnlen(info.name, sizeof info.name));
    for (uint32_t i = 0; i < info.nr_map_ids && i < std::size(ids); ++i) {
        const int fd = bpf_map_get_fd_by_id(ids[i]);
        bpf_map_info map_info{};
        uint32_t map_len = sizeof map_info;
        if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &map_info, &map_len) == 0) {
            maps.emplace_back(std::string(map_info.name, strnlen(map_info.name, sizeof map_info.name)), fd);
        } else if (fd >= 0) {
            close(fd);
        }
    }
    return true;
}

}  // namespace

bool parse_xdp_mode(const std::string& name, XdpMode& mode) {
    if (name == "auto") {
        mode = XdpMode::automatic;
    } else if (name == "native") {
        mode = XdpMode::native;
    } else if (name == "generic") {
        mode = XdpMode::generic;
    } else {
        return false;
    }
    return true;
}

const char* xdp_mode_name(XdpMode mode) {
    switch (mode) {
        case XdpMode::automatic:
            return "auto";
        case XdpMode::native:
            return "native";
        case XdpMode::generic:
            return "generic";
    }
    return "?";
}

const char* xdp_reason_name(slip_xdp_reason reason) {
    switch (reason) {
        case SLIP_XDP_REDIRECTED:
            return "redirected";
        case SLIP_XDP_PASSED_NO_SOCKET:
            return "passed_no_socket";
        case SLIP_XDP_PASSED_NOT_OURS:
            return "passed_not_ours";
        case SLIP_XDP_PASSED_PORT_NOT_OWNED:
            return "passed_port_not_owned";
        case SLIP_XDP_PASSED_OTHER_PROTO:
            return "passed_other_proto";
        case SLIP_XDP_PASSED_VLAN:
            return "passed_vlan";
        case SLIP_XDP_PASSED_FRAGMENT:
            return "passed_fragment";
        case SLIP_XDP_PASSED_EXT_CHAIN_TOO_LONG:
            return "passed_ext_chain_too_long";
        case SLIP_XDP_PASSED_TRUNCATED:
            return "passed_truncated";
        case SLIP_XDP_PASSED_MALFORMED:
            return "passed_malformed";
        case SLIP_XDP_SYN_COOKIE_SENT:
            return "syn_cookies_sent";
        case SLIP_XDP_SYN_FAST_OPEN:
            return "syn_to_engine_fast_open";
        case SLIP_XDP_SYN_DATA:
            return "syn_to_engine_data";
        case SLIP_XDP_SYN_NOT_LISTENING:
            return "syn_to_engine_not_listening";
        case SLIP_XDP_REASONS:
            break;
    }
    return "?";
}

XdpProgram::~XdpProgram() {
    detach();
    close_fds();
}

void XdpProgram::close_fds() {
    if (m_object != nullptr) {
        bpf_object__close(m_object);  // closes the program's and the maps' descriptors
        m_object = nullptr;
    } else {
        for (const int fd : {m_prog_fd, m_xsks_fd, m_config_fd, m_tcp_ports_fd, m_udp_ports_fd, m_counters_fd,
                             m_listen_fd, m_syn_cookie_fd, m_clock_fd}) {
            if (fd >= 0) {
                close(fd);
            }
        }
    }
    m_prog_fd = m_xsks_fd = m_config_fd = m_tcp_ports_fd = m_udp_ports_fd = m_counters_fd = -1;
    m_listen_fd = m_syn_cookie_fd = m_clock_fd = -1;
}

std::string XdpProgram::adopt_attached(const std::string& iface) {
    if (m_prog_fd >= 0) {
        return "xdp: adopt_attached() with a program already loaded";
    }
    const int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    uint32_t mode_flags = 0;
    const uint32_t id = ifindex == 0 ? 0 : attached_prog(ifindex, mode_flags);
    const int prog_fd = id == 0 ? -1 : bpf_prog_get_fd_by_id(id);
    if (prog_fd < 0) {
        return "xdp: the af_xdp driver attached no XDP program to " + iface + " (or it cannot be read: " +
               errno_text(errno) + "); try --xdp-program dpdk";
    }
    std::string name;
    std::vector<std::pair<std::string, int>> maps;
    open_prog_maps(prog_fd, name, maps);
    m_prog_fd = prog_fd;
    for (const auto& [map_name, fd] : maps) {
        int* slot = map_name == SLIP_XDP_MAP_XSKS          ? &m_xsks_fd
                    : map_name == SLIP_XDP_MAP_CONFIG      ? &m_config_fd
                    : map_name == SLIP_XDP_MAP_TCP_PORTS   ? &m_tcp_ports_fd
                    : map_name == SLIP_XDP_MAP_UDP_PORTS   ? &m_udp_ports_fd
                    : map_name == SLIP_XDP_MAP_COUNTERS    ? &m_counters_fd
                    : map_name == SLIP_XDP_MAP_TCP_LISTEN  ? &m_listen_fd
                    : map_name == SLIP_XDP_MAP_SYN_COOKIE  ? &m_syn_cookie_fd
                    : map_name == SLIP_XDP_MAP_CLOCK       ? &m_clock_fd
                                                           : nullptr;
        if (slot != nullptr && *slot < 0) {
            *slot = fd;
        } else {
            close(fd);
        }
    }
    if (name != SLIP_XDP_PROG_NAME || m_config_fd < 0 || m_counters_fd < 0 || m_tcp_ports_fd < 0 ||
        m_udp_ports_fd < 0) {
        close_fds();
        return "xdp: the XDP program on " + iface + " is '" + name + "', not the engine's " + SLIP_XDP_PROG_NAME +
               "; remove it with 'ip link set dev " + iface + " xdp off'";
    }
    m_ifindex = ifindex;
    m_attach_flags = mode_flags;
    m_attached_mode = mode_flags == XDP_FLAGS_DRV_MODE ? XdpMode::native : XdpMode::generic;
    return {};
}

std::string XdpProgram::load() {
    if (m_object != nullptr) {
        return {};
    }
    libbpf_set_print(quiet_libbpf);
    LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = "slip_filter");
    bpf_object* obj = bpf_object__open_mem(kSlipFilterObject, kSlipFilterObject_size, &open_opts);
    if (obj == nullptr) {
        return "xdp: the embedded XDP program cannot be opened (" + errno_text(errno) +
               "): the build produced a bad BPF object; rebuild with Debian's clang";
    }
    if (const int err = bpf_object__load(obj); err != 0) {
        bpf_object__close(obj);
        if (err == -EPERM) {
            return "xdp: loading the XDP program needs root (CAP_BPF and CAP_NET_ADMIN); run the engine as root";
        }
        return "xdp: the kernel refused the XDP program (" + errno_text(err) +
               "): it needs a kernel with BPF and XDP support (Linux 5.10 or later); use --xdp-program dpdk otherwise";
    }
    m_object = obj;
    m_prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, SLIP_XDP_PROG_NAME));
    m_xsks_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_XSKS);
    m_config_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_CONFIG);
    m_tcp_ports_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_TCP_PORTS);
    m_udp_ports_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_UDP_PORTS);
    m_counters_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_COUNTERS);
    m_listen_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_TCP_LISTEN);
    m_syn_cookie_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_SYN_COOKIE);
    m_clock_fd = bpf_object__find_map_fd_by_name(obj, SLIP_XDP_MAP_CLOCK);
    return {};
}

std::string XdpProgram::configure(const XdpFilterConfig& config) {
    if (m_config_fd < 0) {
        return "xdp: configure() before load()";
    }
    slip_xdp_config c{};
    std::memcpy(&c.ipv4, config.ipv4.data(), sizeof c.ipv4);
    for (size_t i = 0; i < config.ipv6.size(); ++i) {
        std::memcpy(c.ipv6[i], config.ipv6[i].data(), sizeof c.ipv6[i]);
    }
    c.flags = config.share_host ? SLIP_XDP_SHARE_HOST : 0;
    const uint32_t key = 0;
    if (bpf_map_update_elem(m_config_fd, &key, &c, BPF_ANY) != 0) {
        return "xdp: cannot write the XDP program's configuration (" + errno_text(errno) + ")";
    }
    if (std::string e = fill_ports(m_tcp_ports_fd, config.tcp_ports, "TCP"); !e.empty()) {
        return e;
    }
    return fill_ports(m_udp_ports_fd, config.udp_ports, "UDP");
}

std::string XdpProgram::configure_syn_cookies(const XdpSynCookieConfig& config) {
    if (m_syn_cookie_fd < 0 || m_listen_fd < 0) {
        return "xdp: configure_syn_cookies() before load(), or a program without SYN cookie maps";
    }
    if (std::string e = fill_ports(m_listen_fd, config.listen_ports, "listening TCP"); !e.empty()) {
        return e;
    }
    slip_xdp_syn_cookie c{};
    c.key[0] = config.key[0];
    c.key[1] = config.key[1];
    c.ts_offset = config.ts_offset;
    c.flags = (config.on ? SLIP_XDP_COOKIES_ON : 0) | (config.timestamps ? SLIP_XDP_COOKIE_TIMESTAMPS : 0) |
              (config.window_scaling ? SLIP_XDP_COOKIE_WSCALE : 0) | (config.sack ? SLIP_XDP_COOKIE_SACK : 0);
    c.mss_ipv4 = config.mss_ipv4;
    c.mss_ipv6 = config.mss_ipv6;
    c.window = config.window;
    c.wscale = config.wscale;
    const uint32_t key = 0;
    if (bpf_map_update_elem(m_syn_cookie_fd, &key, &c, BPF_ANY) != 0) {
        return "xdp: cannot write the XDP program's SYN cookie settings (" + errno_text(errno) + ")";
    }
    return {};
}

bool XdpProgram::set_syn_cookie_key(const uint64_t key[2]) {
    const uint32_t index = 0;
    slip_xdp_syn_cookie c{};
    if (m_syn_cookie_fd < 0 || bpf_map_lookup_elem(m_syn_cookie_fd, &index, &c) != 0) {
        return false;
    }
    c.key[0] = key[0];
    c.key[1] = key[1];
    return bpf_map_update_elem(m_syn_cookie_fd, &index, &c, BPF_ANY) == 0;
}

bool XdpProgram::set_clock_offset(uint32_t queue, int64_t offset_ns) {
    return m_clock_fd >= 0 && bpf_map_update_elem(m_clock_fd, &queue, &offset_ns, BPF_ANY) == 0;
}

std::string XdpProgram::attach(const std::string& iface, XdpMode mode) {
    if (m_object == nullptr) {
        return "xdp: attach() before load()";
    }
    const int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (ifindex == 0) {
        return "xdp: interface '" + iface + "' does not exist; pass an existing --iface";
    }
    if (const auto holder = find_xdp_holder(iface)) {
        return "xdp: " + describe_xdp_holder(iface, *holder) + "; if it was left by an engine that was killed, remove it with " +
               "'ip link set dev " + iface + " xdp off'";
    }
    // UPDATE_IF_NOEXIST: never replace a program that appeared since the check above.
    const XdpMode first = mode == XdpMode::generic ? XdpMode::generic : XdpMode::native;
    uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(first);
    int err = bpf_xdp_attach(ifindex, m_prog_fd, flags, nullptr);
    XdpMode used = first;
    if (err != 0 && mode == XdpMode::automatic) {
        flags = XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(XdpMode::generic);
        err = bpf_xdp_attach(ifindex, m_prog_fd, flags, nullptr);
        used = XdpMode::generic;
    }
    if (err != 0) {
        return "xdp: " + iface + " refuses the XDP program in " + xdp_mode_name(mode) + " mode (" + errno_text(err) + ")" +
               (mode == XdpMode::native ? ": the driver has no native XDP; try --xdp-mode generic" : "");
    }
    m_ifindex = ifindex;
    m_attach_flags = flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST;
    m_attached_mode = used;
    return {};
}

void XdpProgram::detach() {
    if (m_ifindex == 0) {
        return;
    }
    // REPLACE with our fd as the expected program: a no-op if someone replaced ours meanwhile.
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = m_prog_fd);
    bpf_xdp_detach(m_ifindex, m_attach_flags | XDP_FLAGS_REPLACE, &opts);
    m_ifindex = 0;
}

XdpCounters XdpProgram::counters() const {
    XdpCounters total{};
    if (m_counters_fd < 0) {
        return total;
    }
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        return total;
    }
    std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
    for (uint32_t reason = 0; reason < SLIP_XDP_REASONS; ++reason) {
        if (bpf_map_lookup_elem(m_counters_fd, &reason, per_cpu.data()) == 0) {
            for (const uint64_t v : per_cpu) {
                total[reason] += v;
            }
        }
    }
    return total;
}

std::string write_xdp_object_file(const std::string& dir, std::string& path) {
    std::string name = dir + "/slip_filter.XXXXXX";
    const int fd = mkstemp(name.data());
    if (fd < 0) {
        return "xdp: cannot create a file for the XDP program in " + dir + " (" + errno_text(errno) +
               "); make it writable or use --xdp-program dpdk";
    }
    const ssize_t n = write(fd, kSlipFilterObject, kSlipFilterObject_size);
    close(fd);
    if (n != static_cast<ssize_t>(kSlipFilterObject_size)) {
        unlink(name.c_str());
        return "xdp: cannot write the XDP program to " + name + "; free some space in " + dir;
    }
    path = name;
    return {};
}

bool remove_stale_xdp_program(const std::string& iface) {
    const auto holder = find_xdp_holder(iface);
    if (!holder || holder->prog_name != SLIP_XDP_PROG_NAME || !holder->processes.empty()) {
        return false;
    }
    const int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    uint32_t mode_flags = 0;
    if (attached_prog(ifindex, mode_flags) != holder->prog_id) {
        return false;
    }
    const int fd = bpf_prog_get_fd_by_id(holder->prog_id);
    if (fd < 0) {
        return false;
    }
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);
    const bool removed = bpf_xdp_detach(ifindex, mode_flags | XDP_FLAGS_REPLACE, &opts) == 0;
    close(fd);
    return removed;
}

}  // namespace slip::dataplane
