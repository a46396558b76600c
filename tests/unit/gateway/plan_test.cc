// The gateway's pure planning, without EAL: what a port's device string turns
// into (PCI address or vdev, af_packet queue pairs and frame size), the EAL
// arguments (lcores, hugepages, devices), the memory plan, the address checks
// across keys, and the per-session settings drawn from the configuration.
#include <gtest/gtest.h>

#include <algorithm>

#include "control/gateway/eal_plan.hh"
#include "control/gateway/gateway.hh"
#include "control/gateway/session_settings.hh"
#include "control/handshake/ssl_context.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::testing {
namespace {

using config::config_error;
using gateway::plan_port_device;

config::gateway_config valid_config() {
  config::gateway_config c;
  c.server_name = "vpn.example.test";
  c.certificate = "/nonexistent/server.crt";
  c.private_key = "/nonexistent/server.key";
  c.pool_ranges = {"172.16.201.0/24"};
  c.vnet_prefixes = {"10.1.0.0/16"};
  c.workers = 2;
  c.client_port = {.device = "net_af_packet0,iface=c1", .address = "192.0.2.10/24", .gateway = "192.0.2.1"};
  c.vnet_port = {.device = "net_af_packet1,iface=v1", .address = "10.1.255.4/16"};
  return c;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(PortDevice, FullPciAddress) {
  const auto d = plan_port_device("client_port", "0000:3b:00.0", 2);
  EXPECT_TRUE(d.pci);
  EXPECT_EQ(d.name, "0000:3b:00.0");
  EXPECT_EQ(d.argument, "0000:3b:00.0");
}

TEST(PortDevice, ShortPciAddressGetsDomain) {
  const auto d = plan_port_device("client_port", "3b:00.1", 2);
  EXPECT_TRUE(d.pci);
  EXPECT_EQ(d.name, "0000:3b:00.1");
}

TEST(PortDevice, PciFunctionAboveSevenIsNotPci) {
  EXPECT_THROW(plan_port_device("client_port", "3b:00.8", 1), config_error);
}

TEST(PortDevice, AfPacketGetsOneQueuePairPerWorker) {
  const auto d = plan_port_device("vnet_port", "net_af_packet1,iface=v1", 3);
  EXPECT_FALSE(d.pci);
  EXPECT_EQ(d.name, "net_af_packet1");
  EXPECT_EQ(d.argument, "net_af_packet1,iface=v1,qpairs=3");
  EXPECT_EQ(d.max_rx_frame, 0u);
}

TEST(PortDevice, AfPacketMatchingQpairsKept) {
  const auto d = plan_port_device("vnet_port", "net_af_packet1,qpairs=2,iface=v1", 2);
  EXPECT_EQ(d.argument, "net_af_packet1,qpairs=2,iface=v1");
}

TEST(PortDevice, AfPacketQpairsDisagreeingWithWorkersRefused) {
  try {
    plan_port_device("vnet_port", "net_af_packet1,iface=v1,qpairs=4", 2);
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("[dataplane.vnet_port]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("qpairs=4"), std::string::npos) << e.what();
  }
}

TEST(PortDevice, AfPacketWithoutInterfaceRefused) {
  EXPECT_THROW(plan_port_device("client_port", "net_af_packet0", 1), config_error);
  EXPECT_THROW(plan_port_device("client_port", "net_af_packet0,qpairs=1", 1), config_error);
}

TEST(PortDevice, AfPacketFrameSize) {
  EXPECT_EQ(plan_port_device("client_port", "net_af_packet0,iface=c1,framesz=4096", 1).max_rx_frame, 4096u);
  EXPECT_THROW(plan_port_device("client_port", "net_af_packet0,iface=c1,framesz=512", 1), config_error);
  EXPECT_THROW(plan_port_device("client_port", "net_af_packet0,iface=c1,framesz=big", 1), config_error);
}

TEST(PortDevice, OtherVdevPassedThrough) {
  const auto d = plan_port_device("client_port", "net_tap0,iface=t0", 4);
  EXPECT_EQ(d.name, "net_tap0");
  EXPECT_EQ(d.argument, "net_tap0,iface=t0");
}

TEST(PortDevice, NeitherPciNorVdevRefused) {
  EXPECT_THROW(plan_port_device("client_port", "eth1", 1), config_error);
  EXPECT_THROW(plan_port_device("client_port", "", 1), config_error);
  EXPECT_THROW(plan_port_device("client_port", "net_af_packet0, iface=c1", 1), config_error);
}

TEST(EalPlan, LcoresDevicesAndHugepages) {
  auto c = valid_config();
  c.eal_args = {"--log-level=pmd.net.af_packet:debug"};
  const auto pools = gateway::plan_pools(c);
  const auto e = gateway::plan_eal(c, pools);
  EXPECT_EQ(e.n_lcores, 3u);
  EXPECT_EQ(e.hugepages, eal::hugepage_mode::detect);
  EXPECT_TRUE(has(e.vdevs, "net_af_packet0,iface=c1,qpairs=2"));
  EXPECT_TRUE(has(e.vdevs, "net_af_packet1,iface=v1,qpairs=2"));
  EXPECT_TRUE(e.pci_devices.empty());
  EXPECT_EQ(e.memory_mb, pools.memory_mb);
  EXPECT_EQ(e.extra_args, c.eal_args);

  c.hugepages = "off";
  EXPECT_EQ(gateway::plan_eal(c, pools).hugepages, eal::hugepage_mode::never);
  c.hugepages = "on";
  EXPECT_EQ(gateway::plan_eal(c, pools).hugepages, eal::hugepage_mode::require);
}

TEST(EalPlan, PciPortsListedAsPciDevices) {
  auto c = valid_config();
  c.client_port.device = "0000:3b:00.0";
  c.vnet_port.device = "3b:00.1";
  const auto e = gateway::plan_eal(c, gateway::plan_pools(c));
  EXPECT_TRUE(e.vdevs.empty());
  EXPECT_TRUE(has(e.pci_devices, "0000:3b:00.0"));
  EXPECT_TRUE(has(e.pci_devices, "0000:3b:00.1"));
}

TEST(EalPlan, SameDeviceForBothPortsRefused) {
  auto c = valid_config();
  c.vnet_port.device = c.client_port.device;
  EXPECT_THROW(gateway::plan_eal(c, gateway::plan_pools(c)), config_error);
  c.client_port.device = "3b:00.0";
  c.vnet_port.device = "0000:3b:00.0";
  EXPECT_THROW(gateway::plan_eal(c, gateway::plan_pools(c)), config_error);
}

TEST(PoolPlan, SessionsSpreadOverWorkersRoundedUp) {
  auto c = valid_config();
  c.max_sessions = 4097;
  c.workers = 4;
  const auto p = gateway::plan_pools(c);
  EXPECT_EQ(p.sessions_per_worker, 1025u);
  EXPECT_GT(p.extra_mbufs_per_port, 0u);
  EXPECT_GT(p.channel_mbufs, 0u);
  EXPECT_EQ(p.memory_mb % 32, 0u);
}

TEST(PoolPlan, MoreWorkersNeedMoreMemory) {
  auto c = valid_config();
  c.workers = 1;
  const unsigned one = gateway::plan_pools(c).memory_mb;
  c.workers = 4;
  EXPECT_GT(gateway::plan_pools(c).memory_mb, one);
}

TEST(CheckAddresses, ValidConfigPasses) { EXPECT_NO_THROW(gateway::check_addresses(valid_config())); }

TEST(CheckAddresses, PoolOverlappingVnetSubnetRefused) {
  auto c = valid_config();
  c.pool_ranges = {"10.1.200.0/24"};
  try {
    gateway::check_addresses(c);
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("vnet_port"), std::string::npos) << e.what();
  }
}

TEST(CheckAddresses, PoolOverlappingClientSubnetRefused) {
  auto c = valid_config();
  c.pool_ranges = {"192.0.2.128/25"};
  EXPECT_THROW(gateway::check_addresses(c), config_error);
}

TEST(CheckAddresses, PortSubnetsOverlapRefused) {
  auto c = valid_config();
  c.client_port.address = "10.1.0.9/24";
  EXPECT_THROW(gateway::check_addresses(c), config_error);
}

TEST(CheckAddresses, PortAddressWithoutPrefixRefused) {
  auto c = valid_config();
  c.vnet_port.address = "10.1.255.4";
  EXPECT_THROW(gateway::check_addresses(c), config_error);
}

TEST(CheckAddresses, BadPoolRangeRefused) {
  auto c = valid_config();
  c.pool_ranges = {"172.16.201.0/33"};
  EXPECT_THROW(gateway::check_addresses(c), config_error);
}

TEST(CheckControlSocket, PathThatFitsASocketAddressPasses) {
  auto c = valid_config();
  c.control_socket = "/run/sstpgw/sstpgw.sock";
  EXPECT_NO_THROW(gateway::check_control_socket(c));
  c.control_socket = "/" + std::string(106, 's');  // 107 bytes: the most sun_path holds
  EXPECT_NO_THROW(gateway::check_control_socket(c));
}

TEST(CheckControlSocket, TooLongOrEmptyRefused) {
  auto c = valid_config();
  c.control_socket = "/" + std::string(107, 's');
  EXPECT_THROW(gateway::check_control_socket(c), config_error);
  c.control_socket.clear();
  EXPECT_THROW(gateway::check_control_socket(c), config_error);
}

TEST(SessionSettings, PppLocalAddressIsTheVnetAddress) {
  EXPECT_EQ(gateway::ppp_local_address(valid_config()).to_string(), "10.1.255.4");
}

TEST(SessionSettings, EapTlsSettingsFromConfig) {
  auto c = valid_config();
  c.eap_tls_max_version = "1.3";
  const auto s = gateway::eap_tls_settings(c);
  EXPECT_EQ(s.certificate_chain.file, c.certificate);
  EXPECT_EQ(s.private_key.file, c.private_key);
  EXPECT_EQ(s.min_version, handshake::tls_version::tls1_2);
  EXPECT_EQ(s.max_version, handshake::tls_version::tls1_3);
  c.eap_tls_max_version = "1.7";
  EXPECT_THROW(gateway::eap_tls_settings(c), config_error);
}

TEST(SessionSettings, OuterTlsUnreadableFilesRefused) {
  EXPECT_THROW(gateway::make_outer_tls(valid_config()), handshake::config_error);
}

TEST(SessionSettings, OuterTlsBadVersionRefused) {
  auto c = valid_config();
  c.tls_min_version = "1.1.1";
  EXPECT_THROW(gateway::make_outer_tls(c), config_error);
}

TEST(SessionSettings, SessionConfigCarriesTheConfiguration) {
  temp_dir dir;
  const test_pki pki = make_test_pki();
  auto c = valid_config();
  c.certificate = dir.file("server.crt");
  c.private_key = dir.file("server.key");
  write_file(c.certificate, pki.server.cert_pem() + pki.root.cert_pem());
  write_file(c.private_key, pki.server.key_pem());
  c.hash_protocols = {"sha256"};
  c.negotiation_timeout_s = 17;
  c.hello_timeout_s = 23;
  c.mru = 1350;
  c.dns_servers = {"10.1.0.4", "10.1.0.5"};
  const auto s = gateway::make_session_config(c, gateway::make_outer_tls(c), nullptr, nullptr);
  EXPECT_EQ(s.http.server_name, "vpn.example.test");
  EXPECT_EQ(s.call.timers.negotiation, std::chrono::seconds(17));
  EXPECT_EQ(s.call.timers.hello, std::chrono::seconds(23));
  EXPECT_EQ(s.call.offered_hashes, sstp::kHashSha256);
  EXPECT_EQ(s.lcp.mru, 1350);
  EXPECT_EQ(s.gateway_address.to_string(), "10.1.255.4");
  ASSERT_TRUE(s.dns_primary.has_value());
  EXPECT_EQ(s.dns_primary->to_string(), "10.1.0.4");
  ASSERT_TRUE(s.dns_secondary.has_value());
  EXPECT_EQ(s.dns_secondary->to_string(), "10.1.0.5");
}

TEST(SessionSettings, KeyNotMatchingTheCertificateRefused) {
  temp_dir dir;
  const test_pki pki = make_test_pki();
  auto c = valid_config();
  c.certificate = dir.file("server.crt");
  c.private_key = dir.file("client.key");
  write_file(c.certificate, pki.server.cert_pem());
  write_file(c.private_key, pki.client.key_pem());
  EXPECT_THROW(gateway::make_outer_tls(c), handshake::config_error);
}

}  // namespace
}  // namespace sstpgw::testing
