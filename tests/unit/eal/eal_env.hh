// EAL for tests: initialised once per test process (EAL cannot be initialised
// twice) by a gtest Environment registered before main() runs. Always --no-huge
// unless SSTPGW_TEST_HUGEPAGES=1, with a file prefix unique to the process, so
// test binaries run side by side on a two-core machine.
//
//   static auto* const env = sstpgw::test::register_eal({"net_null0", "net_ring0"}, 2);
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"

namespace sstpgw::test {

inline eal::eal_config test_eal_config(std::vector<std::string> vdevs, unsigned n_lcores) {
  eal::eal_config cfg;
  cfg.program_name = "sstpgw-test";
  cfg.vdevs = std::move(vdevs);
  cfg.n_lcores = n_lcores;
  const char* huge = std::getenv("SSTPGW_TEST_HUGEPAGES");
  cfg.hugepages = (huge && std::string(huge) == "1") ? eal::hugepage_mode::detect : eal::hugepage_mode::never;
  cfg.memory_mb = 256;
  cfg.log_level = "warning";
  return cfg;
}

class eal_environment : public ::testing::Environment {
 public:
  explicit eal_environment(eal::eal_config cfg) : cfg_(std::move(cfg)) {}
  void SetUp() override {
    set_log_level(log_level::warn);
    eal::eal_start(cfg_);
  }
  void TearDown() override { eal::eal_stop(); }

 private:
  eal::eal_config cfg_;
};

inline ::testing::Environment* register_eal(std::vector<std::string> vdevs, unsigned n_lcores = 2) {
  return ::testing::AddGlobalTestEnvironment(
      new eal_environment(test_eal_config(std::move(vdevs), n_lcores)));
}

}  // namespace sstpgw::test
