#pragma once
// Who already holds an interface for AF_XDP: the XDP program attached to it and the
// processes that keep that program (or its maps) open, as an af_xdp engine does for as long
// as it runs.
//
// Checked before the af_xdp driver touches the interface: DPDK 22.11's driver, failing to
// bind a queue that another process's socket holds, detaches the XDP program on its way out
// and so cuts the other process off as well. A best-effort lookup (the kernel here offers no
// socket diagnostics for AF_XDP): programs and maps are matched through /proc/<pid>/fdinfo.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slip::dataplane {

struct XdpHolder {
    struct Process {
        int pid = 0;
        std::string comm;  // /proc/<pid>/comm
    };
    uint32_t prog_id = 0;
    std::string prog_name;   // empty when the program's details are not readable
    const char* mode = "";   // "native", "generic", "offloaded" or "multi"
    std::vector<Process> processes;  // other than this one
};

// The XDP program attached to `iface` and who holds it; nullopt when none is attached
// (or the interface cannot be queried).
std::optional<XdpHolder> find_xdp_holder(const std::string& iface);

// "XDP program 117 'xsk_def_prog' is attached (native mode) and held by process 19093
// (slipstream)" for messages; processes are listed up to a few.
std::string describe_xdp_holder(const std::string& iface, const XdpHolder& h);

}  // namespace slip::dataplane
