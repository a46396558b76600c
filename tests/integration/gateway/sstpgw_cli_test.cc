// The sstpgw binary's command line and exit statuses, as an operator or a
// service manager sees them: --version, --check-config on good and bad
// configurations (one line naming the key), and a port DPDK cannot probe
// (exit 1, the configuration key named). No namespaces, no traffic.
#include <gtest/gtest.h>

#include "tests/integration/gateway/e2e_processes.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::testing {
namespace {

using e2e::run;

const std::string kGateway = std::string(SSTPGW_BUILD_ROOT) + "/control/gateway/sstpgw";

class SstpgwCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kGateway.c_str(), X_OK), 0) << kGateway << " is not built";
    const test_pki pki = make_test_pki();
    write_file(dir_.file("server.crt"), pki.server.cert_pem() + pki.root.cert_pem());
    write_file(dir_.file("server.key"), pki.server.key_pem());
    write_file(dir_.file("client.key"), pki.client.key_pem());
  }

  // A configuration file: this pool, this client-side interface, this key file.
  std::string config(const std::string& pool = "172.16.201.0/24", const std::string& iface = "sgwe-none0",
                     const std::string& key = "server.key") {
    std::string path = dir_.file("sstpgw.toml");
    write_file(path, "[gateway]\nserver_name = \"vpn.example.test\"\nstate_dir = \"" + dir_.file("state") +
                         "\"\n[tls]\ncertificate = \"" + dir_.file("server.crt") + "\"\nprivate_key = \"" +
                         dir_.file(key) + "\"\n[pool]\nranges = [\"" + pool +
                         "\"]\n[dataplane]\nhugepages = \"off\"\nmax_sessions = 16\n"
                         "[dataplane.client_port]\ndevice = \"net_af_packet0,iface=" +
                         iface +
                         "\"\naddress = \"192.0.2.10/24\"\n[dataplane.vnet_port]\ndevice = "
                         "\"net_af_packet1,iface=sgwe-none1\"\naddress = \"10.1.255.4/16\"\n"
                         "[control]\nsocket = \"" +
                         dir_.file("sstpgw.sock") + "\"\n");
    return path;
  }

  temp_dir dir_;
};

TEST_F(SstpgwCli, VersionExitsZero) {
  const auto r = run({kGateway, "--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output.rfind("sstpgw ", 0), 0u) << r.output;
}

TEST_F(SstpgwCli, CheckConfigAcceptsAGoodConfiguration) {
  const auto r = run({kGateway, "--config", config(), "--check-config"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("configuration OK"), std::string::npos) << r.output;
}

TEST_F(SstpgwCli, WithoutConfigurationExitsTwo) {
  const auto r = run({kGateway});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--config"), std::string::npos) << r.output;
}

TEST_F(SstpgwCli, UnknownOptionExitsTwo) { EXPECT_EQ(run({kGateway, "--no-such-option"}).status, 2); }

TEST_F(SstpgwCli, MissingFileExitsTwo) {
  const auto r = run({kGateway, "--config", dir_.file("absent.toml"), "--check-config"});
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST_F(SstpgwCli, PoolOverlappingAPortSubnetExitsTwoNamingIt) {
  const auto r = run({kGateway, "--config", config("10.1.200.0/24"), "--check-config"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("[pool]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("vnet_port"), std::string::npos) << r.output;
}

TEST_F(SstpgwCli, KeyNotMatchingTheCertificateExitsTwo) {
  const auto r =
      run({kGateway, "--config", config("172.16.201.0/24", "sgwe-none0", "client.key"), "--check-config"});
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST_F(SstpgwCli, BadLogLevelExitsTwo) {
  const auto r = run({kGateway, "--config", config(), "--log-level", "chatty", "--check-config"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--log-level"), std::string::npos) << r.output;
}

TEST_F(SstpgwCli, PortDpdkCannotProbeExitsOneNamingIt) {
  // No interface sgwe-none0 exists: EAL starts (--no-huge), the af_packet
  // probe fails, and sstpgw says which configured port it was.
  const auto r = run({kGateway, "--config", config()});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("[dataplane.client_port]"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sstpgw::testing
