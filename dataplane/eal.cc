#include "dataplane/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_version.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dataplane/setup_error.h"

namespace slip::dataplane {
namespace {

bool valid_log_level(const std::string& level) {
    for (const char* known : {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"}) {
        if (level == known) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string EalOptions::validate() const {
    if (memory_mb < 64) {
        return "memory_mb " + std::to_string(memory_mb) + " is too small: the engine needs at least 64 MiB";
    }
    if (!valid_log_level(log_level)) {
        return "log_level '" + log_level + "' is not one of emerg, alert, crit, error, warning, notice, info, debug";
    }
    for (char c : lcores) {
        if (!(c >= '0' && c <= '9') && c != ',' && c != '-') {
            return "lcores '" + lcores + "' must be a list of CPU numbers such as 0,1 or 2-5";
        }
    }
    return {};
}

HugepageStatus read_hugepage_status() {
    HugepageStatus st;
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    uint64_t value = 0;
    std::string unit;
    std::string line;
    while (std::getline(meminfo, line)) {
        std::istringstream ls(line);
        ls >> key >> value;
        if (key == "HugePages_Free:") {
            st.free_pages = value;
        } else if (key == "Hugepagesize:") {
            st.page_size_kb = value;
        }
    }
    std::ifstream mounts("/proc/mounts");
    while (std::getline(mounts, line)) {
        std::istringstream ls(line);
        std::string dev;
        std::string dir;
        std::string type;
        ls >> dev >> dir >> type;
        if (type == "hugetlbfs") {
            st.mounted = true;
            st.mount_point = dir;
            break;
        }
    }
    return st;
}

unsigned count_lcores(const std::string& list) {
    unsigned count = 0;
    std::istringstream in(list);
    for (std::string item; std::getline(in, item, ',');) {
        const auto dash = item.find('-');
        if (dash == std::string::npos) {
            count += item.empty() ? 0 : 1;
        } else {
            const unsigned lo = static_cast<unsigned>(std::strtoul(item.substr(0, dash).c_str(), nullptr, 10));
            const unsigned hi = static_cast<unsigned>(std::strtoul(item.substr(dash + 1).c_str(), nullptr, 10));
            count += hi >= lo ? hi - lo + 1 : 0;
        }
    }
    return count;
}

std::string default_lcores(unsigned wanted) {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<unsigned> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (unsigned c = 0; c < CPU_SETSIZE; ++c) {
            if (CPU_ISSET(c, &set)) {
                cpus.push_back(c);
            }
        }
    }
    if (cpus.empty()) {
        cpus.push_back(0);
    }
    const size_t take = wanted < cpus.size() ? wanted : cpus.size();
    std::string out;
    for (size_t i = cpus.size() - take; i < cpus.size(); ++i) {
        if (!out.empty()) {
            out += ',';
        }
        out += std::to_string(cpus[i]);
    }
    return out;
}

Eal::Eal(const EalOptions& opts, const std::vector<std::string>& device_args, bool needs_pci) {
    m_args.push_back("slipstream");
    m_args.push_back("-l");
    m_args.push_back(opts.lcores.empty() ? default_lcores(2) : opts.lcores);
    m_args.push_back("--file-prefix");
    m_args.push_back(opts.file_prefix.empty() ? "slipstream-" + std::to_string(getpid()) : opts.file_prefix);
    m_args.push_back("--log-level");
    m_args.push_back(opts.log_level);
    m_args.push_back("-m");
    m_args.push_back(std::to_string(opts.memory_mb));
    if (!needs_pci) {
        m_args.push_back("--no-pci");
    }

    const HugepageStatus huge = read_hugepage_status();
    const bool huge_ok = huge.mounted && huge.free_mb() >= opts.memory_mb;
    if (opts.hugepages == HugepageMode::required && !huge_ok) {
        throw SetupError("hugepages: " + std::to_string(opts.memory_mb) + " MiB wanted but " +
                         (huge.mounted ? std::to_string(huge.free_mb()) + " MiB free in " + huge.mount_point
                                       : std::string("no hugetlbfs is mounted")) +
                         "; run 'hugepages/setup' (or lower --memory, or --hugepages auto to run without them)");
    }
    if (opts.hugepages == HugepageMode::disabled || !huge_ok) {
        m_args.push_back("--no-huge");
        if (opts.hugepages == HugepageMode::automatic) {
            m_warnings.push_back("warning: no " + std::to_string(opts.memory_mb) +
                                 " MiB of free hugepages (" + std::to_string(huge.free_mb()) +
                                 " MiB free): running on ordinary memory, about 2x slower; run 'hugepages/setup' to reserve them");
        }
    } else {
        m_hugepages = true;
        // No secondary processes attach to us: remove the hugepage files as soon as they
        // are mapped, so a crash never leaves stale files behind.
        // (22.11 refuses it together with --single-file-segments, which memif zero-copy needs.)
        bool single_file = false;
        for (const auto& a : opts.extra_args) {
            single_file = single_file || a == "--single-file-segments";
        }
        if (!single_file) {
            m_args.push_back("--huge-unlink");
        }
        if (!opts.huge_dir.empty()) {
            m_args.push_back("--huge-dir");
            m_args.push_back(opts.huge_dir);
        }
    }
    for (const auto& d : device_args) {
        m_args.push_back(d);
    }
    for (const auto& a : opts.extra_args) {
        m_args.push_back(a);
    }

    // libxdp's multi-program dispatcher is refused here (EPERM) and falls back to a
    // single program; skipping it avoids a misleading warning per start.
    setenv("LIBXDP_SKIP_DISPATCHER", "1", 0);
    // libbpf (under the af_xdp driver) prints notes about sections of libxdp's program
    // that it skips; keep them for verbose runs only.
    if (opts.log_level != "info" && opts.log_level != "debug") {
        libbpf_set_print(nullptr);
    }

    std::vector<char*> argv;
    for (auto& a : m_args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    // EAL reports problems line by line on stderr (and prints its usage text to stdout
    // on bad arguments). Both are captured during start-up, so a failure becomes one line
    // of ours quoting DPDK's last word, and a success keeps the driver's notes.
    std::fflush(stdout);
    std::fflush(stderr);
    FILE* captured = std::tmpfile();
    const int saved_stdout = dup(STDOUT_FILENO);
    const int saved_stderr = dup(STDERR_FILENO);
    const int devnull = open("/dev/null", O_WRONLY);
    const bool redirected = captured != nullptr && saved_stdout >= 0 && saved_stderr >= 0 && devnull >= 0;
    if (redirected) {
        dup2(devnull, STDOUT_FILENO);
        dup2(fileno(captured), STDERR_FILENO);
    }
    const int rc = rte_eal_init(static_cast<int>(argv.size() - 1), argv.data());
    const int err = rte_errno;
    std::fflush(stdout);
    std::fflush(stderr);
    if (redirected) {
        dup2(saved_stdout, STDOUT_FILENO);
        dup2(saved_stderr, STDERR_FILENO);
    }
    for (int fd : {saved_stdout, saved_stderr, devnull}) {
        if (fd >= 0) {
            close(fd);
        }
    }
    std::string eal_said;
    if (captured != nullptr) {
        std::rewind(captured);
        char line[1024];
        while (std::fgets(line, sizeof line, captured) != nullptr) {
            std::string text(line);
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
                text.pop_back();
            }
            if (text.empty()) {
                continue;
            }
            if (rc >= 0) {
                m_driver_log.push_back(text);
            } else if (text.find("FATAL") == std::string::npos || eal_said.empty()) {
                eal_said = text;  // the most specific line is the last non-summary one
            }
        }
        std::fclose(captured);
    }
    if (rc < 0) {
        std::string hint = "check the lcores and devices";
        if (err == EALREADY) {
            hint = "EAL is already running in this process";
        } else if (err == ENOMEM) {
            hint = "not enough memory: lower --memory or reserve hugepages with 'hugepages/setup'";
        } else if (err == EACCES) {
            hint = "run as root (or with CAP_SYS_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK)";
        } else if (err == EINVAL) {
            hint = "an lcore or device argument is invalid: check --lcores (cores must exist) and --eal-args";
        }
        throw SetupError("EAL: initialisation failed (" + std::string(rte_strerror(err)) +
                         (eal_said.empty() ? std::string() : ": " + eal_said) + "); " + hint +
                         "; rerun with --log-level info for DPDK's own messages");
    }
}

Eal::~Eal() { rte_eal_cleanup(); }

std::string dpdk_version() { return rte_version(); }

unsigned Eal::main_lcore() const { return rte_get_main_lcore(); }

std::vector<unsigned> Eal::worker_lcores() const {
    std::vector<unsigned> out;
    unsigned id = 0;
    RTE_LCORE_FOREACH_WORKER(id) { out.push_back(id); }
    return out;
}

}  // namespace slip::dataplane
