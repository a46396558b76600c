// The worker assembly: two ports with two queues each (net_null), a handoff
// mesh, channels and the owner table; every worker gets both ifaces, TCP on
// 443, its engine and the poll stages; counters and runtime are readable.
#include "dataplane/worker/gateway_workers.hh"

#include <gtest/gtest.h>
#include <rte_dev.h>

#include "tests/unit/eal/eal_env.hh"

namespace sstpgw::test {
namespace {

[[maybe_unused]] ::testing::Environment* const kEnv = register_eal({}, 1);

TEST(GatewayWorkers, AssemblesTwoWorkersAndReportsStats) {
  ASSERT_EQ(rte_dev_probe("net_null40"), 0);
  ASSERT_EQ(rte_dev_probe("net_null41"), 0);
  eal::port_config pc;
  pc.n_queues = 2;
  pc.rx_desc = pc.tx_desc = 256;
  pc.port_id = eal::port::find("net_null40");
  eal::port client(pc);
  pc.port_id = eal::port::find("net_null41");
  eal::port vnet(pc);
  rings::handoff_mesh mesh("gwmesh", 2, 256);
  session::channel_set ch("gwch", 2, {.ring_size = 64, .messages = 127, .mbufs = 255});
  const net::ipv4_subnet pool{0xac10c900, 24};
  session::owner_table owners(std::span<const net::ipv4_subnet>(&pool, 1));
  worker::gateway_config cfg;
  cfg.client_port = &client;
  cfg.vnet_port = &vnet;
  cfg.client_address = {0xc0000201, 24};
  cfg.vnet_address = {0x0a010001, 16};
  cfg.vnet_prefixes = {{0x0a010000, 16}};
  cfg.max_sessions = 16;
  cfg.owners = &owners;
  cfg.channels = &ch;
  cfg.mesh = &mesh;
  cfg.poll.busy_poll = true;
  worker::gateway_workers gw(cfg);
  ASSERT_EQ(gw.n_workers(), 2);
  for (uint16_t w = 0; w < 2; ++w) {
    gw.start(w);
    for (int i = 0; i < 10; ++i) gw.run_once(w);
    EXPECT_EQ(gw.client_iface(w).config().worker, w);
    EXPECT_EQ(gw.vnet_iface(w).address(), 0x0a010001u);
  }
  const auto c = gw.counters();
  auto has = [&](const std::string& n) {
    return std::any_of(c.begin(), c.end(), [&](const auto& p) { return p.first == n; });
  };
  EXPECT_TRUE(has("session.spoofed_source"));
  EXPECT_TRUE(has("tcp.rx_segments") || has("tcp.segments_received") || c.size() > 100);
  EXPECT_TRUE(has("vnet.ipv4.forwarded"));
  EXPECT_TRUE(has("handoff.enqueued"));
  const std::string rt = gw.runtime();
  EXPECT_NE(rt.find("session-rx"), std::string::npos);
  EXPECT_NE(rt.find("tcp-output"), std::string::npos);
}

TEST(GatewayWorkers, RefusesMismatchedWorkers) {
  ASSERT_EQ(rte_dev_probe("net_null42"), 0);
  eal::port_config pc;
  pc.n_queues = 1;
  pc.rx_desc = pc.tx_desc = 256;
  pc.port_id = eal::port::find("net_null42");
  eal::port p(pc);
  session::channel_set ch("gwbad", 2, {.ring_size = 64, .messages = 127, .mbufs = 255});
  worker::gateway_config cfg;
  cfg.client_port = &p;
  cfg.vnet_port = &p;
  cfg.channels = &ch;
  EXPECT_THROW(worker::gateway_workers{cfg}, std::invalid_argument);
}

}  // namespace
}  // namespace sstpgw::test
