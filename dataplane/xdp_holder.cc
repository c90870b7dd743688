#include "dataplane/xdp_holder.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace slip::dataplane {

namespace {

const char* mode_name(uint8_t attach_mode) {
    switch (attach_mode) {
        case XDP_ATTACHED_DRV:
            return "native";
        case XDP_ATTACHED_SKB:
            return "generic";
        case XDP_ATTACHED_HW:
            return "offloaded";
        case XDP_ATTACHED_MULTI:
            return "multi";
        default:
            return "";
    }
}

// The program's name and the maps it uses (its XSK map among them), when readable.
void read_prog_info(XdpHolder& h, std::vector<uint32_t>& map_ids) {
    const int fd = bpf_prog_get_fd_by_id(h.prog_id);
    if (fd < 0) {
        return;
    }
    uint32_t ids[16] = {};
    bpf_prog_info info{};
    info.nr_map_ids = std::size(ids);
    info.map_ids = reinterpret_cast<uintptr_t>(ids);
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
        h.prog_name.assign(info.name, strnlen(info.name, sizeof info.name));
        map_ids.assign(ids, ids + std::min<uint32_t>(info.nr_map_ids, std::size(ids)));
    }
    close(fd);
}

bool is_number(const char* s) { return *s != '\0' && std::strspn(s, "0123456789") == std::strlen(s); }

// The id in /proc/<pid>/fdinfo/<fd> under `key` ("prog_id" or "map_id"), 0 when absent.
uint32_t fdinfo_id(const std::string& fdinfo_path, const std::string& key) {
    std::ifstream in(fdinfo_path);
    for (std::string line; std::getline(in, line);) {
        if (line.compare(0, key.size() + 1, key + ":") == 0) {
            return static_cast<uint32_t>(std::strtoul(line.c_str() + key.size() + 1, nullptr, 10));
        }
    }
    return 0;
}

// Whether process `pid` holds a descriptor of the program or of one of its maps.
bool holds(const std::string& pid, uint32_t prog_id, const std::vector<uint32_t>& map_ids) {
    const std::string fd_dir = "/proc/" + pid + "/fd";
    DIR* d = opendir(fd_dir.c_str());
    if (d == nullptr) {
        return false;
    }
    bool found = false;
    while (const dirent* e = readdir(d)) {
        if (!is_number(e->d_name)) {
            continue;
        }
        char target[64] = {};
        const std::string link = fd_dir + "/" + e->d_name;
        if (readlink(link.c_str(), target, sizeof target - 1) <= 0) {
            continue;
        }
        const std::string info = "/proc/" + pid + "/fdinfo/" + e->d_name;
        if (std::strcmp(target, "anon_inode:bpf-prog") == 0) {
            found = fdinfo_id(info, "prog_id") == prog_id;
        } else if (std::strcmp(target, "anon_inode:bpf-map") == 0) {
            const uint32_t id = fdinfo_id(info, "map_id");
            found = std::find(map_ids.begin(), map_ids.end(), id) != map_ids.end();
        }
        if (found) {
            break;
        }
    }
    closedir(d);
    return found;
}

std::string comm_of(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/comm");
    std::string comm;
    std::getline(in, comm);
    return comm.empty() ? "?" : comm;
}

}  // namespace

std::optional<XdpHolder> find_xdp_holder(const std::string& iface) {
    const unsigned ifindex = if_nametoindex(iface.c_str());
    if (ifindex == 0) {
        return std::nullopt;
    }
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (bpf_xdp_query(static_cast<int>(ifindex), 0, &q) != 0) {
        return std::nullopt;
    }
    XdpHolder h;
    h.prog_id = q.prog_id != 0 ? q.prog_id : (q.drv_prog_id != 0 ? q.drv_prog_id : q.skb_prog_id);
    if (h.prog_id == 0) {
        return std::nullopt;
    }
    h.mode = mode_name(q.attach_mode);
    std::vector<uint32_t> map_ids;
    read_prog_info(h, map_ids);
    const std::string self = std::to_string(getpid());
    DIR* proc = opendir("/proc");
    if (proc == nullptr) {
        return h;
    }
    while (const dirent* e = readdir(proc)) {
        if (is_number(e->d_name) && self != e->d_name && holds(e->d_name, h.prog_id, map_ids)) {
            h.processes.push_back({std::atoi(e->d_name), comm_of(e->d_name)});
        }
    }
    closedir(proc);
    return h;
}

std::string describe_xdp_holder(const std::string& iface, const XdpHolder& h) {
    std::string s = "XDP program " + std::to_string(h.prog_id);
    if (!h.prog_name.empty()) {
        s += " '" + h.prog_name + "'";
    }
    s += " is attached to " + iface;
    if (*h.mode != '\0') {
        s += std::string(" (") + h.mode + " mode)";
    }
    if (h.processes.empty()) {
        return s + " and no process holds it";
    }
    s += " and held by process";
    s += h.processes.size() > 1 ? "es " : " ";
    constexpr size_t kListed = 4;
    for (size_t i = 0; i < h.processes.size() && i < kListed; ++i) {
        s += (i > 0 ? ", " : "") + std::to_string(h.processes[i].pid) + " (" + h.processes[i].comm + ")";
    }
    if (h.processes.size() > kListed) {
        s += " and " + std::to_string(h.processes.size() - kListed) + " more";
    }
    return s;
}

}  // namespace slip::dataplane
