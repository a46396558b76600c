// The EAL argument builder and hugepage probe: pure, no EAL started.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dataplane/eal/eal.hh"

namespace sstpgw::eal {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

constexpr const char* kMeminfoFree =
    "MemTotal: 100 kB\nHugePages_Total:     512\nHugePages_Free:      500\nHugepagesize:       2048 kB\n";
constexpr const char* kMeminfoNone =
    "HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n";
constexpr const char* kMountsHuge =
    "proc /proc proc rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n";
constexpr const char* kMountsPlain = "proc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\n";

TEST(EalArgs, ParsesHugepageStatus) {
  auto hp = parse_hugepage_status(kMeminfoFree, kMountsHuge);
  EXPECT_EQ(hp.free_pages, 500u);
  EXPECT_EQ(hp.page_size_kb, 2048u);
  EXPECT_TRUE(hp.hugetlbfs_mounted);
  EXPECT_EQ(hp.free_mb(), 1000u);
  auto none = parse_hugepage_status(kMeminfoNone, kMountsPlain);
  EXPECT_EQ(none.free_pages, 0u);
  EXPECT_FALSE(none.hugetlbfs_mounted);
}

TEST(EalArgs, FallsBackToNoHugeWithoutPages) {
  eal_config cfg;
  cfg.memory_mb = 128;
  const int cpus[] = {0, 1};
  auto a = build_eal_args(cfg, parse_hugepage_status(kMeminfoNone, kMountsHuge), cpus, 42);
  EXPECT_TRUE(has(a, "--no-huge"));
  EXPECT_TRUE(has(a, "--no-shconf"));
  EXPECT_TRUE(has(a, "-m128"));
  EXPECT_FALSE(has(a, "--in-memory"));
}

TEST(EalArgs, FallsBackToNoHugeWithoutMount) {
  eal_config cfg;
  const int cpus[] = {0};
  auto a = build_eal_args(cfg, parse_hugepage_status(kMeminfoFree, kMountsPlain), cpus, 42);
  EXPECT_TRUE(has(a, "--no-huge"));
}

TEST(EalArgs, UsesHugepagesWhenEnoughAreFree) {
  eal_config cfg;
  cfg.memory_mb = 256;
  const int cpus[] = {0, 1};
  auto a = build_eal_args(cfg, parse_hugepage_status(kMeminfoFree, kMountsHuge), cpus, 42);
  EXPECT_FALSE(has(a, "--no-huge"));
  EXPECT_TRUE(has(a, "--in-memory"));
  cfg.memory_mb = 2000;  // more than the 1000 MiB free
  auto b = build_eal_args(cfg, parse_hugepage_status(kMeminfoFree, kMountsHuge), cpus, 42);
  EXPECT_TRUE(has(b, "--no-huge"));
}

TEST(EalArgs, RequireWithoutHugepagesIsAnError) {
  eal_config cfg;
  cfg.hugepages = hugepage_mode::require;
  const int cpus[] = {0};
  EXPECT_THROW(build_eal_args(cfg, parse_hugepage_status(kMeminfoNone, kMountsPlain), cpus, 1),
               std::invalid_argument);
}

TEST(EalArgs, NeverIgnoresFreeHugepages) {
  eal_config cfg;
  cfg.hugepages = hugepage_mode::never;
  const int cpus[] = {0};
  auto a = build_eal_args(cfg, parse_hugepage_status(kMeminfoFree, kMountsHuge), cpus, 1);
  EXPECT_TRUE(has(a, "--no-huge"));
}

TEST(EalArgs, MapsLcoresOntoFewerCpus) {
  eal_config cfg;
  cfg.n_lcores = 5;
  const int cpus[] = {2, 3};
  auto a = build_eal_args(cfg, {}, cpus, 7);
  EXPECT_TRUE(has(a, "--lcores=0@2,1@3,2@2,3@3,4@2"));
  EXPECT_TRUE(has(a, "--main-lcore=0"));
}

TEST(EalArgs, UniquePrefixNoPciAndVdevs) {
  eal_config cfg;
  cfg.vdevs = {"net_ring0", "net_af_packet0,iface=sgwn-v1"};
  const int cpus[] = {0};
  auto a = build_eal_args(cfg, {}, cpus, 1234);
  EXPECT_EQ(a.front(), "sstpgw");
  EXPECT_TRUE(has(a, "--file-prefix=sstpgw-1234"));
  EXPECT_TRUE(has(a, "--no-pci"));
  EXPECT_TRUE(has(a, "--vdev=net_ring0"));
  EXPECT_TRUE(has(a, "--vdev=net_af_packet0,iface=sgwn-v1"));
  EXPECT_TRUE(has(a, "--no-telemetry"));
  cfg.pci_devices = {"0000:03:00.0"};
  auto b = build_eal_args(cfg, {}, cpus, 1234);
  EXPECT_FALSE(has(b, "--no-pci"));
  EXPECT_TRUE(has(b, "--allow=0000:03:00.0"));
}

TEST(EalArgs, NoCpuIsAnError) {
  EXPECT_THROW(build_eal_args(eal_config{}, {}, {}, 1), std::invalid_argument);
}

}  // namespace
}  // namespace sstpgw::eal
