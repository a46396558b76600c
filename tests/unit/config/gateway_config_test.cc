#include "control/config/gateway_config.hh"

#include <gtest/gtest.h>

namespace sstpgw::config {
namespace {

const std::string kMinimal = R"(
[gateway]
server_name = "vpn.example.test"
[tls]
certificate = "/etc/sstpgw/server.crt"
private_key = "/etc/sstpgw/server.key"
[dataplane.client_port]
device = "net_af_packet0,iface=veth0"
address = "192.0.2.10/24"
[dataplane.vnet_port]
device = "net_af_packet1,iface=veth1"
address = "10.1.255.4/16"
)";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "t.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(GatewayConfig, ExampleFileLoads) {
  auto c = load_config(SSTPGW_SOURCE_ROOT "/control/config/sstpgw.example.toml");
  EXPECT_EQ(c.server_name, "vpn.example.com");
  EXPECT_EQ(c.workers, 2u);
  EXPECT_EQ(c.pool_ranges, std::vector<std::string>{"172.16.201.0/24"});
  EXPECT_EQ(c.control_socket_mode, 0660u);
  EXPECT_EQ(c.vnet_port.address, "10.1.255.4/16");
}

TEST(GatewayConfig, MinimalFileGetsDefaults) {
  auto c = parse_config(kMinimal);
  EXPECT_EQ(c.listen_port, 443);
  EXPECT_EQ(c.tls_min_version, "1.2");
  EXPECT_EQ(c.eap_tls_max_version, "1.2");
  EXPECT_EQ(c.hash_protocols, (std::vector<std::string>{"sha256", "sha1"}));
  EXPECT_EQ(c.negotiation_timeout_s, 60u);
  EXPECT_EQ(c.mru, 1400);
  EXPECT_EQ(c.control_socket, "/run/sstpgw/sstpgw.sock");
}

TEST(GatewayConfig, UnknownKeyIsAnErrorWithItsLine) {
  std::string text = kMinimal + "[ppp]\nmtu = 1400\n";
  EXPECT_EQ(error_of(text), "t.toml:14: [ppp] mtu: unknown key (misspelt, or not supported by this version)");
}

TEST(GatewayConfig, TypeAndRangeErrorsNameTheKey) {
  EXPECT_NE(error_of(kMinimal + "[ppp]\nmru = \"big\"\n").find("[ppp] mru: expected an integer"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "[ppp]\nmru = 9000\n").find("mru: must be between 576 and 4087"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "[control]\nsocket_mode = \"rw\"\n").find("octal mode"), std::string::npos);
}

TEST(GatewayConfig, RequiredAndSemanticChecks) {
  EXPECT_NE(error_of("").find("server_name is required"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "[tls]\n").find("t.toml"), std::string::npos);  // duplicate table: TOML error
  EXPECT_NE(error_of(kMinimal + "[pool]\nranges = [\"172.16.201.1/24\"]\n").find("host bits 0"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "[eap_tls]\nmax_version = \"1.1\"\n").find("expected one of 1.2, 1.3"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal + "[sstp]\nhash_protocols = [\"md5\"]\n").find("hash_protocols"), std::string::npos);
}

TEST(GatewayConfig, TlsBelow12IsRefusedWithTheReason) {
  std::string text = kMinimal;
  text.replace(text.find("[tls]\n"), 6, "[tls]\nmin_version = \"1.0\"\n");
  EXPECT_NE(error_of(text).find("[tls] min_version is \"1.0\""), std::string::npos) << error_of(text);
}

TEST(GatewayConfig, SyntaxErrorsCarryALine) {
  EXPECT_EQ(error_of("[gateway\n").substr(0, 8), "t.toml:1");
}

TEST(GatewayConfig, MissingFileIsOneLine) {
  try {
    load_config("/nonexistent/sstpgw.toml");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read configuration file /nonexistent/sstpgw.toml: No such file or directory");
  }
}

}  // namespace
}  // namespace sstpgw::config

namespace sstpgw::config {
namespace {
TEST(GatewayConfig, UnknownSectionIsAnError) {
  EXPECT_EQ(error_of(kMinimal + "[radius]\nserver = \"x\"\n"),
            "t.toml:13: radius: unknown key (misspelt, or not supported by this version)");
}
}  // namespace
}  // namespace sstpgw::config
