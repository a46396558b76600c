#include "control/package/client_package.hh"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "tests/support/pppd_check.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::package {
namespace {

client_package_input sample_input() {
  static const std::string ca = testing::make_root({.common_name = "package test CA"}).cert_pem();
  client_package_input in;
  in.connection_name = "contoso-vnet";
  in.server_name = "vpn.example.test";
  in.ca_pem = ca;
  in.routes = {"10.1.0.0/16", "192.168.50.0/24"};
  in.dns_servers = {"10.1.0.4"};
  return in;
}

std::map<std::string, package_file> by_path(const std::vector<package_file>& files) {
  std::map<std::string, package_file> m;
  for (const auto& f : files) m.emplace(f.path, f);
  return m;
}

TEST(ClientPackage, HasEveryFileAClientNeeds) {
  auto files = by_path(build_client_package(sample_input()));
  for (const char* p : {"README.txt", "ca.cer", "ca.crt", "routes.txt", "windows/Install-VpnProfile.ps1",
                        "linux/ppp/peers/contoso-vnet", "linux/ppp/ip-up.d/contoso-vnet-routes",
                        "linux/contoso-vnet.nmconnection"})
    EXPECT_TRUE(files.count(p)) << p;
  EXPECT_EQ(files["routes.txt"].content, "10.1.0.0/16\n192.168.50.0/24\n");
  EXPECT_TRUE(files["linux/ppp/ip-up.d/contoso-vnet-routes"].executable);
}

TEST(ClientPackage, CerIsTheDerOfTheCa) {
  auto in = sample_input();
  auto files = by_path(build_client_package(in));
  const std::string& der = files["ca.cer"].content;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_TRUE(cert);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "package test CA");
}

TEST(ClientPackage, WindowsScriptCreatesAnEapTlsSstpProfileWithRoutes) {
  auto files = by_path(build_client_package(sample_input()));
  const std::string& ps = files["windows/Install-VpnProfile.ps1"].content;
  EXPECT_NE(ps.find("New-EapConfiguration -Tls -VerifyServerIdentity -UserCertificate"), std::string::npos);
  EXPECT_NE(ps.find("-TunnelType Sstp -AuthenticationMethod Eap"), std::string::npos);
  EXPECT_NE(ps.find("$Server = 'vpn.example.test'"), std::string::npos);
  EXPECT_NE(ps.find("$Routes = @('10.1.0.0/16', '192.168.50.0/24')"), std::string::npos);
  EXPECT_NE(ps.find("Add-VpnConnectionRoute"), std::string::npos);
}

TEST(ClientPackage, NonDefaultPortIsPartOfTheServerAddress) {
  auto in = sample_input();
  in.port = 8443;
  auto files = by_path(build_client_package(in));
  EXPECT_NE(files["windows/Install-VpnProfile.ps1"].content.find("'vpn.example.test:8443'"), std::string::npos);
  EXPECT_NE(files["linux/contoso-vnet.nmconnection"].content.find("gateway=vpn.example.test:8443"),
            std::string::npos);
}

TEST(ClientPackage, NetworkManagerProfileUsesTheSstpPluginKeys) {
  auto files = by_path(build_client_package(sample_input()));
  const std::string& nm = files["linux/contoso-vnet.nmconnection"].content;
  EXPECT_NE(nm.find("service-type=org.freedesktop.NetworkManager.sstp"), std::string::npos);
  EXPECT_NE(nm.find("connection-type=tls"), std::string::npos);
  EXPECT_NE(nm.find("route1=10.1.0.0/16\nroute2=192.168.50.0/24\n"), std::string::npos);
  EXPECT_NE(nm.find("never-default=true"), std::string::npos);
}

// pppd itself (nobody here wrote it) judges the peer file: with `dryrun` it parses
// every option, loads the sstp plugin, and stops before touching a link. The
// only complaint allowed is the missing /dev/ppp of a kernel without PPP.
TEST(ClientPackage, PppdAcceptsEveryOptionOfThePeerFile) {
  if (!testing::pppd_installed()) GTEST_SKIP() << "pppd not installed (scripts/setup-deps.sh installs it)";
  auto files = by_path(build_client_package(sample_input()));
  testing::temp_dir tmp;
  testing::write_file(tmp.file("peer"), files["linux/ppp/peers/contoso-vnet"].content);
  auto v = testing::pppd_dryrun(tmp.file("peer"));
  EXPECT_TRUE(v.accepted) << v.output;
}

TEST(ClientPackage, RefusesInputsThatWouldBreakClients) {
  auto bad = [](auto mutate) {
    auto in = sample_input();
    mutate(in);
    return [in] { build_client_package(in); };
  };
  EXPECT_THROW(bad([](auto& in) { in.server_name = ""; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.server_name = "vpn.example.test'; rm -rf /"; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.server_name = "-bad.example"; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.connection_name = "a b"; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.routes = {"10.1.0.1/16"}; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.routes = {"10.1.0.0/33"}; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.routes = {"10.1.0.0"}; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.dns_servers = {"dns.example"}; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.ca_pem = ""; })(), std::invalid_argument);
  EXPECT_THROW(bad([](auto& in) { in.ca_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"; })(),
               std::invalid_argument);
  EXPECT_NO_THROW(bad([](auto& in) { in.server_name = "203.0.113.7"; })());
}

}  // namespace
}  // namespace sstpgw::package
