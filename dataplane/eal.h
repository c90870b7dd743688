#pragma once
// EAL start-up from our options: users never write raw EAL strings (a pass-through
// exists for what we do not model). Hugepages are used when available; without them
// the engine runs on ordinary memory and says so.
#include <cstdint>
#include <string>
#include <vector>

namespace slip::dataplane {

enum class HugepageMode { automatic, required, disabled };

struct EalOptions {
    // CPU cores for the engine, e.g. "0,1" or "2-5". The first is the main lcore.
    // Empty: the last (queues + 1) cores of the machine, or all of them if fewer.
    std::string lcores;
    // Memory reserved at start, MiB (mempools, rings, tables).
    uint32_t memory_mb = 256;
    HugepageMode hugepages = HugepageMode::automatic;
    // Hugepage directory; the first hugetlbfs mount when empty.
    std::string huge_dir;
    // Distinguishes this process's hugepage files and runtime directory from other
    // DPDK processes on the machine. Empty: "slipstream-<pid>".
    std::string file_prefix;
    // DPDK log level: emerg, alert, crit, error, warning, notice, info, debug.
    std::string log_level = "error";
    // Extra EAL arguments passed through as they are (e.g. "--iova-mode=va").
    std::vector<std::string> extra_args;

    std::string validate() const;
};

struct HugepageStatus {
    bool mounted = false;
    std::string mount_point;
    uint64_t page_size_kb = 0;
    uint64_t free_pages = 0;
    uint64_t free_mb() const { return free_pages * page_size_kb / 1024; }
};

HugepageStatus read_hugepage_status();

// Starts EAL once per process. Extra devices (vdevs, PCI allow-list entries) come
// from the port layer. Throws SetupError with a one-line explanation.
class Eal {
public:
    Eal(const EalOptions& opts, const std::vector<std::string>& device_args, bool needs_pci);
    ~Eal();
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;

    bool using_hugepages() const { return m_hugepages; }
    // Things the user should know but that do not stop the engine (e.g. no hugepages).
    const std::vector<std::string>& warnings() const { return m_warnings; }
    const std::vector<std::string>& argv() const { return m_args; }
    // What DPDK logged during a successful start (driver probe messages).
    const std::vector<std::string>& driver_log() const { return m_driver_log; }
    std::vector<unsigned> worker_lcores() const;
    unsigned main_lcore() const;

private:
    std::vector<std::string> m_args;
    std::vector<std::string> m_warnings;
    std::vector<std::string> m_driver_log;
    bool m_hugepages = false;
};

// "DPDK 22.11.x", for version reports.
std::string dpdk_version();

// How many cores a list such as "0,2-5" names.
unsigned count_lcores(const std::string& list);

// The default core list: the last `wanted` cores this process may run on.
std::string default_lcores(unsigned wanted);

}  // namespace slip::dataplane
