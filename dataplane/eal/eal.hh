// Starting DPDK's EAL from a config struct. The argument list is built by a pure
// function (testable without DPDK), from the config and what the host offers:
// hugepages when enough are free and hugetlbfs is mounted, otherwise --no-huge
// with -m; lcores mapped onto the CPUs this process may run on with --lcores, so
// four workers start on a two-core machine; a file prefix unique per process and
// --no-pci when no PCI device is configured, so tests run side by side.
//
// EAL can be initialised once per process; eal_start() refuses a second call.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sstpgw::eal {

enum class hugepage_mode { detect, require, never };

struct eal_config {
  std::string program_name = "sstpgw";
  std::vector<std::string> pci_devices;  // "0000:03:00.0"; none means --no-pci
  std::vector<std::string> vdevs;        // "net_af_packet0,iface=sgwn-v1,qpairs=2"
  unsigned n_lcores = 1;                 // main lcore + workers
  std::vector<int> cpus;                 // CPUs to map lcores onto; empty: this process's affinity
  hugepage_mode hugepages = hugepage_mode::detect;
  unsigned memory_mb = 256;          // -m: memory EAL reserves
  std::string log_level = "notice";  // DPDK's global log level
  std::string file_prefix;           // empty: "sstpgw-<pid>"
  bool telemetry = false;
  std::vector<std::string> extra_args;  // appended verbatim
};

struct hugepage_status {
  uint64_t free_pages = 0;
  uint64_t page_size_kb = 0;
  bool hugetlbfs_mounted = false;
  uint64_t free_mb() const { return free_pages * page_size_kb / 1024; }
};

// Parses /proc/meminfo (HugePages_Free, Hugepagesize) and /proc/mounts (a
// hugetlbfs entry) text.
hugepage_status parse_hugepage_status(std::string_view meminfo, std::string_view mounts);
hugepage_status probe_hugepages();  // reads the /proc files

// True if hugepages are used for `need_mb` of memory under `mode`.
bool use_hugepages(hugepage_mode mode, const hugepage_status& hp, unsigned need_mb);

// The full argv (argv[0] included). `cpus` must not be empty. Throws
// std::invalid_argument for a config that cannot work (require without hugepages).
std::vector<std::string> build_eal_args(const eal_config& cfg, const hugepage_status& hp,
                                        std::span<const int> cpus, int pid);

// CPUs this process may run on (sched_getaffinity).
std::vector<int> allowed_cpus();

// Starts EAL; throws std::runtime_error with EAL's reason on failure or on a
// second call. Logs the arguments used.
void eal_start(const eal_config& cfg);
// Arguments of the successful eal_start (empty before).
const std::vector<std::string>& eal_args_used();
bool eal_started();
bool eal_uses_hugepages();
// rte_eal_cleanup and removal of the (empty) runtime directory.
void eal_stop();

}  // namespace sstpgw::eal
