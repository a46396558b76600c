// sstp-client's command line: what parses into which options, and every
// mistake as a usage error (exit status 2) with a line that names it.
#include "control/client/client_options.hh"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace sstpgw::client {
namespace {

parse_outcome parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"sstp-client"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

client_options ok(std::initializer_list<const char*> args) {
  parse_outcome r = parse(args);
  if (auto* e = std::get_if<run_result>(&r)) {
    ADD_FAILURE() << "refused: " << e->message;
    return {};
  }
  return std::get<client_options>(r);
}

void refused(std::initializer_list<const char*> args, std::string_view part) {
  parse_outcome r = parse(args);
  const auto* e = std::get_if<run_result>(&r);
  ASSERT_NE(e, nullptr) << "accepted";
  EXPECT_EQ(e->status, exit_status::usage);
  EXPECT_NE(e->message.find(part), std::string::npos) << e->message;
  EXPECT_EQ(e->message.find('\n'), std::string::npos) << "one line: " << e->message;
}

#define BASE "--server", "vpn.example.test", "--ca", "ca.pem"
#define PEM BASE, "--cert", "c.crt", "--key", "c.key"

TEST(ClientOptions, MinimalWithDefaults) {
  const client_options o = ok({PEM});
  EXPECT_EQ(o.server, "vpn.example.test");
  EXPECT_EQ(o.port, 443);
  EXPECT_EQ(o.server_name(), "vpn.example.test");
  EXPECT_EQ(o.ca_file, "ca.pem");
  EXPECT_EQ(o.cert_file, "c.crt");
  EXPECT_EQ(o.key_file, "c.key");
  EXPECT_EQ(o.tls_max, handshake::tls_version::tls1_3);
  EXPECT_EQ(o.eap_tls_max, handshake::tls_version::tls1_3);
  EXPECT_EQ(o.hlak, sstp::hlak_form::eap_tls_msk);
  EXPECT_EQ(o.timeout, std::chrono::seconds(30));
  EXPECT_EQ(o.mode, traffic_mode::none);
  EXPECT_FALSE(o.once);
  EXPECT_FALSE(o.verbose);
}

TEST(ClientOptions, Everything) {
  const client_options o =
      ok({"--server",   "192.0.2.1", "--port",    "4443",        "--sni",          "vpn.example.test",
          "--ca",       "ca.pem",    "--p12",     "c.p12",       "--password-env", "P12",
          "--identity", "alice",     "--tls-max", "1.2",         "--eap-tls-max",  "1.2",
          "--hlak",     "legacy",    "--keylog",  "keys.txt",    "--timeout",      "7",
          "--tun",      "sgwc-tun0", "--route",   "10.1.0.0/16", "--route",        "10.2.3.4/32",
          "--once",     "-v"});
  EXPECT_EQ(o.port, 4443);
  EXPECT_EQ(o.server_name(), "vpn.example.test");
  EXPECT_EQ(o.p12_file, "c.p12");
  EXPECT_EQ(o.password_env, "P12");
  EXPECT_EQ(o.identity, "alice");
  EXPECT_EQ(o.tls_max, handshake::tls_version::tls1_2);
  EXPECT_EQ(o.eap_tls_max, handshake::tls_version::tls1_2);
  EXPECT_EQ(o.hlak, sstp::hlak_form::eap_tls_legacy);
  EXPECT_EQ(o.keylog_file, "keys.txt");
  EXPECT_EQ(o.timeout, std::chrono::seconds(7));
  EXPECT_EQ(o.mode, traffic_mode::tun);
  EXPECT_EQ(o.tun_name, "sgwc-tun0");
  ASSERT_EQ(o.routes.size(), 2u);
  EXPECT_EQ(o.routes[0].to_string(), "10.1.0.0/16");
  EXPECT_EQ(o.routes[1].to_string(), "10.2.3.4/32");
  EXPECT_TRUE(o.once);
  EXPECT_TRUE(o.verbose);
}

TEST(ClientOptions, Ping) {
  const client_options o = ok({PEM, "--ping", "172.16.201.1", "--count", "5", "--interval", "0.2"});
  EXPECT_EQ(o.mode, traffic_mode::ping);
  EXPECT_EQ(o.ping_target, ipv4_address::from_octets(172, 16, 201, 1));
  EXPECT_EQ(o.ping_count, 5u);
  EXPECT_EQ(o.ping_interval, std::chrono::milliseconds(200));
}

TEST(ClientOptions, HelpListsEveryExitStatus) {
  parse_outcome r = parse({"--help"});
  const auto* h = std::get_if<run_result>(&r);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->status, exit_status::ok);
  EXPECT_EQ(h->message, help_text());
  for (const exit_status_info& i : exit_status_table()) {
    EXPECT_NE(h->message.find(std::to_string(code_of(i.status)) + "  " + std::string(i.meaning)),
              std::string::npos)
        << i.name;
  }
  EXPECT_NE(h->message.find("--password-env"), std::string::npos);
}

TEST(ClientOptions, Version) {
  parse_outcome r = parse({"--version"});
  const auto* v = std::get_if<run_result>(&r);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->status, exit_status::ok);
  EXPECT_EQ(v->message.rfind("sstp-client ", 0), 0u);
}

TEST(ClientOptions, ServerIsRequired) {
  refused({"--ca", "ca.pem", "--cert", "c", "--key", "k"}, "--server");
}
TEST(ClientOptions, CaIsRequired) { refused({"--server", "x", "--cert", "c", "--key", "k"}, "--ca"); }
TEST(ClientOptions, SomeClientCertificateIsRequired) { refused({BASE}, "a client certificate is required"); }
TEST(ClientOptions, CertWithoutKey) { refused({BASE, "--cert", "c.crt"}, "--key"); }
TEST(ClientOptions, KeyWithoutCert) { refused({BASE, "--key", "c.key"}, "--cert"); }
TEST(ClientOptions, P12WithPemIsAmbiguous) {
  refused({PEM, "--p12", "c.p12", "--password-env", "P"}, "--p12");
}
TEST(ClientOptions, P12NeedsPasswordEnv) { refused({BASE, "--p12", "c.p12"}, "--password-env"); }
TEST(ClientOptions, PasswordEnvNeedsP12) { refused({PEM, "--password-env", "P"}, "--p12"); }
TEST(ClientOptions, TunAndPingExcludeEachOther) {
  refused({PEM, "--tun", "t0", "--ping", "10.0.0.1"}, "--ping");
}
TEST(ClientOptions, RouteNeedsTun) { refused({PEM, "--route", "10.0.0.0/8"}, "--tun"); }
TEST(ClientOptions, CountNeedsPing) { refused({PEM, "--count", "3"}, "--ping"); }
TEST(ClientOptions, RouteWithHostBitsSet) {
  refused({PEM, "--tun", "t0", "--route", "10.1.2.3/16"}, "--route 10.1.2.3/16");
}
TEST(ClientOptions, RouteNotAPrefix) { refused({PEM, "--tun", "t0", "--route", "banana"}, "--route banana"); }
TEST(ClientOptions, PingNotAnAddress) { refused({PEM, "--ping", "10.1.0.256"}, "--ping 10.1.0.256"); }
TEST(ClientOptions, TlsOnePointOneRefused) { refused({PEM, "--tls-max", "1.1"}, "--tls-max"); }
TEST(ClientOptions, EapTlsVersionUnknown) { refused({PEM, "--eap-tls-max", "2"}, "--eap-tls-max"); }
TEST(ClientOptions, HlakUnknown) { refused({PEM, "--hlak", "zero"}, "--hlak"); }
TEST(ClientOptions, TimeoutZero) { refused({PEM, "--timeout", "0"}, "--timeout"); }
TEST(ClientOptions, PortOutOfRange) { refused({PEM, "--port", "70000"}, "--port"); }
TEST(ClientOptions, PortZero) { refused({PEM, "--port", "0"}, "--port"); }
TEST(ClientOptions, TunNameTooLong) {
  refused({PEM, "--tun", "a-very-long-tun-name"}, "at most 15 characters");
}
TEST(ClientOptions, UnknownOption) { refused({PEM, "--frobnicate"}, "frobnicate"); }

}  // namespace
}  // namespace sstpgw::client
