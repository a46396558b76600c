// The gateway's data plane as sstpgw assembles it, on net_null ports under a
// --no-huge EAL: two workers on their lcores, launched and stopped; the
// figures `sstpctl stats` shows; the pool's worker choice when the VNet port
// does not hash on the destination address. One data plane per process (its
// ports close their vdevs when it goes), shared by the tests.
#include "control/gateway/data_plane.hh"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "tests/unit/eal/eal_env.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;

[[maybe_unused]] ::testing::Environment* const kEnv = [] {
  eal::eal_config c = test::test_eal_config({"net_null0", "net_null1"}, 3);
  c.memory_mb = 512;
  return ::testing::AddGlobalTestEnvironment(new test::eal_environment(c));
}();

config::gateway_config two_workers() {
  config::gateway_config c;
  c.server_name = "vpn.example.test";
  c.workers = 2;
  c.max_sessions = 64;
  c.pool_ranges = {"172.16.201.0/24"};
  c.vnet_prefixes = {"10.1.0.0/16"};
  c.client_port = {.device = "net_null0", .address = "192.0.2.10/24", .gateway = "192.0.2.1"};
  c.vnet_port = {.device = "net_null1", .address = "10.1.255.4/16"};
  return c;
}

uint64_t value_of(const std::vector<control_thread::stat_counter>& v, const std::string& name) {
  for (const auto& c : v)
    if (c.name == name) return c.value;
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

class DataPlane : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto cfg = two_workers();
    dp_ = new gateway::data_plane(cfg, gateway::plan_pools(cfg));
  }
  static void TearDownTestSuite() {
    delete dp_;
    dp_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(dp_, nullptr); }
  static inline gateway::data_plane* dp_ = nullptr;
};

TEST_F(DataPlane, TwoWorkersLaunchRunAndStop) {
  gateway::data_plane& dp = *dp_;
  EXPECT_EQ(dp.n_workers(), 2);
  EXPECT_EQ(dp.client_port().n_queues(), 2);
  EXPECT_EQ(dp.vnet_port().n_queues(), 2);
  EXPECT_FALSE(dp.running());

  dp.launch();
  EXPECT_TRUE(dp.running());
  // Both loops turn (a readiness wait, bounded so a hang fails the test).
  std::vector<control_thread::stat_counter> stats;
  for (int i = 0; i < 500; ++i) {
    stats.clear();
    dp.count_stats(stats);
    if (value_of(stats, "runtime.w0.iterations") > 0 && value_of(stats, "runtime.w1.iterations") > 0) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GT(value_of(stats, "runtime.w0.iterations"), 0u);
  EXPECT_GT(value_of(stats, "runtime.w1.iterations"), 0u);
  dp.stop();
  EXPECT_FALSE(dp.running());
  dp.stop();  // twice is harmless

  // One name per counter, in the families the stats command documents.
  stats.clear();
  dp.count_stats(stats);
  std::set<std::string> names;
  for (const auto& c : stats) EXPECT_TRUE(names.insert(c.name).second) << "duplicate " << c.name;
  for (const char* n : {"port.client.rx_packets", "port.vnet.tx_packets", "channel.control.sent",
                        "dataplane.session.accepted", "runtime.w1.loop_cycles"})
    EXPECT_TRUE(names.count(n)) << n;
}

TEST_F(DataPlane, SessionFiguresOnlyForTheSlotsGeneration) {
  gateway::data_plane& dp = *dp_;
  using session::session_id;
  EXPECT_FALSE(dp.stats_of(session_id::make(2, 0, 1)).has_value());   // no worker 2
  EXPECT_FALSE(dp.stats_of(session_id::make(0, 32, 1)).has_value());  // 32 slots per worker
  // A free slot answers for its current generation only.
  std::optional<uint32_t> gen;
  for (uint32_t g = 0; g < 4 && !gen; ++g)
    if (dp.stats_of(session_id::make(1, 3, g))) gen = g;
  ASSERT_TRUE(gen.has_value());
  EXPECT_EQ(dp.stats_of(session_id::make(1, 3, *gen))->rx_packets, 0u);
  EXPECT_FALSE(dp.stats_of(session_id::make(1, 3, *gen + 1)).has_value());
}

TEST_F(DataPlane, WithoutDestinationHashingAddressesSpreadOverWorkers) {
  gateway::data_plane& dp = *dp_;
  EXPECT_NE(dp.return_traffic_mode().find("handoff"), std::string::npos) << dp.return_traffic_mode();
  const auto worker_of = dp.pool_worker_of();
  std::set<uint32_t> seen;
  for (uint32_t a = 0xac10c901; a < 0xac10c911; ++a) {
    const uint32_t w = worker_of(ipv4_address{a});
    EXPECT_LT(w, 2u);
    seen.insert(w);
  }
  EXPECT_EQ(seen.size(), 2u);
}

TEST(DataPlaneConfig, AWorkerCountTheEalCannotHostIsRefused) {
  auto cfg = two_workers();
  cfg.workers = 3;  // EAL has 2 worker lcores
  EXPECT_THROW(gateway::data_plane(cfg, gateway::plan_pools(cfg)), std::runtime_error);
}

}  // namespace
}  // namespace sstpgw::testing
