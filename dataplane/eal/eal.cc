#include "dataplane/eal/eal.hh"

#include <rte_eal.h>
#include <rte_errno.h>
#include <sched.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "dataplane/common/log.hh"

namespace sstpgw::eal {
namespace {

std::vector<std::string> g_args;
bool g_started = false;
bool g_huge = false;

uint64_t meminfo_value(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      std::string_view rest = line.substr(key.size() + 1);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      uint64_t v = 0;
      std::from_chars(rest.data(), rest.data() + rest.size(), v);
      return v;
    }
  }
  return 0;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

hugepage_status parse_hugepage_status(std::string_view meminfo, std::string_view mounts) {
  hugepage_status hp;
  hp.free_pages = meminfo_value(meminfo, "HugePages_Free");
  hp.page_size_kb = meminfo_value(meminfo, "Hugepagesize");
  // /proc/mounts: "<source> <mountpoint> <fstype> <options> 0 0"
  size_t pos = 0;
  while (pos < mounts.size()) {
    size_t eol = mounts.find('\n', pos);
    if (eol == std::string_view::npos) eol = mounts.size();
    std::string_view line = mounts.substr(pos, eol - pos);
    pos = eol + 1;
    size_t a = line.find(' ');
    if (a == std::string_view::npos) continue;
    size_t b = line.find(' ', a + 1);
    if (b == std::string_view::npos) continue;
    size_t c = line.find(' ', b + 1);
    if (line.substr(b + 1, c == std::string_view::npos ? std::string_view::npos : c - b - 1) == "hugetlbfs")
      hp.hugetlbfs_mounted = true;
  }
  return hp;
}

hugepage_status probe_hugepages() {
  return parse_hugepage_status(read_file("/proc/meminfo"), read_file("/proc/mounts"));
}

bool use_hugepages(hugepage_mode mode, const hugepage_status& hp, unsigned need_mb) {
  if (mode == hugepage_mode::never) return false;
  return hp.hugetlbfs_mounted && hp.free_mb() >= need_mb;
}

std::vector<std::string> build_eal_args(const eal_config& cfg, const hugepage_status& hp,
                                        std::span<const int> cpus, int pid) {
  if (cpus.empty()) throw std::invalid_argument("no CPU to run lcores on");
  if (cfg.n_lcores == 0) throw std::invalid_argument("n_lcores must be at least 1");
  const bool huge = use_hugepages(cfg.hugepages, hp, cfg.memory_mb);
  if (cfg.hugepages == hugepage_mode::require && !huge) {
    throw std::invalid_argument(
        fmt::format("hugepages required but {} MiB free (need {} MiB) and hugetlbfs {}mounted", hp.free_mb(),
                    cfg.memory_mb, hp.hugetlbfs_mounted ? "" : "not "));
  }
  std::vector<std::string> a;
  a.push_back(cfg.program_name);
  // lcore i runs on cpus[i % n]: several lcores may share a CPU.
  std::string lcores = "--lcores=";
  for (unsigned i = 0; i < cfg.n_lcores; ++i) {
    if (i) lcores += ',';
    lcores += fmt::format("{}@{}", i, cpus[i % cpus.size()]);
  }
  a.push_back(lcores);
  a.push_back("--main-lcore=0");
  a.push_back("--file-prefix=" + (cfg.file_prefix.empty() ? fmt::format("sstpgw-{}", pid) : cfg.file_prefix));
  if (huge) {
    // In-memory: no hugepage files or shared config left behind.
    a.push_back("--in-memory");
    a.push_back(fmt::format("-m{}", cfg.memory_mb));
  } else {
    // --no-huge implies legacy memory, which --in-memory refuses; --no-shconf
    // keeps it from writing a shared config.
    a.push_back("--no-huge");
    a.push_back("--no-shconf");
    a.push_back(fmt::format("-m{}", cfg.memory_mb));
  }
  if (cfg.pci_devices.empty()) {
    a.push_back("--no-pci");
  } else {
    for (const auto& d : cfg.pci_devices) a.push_back("--allow=" + d);
  }
  for (const auto& v : cfg.vdevs) a.push_back("--vdev=" + v);
  a.push_back("--log-level=" + cfg.log_level);
  if (!cfg.telemetry) a.push_back("--no-telemetry");
  for (const auto& e : cfg.extra_args) a.push_back(e);
  return a;
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

void eal_start(const eal_config& cfg) {
  if (g_started) throw std::runtime_error("EAL already initialised in this process");
  const auto hp = probe_hugepages();
  const auto cpus = cfg.cpus.empty() ? allowed_cpus() : cfg.cpus;
  std::vector<std::string> args;
  try {
    args = build_eal_args(cfg, hp, cpus, static_cast<int>(getpid()));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  const bool huge = use_hugepages(cfg.hugepages, hp, cfg.memory_mb);
  std::string line;
  for (const auto& s : args) line += (line.empty() ? "" : " ") + s;
  log(log_level::info, "eal", "starting EAL ({}): {}", huge ? "hugepages" : "no hugepages", line);
  // rte_eal_init permutes argv and may keep pointers into it: give it strings
  // that live as long as the process.
  static std::vector<std::string> eal_owned;
  eal_owned = args;
  std::vector<char*> argv;
  for (auto& s : eal_owned) argv.push_back(s.data());
  argv.push_back(nullptr);
  const int rc = rte_eal_init(static_cast<int>(argv.size() - 1), argv.data());
  if (rc < 0) {
    throw std::runtime_error(
        fmt::format("rte_eal_init failed: {} (args: {})", rte_strerror(rte_errno), line));
  }
  g_args = std::move(args);
  g_started = true;
  g_huge = huge;
}

const std::vector<std::string>& eal_args_used() { return g_args; }
bool eal_started() { return g_started; }
bool eal_uses_hugepages() { return g_huge; }

void eal_stop() {
  if (!g_started) return;
  std::string dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove(dir, ec);  // only succeeds when empty, which is what we want
  g_started = false;
}

}  // namespace sstpgw::eal
