// The client's tunnel (outer TLS by tls_endpoint in keep mode + client_session)
// against the real server session behind the stand-in worker, in memory:
// whole sessions with each TLS version, traffic, a clean disconnect, and every
// way a setup or a live tunnel ends, each its own test, with the exit status
// and the one line the binary would print.
#include <gtest/gtest.h>

#include "control/client/client_runner.hh"
#include "control/client/pinger.hh"
#include "control/sstp/crypto_binding.hh"
#include "dataplane/sstp/messages.hh"
#include "tests/unit/client/memory_link.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;
using client::exit_status;
using client::tunnel_stage;

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

void expect_result(const memory_link& l, exit_status status, std::string_view part) {
  ASSERT_TRUE(l.client->finished());
  EXPECT_EQ(l.client->result().status, status) << l.client->result().message;
  EXPECT_TRUE(contains(l.client->result().message, part)) << l.client->result().message;
  EXPECT_EQ(l.client->result().message.find('\n'), std::string::npos) << "one line";
  EXPECT_FALSE(l.client->up());
}

struct versions {
  handshake::tls_version outer;
  handshake::tls_version eap;
};

class TunnelUp : public ::testing::TestWithParam<versions> {};

TEST_P(TunnelUp, ComesUpCarriesPingAndDisconnectsCleanly) {
  gateway_env env({.eap_max = handshake::tls_version::tls1_3});
  client_files files(env.pki);
  files.options.tls_max = GetParam().outer;
  files.options.eap_tls_max = GetParam().eap;
  memory_link l(env, files.options);
  l.run();
  ASSERT_TRUE(l.client->up()) << describe(l.client->stage()) << " " << l.client->result().message;
  EXPECT_TRUE(l.gateway->server().data_path_is_up());
  EXPECT_EQ(l.client->tls().version(), GetParam().outer);

  const client::tunnel_summary s = l.client->summary();
  EXPECT_EQ(s.address, ipv4_address::from_octets(172, 16, 201, 2));
  EXPECT_EQ(s.peer, ipv4_address::from_octets(172, 16, 201, 1));
  EXPECT_EQ(s.dns_primary, ipv4_address::from_octets(10, 1, 0, 53));
  EXPECT_EQ(s.dns_secondary, ipv4_address::from_octets(10, 1, 0, 54));
  EXPECT_EQ(s.binding, "SHA256/msk");
  EXPECT_GE(s.mtu, 1280u);
  EXPECT_EQ(l.gateway->server().info().hlak_form, sstp::hlak_form::eap_tls_msk);
  EXPECT_EQ(l.gateway->server().info().binding_hash, sstp::hash_protocol::sha256);
  const std::string line = client::connected_line(s, "127.0.0.1:443");
  EXPECT_EQ(line.rfind("connected: address 172.16.201.2, dns 10.1.0.53 10.1.0.54, server 127.0.0.1:443 (", 0),
            0u)
      << line;
  EXPECT_TRUE(contains(
      line, GetParam().outer == handshake::tls_version::tls1_3 ? "TLS 1.3 TLS_AES" : "TLS 1.2 ECDHE"))
      << line;
  EXPECT_TRUE(contains(line, ", binding SHA256/msk)")) << line;

  // Three echo requests through the tunnel; the VNet answers each.
  client::pinger p(s.address, ipv4_address::from_octets(10, 1, 0, 10), 3, 1000ms, 77, l.now);
  for (int i = 0; i < 3; ++i) {
    for (auto& packet : p.due(l.now)) EXPECT_TRUE(l.client->send_ipv4(packet, l.now));
    l.run();
    for (auto& packet : l.client->take_ipv4()) EXPECT_TRUE(p.on_packet(packet, l.now).has_value());
    l.advance(1000ms);
  }
  EXPECT_TRUE(p.all_replied()) << p.summary();
  EXPECT_EQ(l.gateway->echoes_answered(), 3u);

  l.client->disconnect(l.now);
  l.run_until_finished(30s);
  expect_result(l, exit_status::ok, "");
  l.run_until_server_ended();
  EXPECT_TRUE(l.gateway->server().ended());
  EXPECT_TRUE(contains(l.gateway->server().info().end_reason, "the client"))
      << l.gateway->server().info().end_reason;
  EXPECT_EQ(env.pool->in_use(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, TunnelUp,
    ::testing::Values(versions{handshake::tls_version::tls1_2, handshake::tls_version::tls1_2},
                      versions{handshake::tls_version::tls1_3, handshake::tls_version::tls1_2},
                      versions{handshake::tls_version::tls1_2, handshake::tls_version::tls1_3},
                      versions{handshake::tls_version::tls1_3, handshake::tls_version::tls1_3}),
    [](const auto& info) {
      return std::string("outer") + (info.param.outer == handshake::tls_version::tls1_3 ? "13" : "12") +
             "_eap" + (info.param.eap == handshake::tls_version::tls1_3 ? "13" : "12");
    });

TEST(Tunnel, LegacyHlakIsAcceptedAndReported) {
  gateway_env env;
  client_files files(env.pki);
  files.options.hlak = sstp::hlak_form::eap_tls_legacy;
  memory_link l(env, files.options);
  l.run();
  ASSERT_TRUE(l.client->up());
  EXPECT_EQ(l.client->summary().binding, "SHA256/legacy");
  EXPECT_EQ(l.gateway->server().info().hlak_form, sstp::hlak_form::eap_tls_legacy);
}

TEST(Tunnel, IdentityDefaultsToTheCertificateCommonName) {
  gateway_env env;
  client_files files(env.pki);
  memory_link l(env, files.options);
  l.run();
  ASSERT_TRUE(l.client->up());
  EXPECT_EQ(l.setup->identity(), "client1");
  EXPECT_EQ(l.gateway->server().info().eap_identity, "client1");
}

// ---- the outer TLS --------------------------------------------------------

TEST(TunnelTls, UntrustedServerCertificate) {
  gateway_env env;
  client_files files(env.pki);
  files.options.ca_file = files.write("other-ca.pem", make_root({.common_name = "another root"}).cert_pem());
  memory_link l(env, files.options);
  l.run_until_finished();
  expect_result(l, exit_status::tls_untrusted,
                "TLS: the server certificate is not trusted: unable to get local issuer");
  l.run_until_server_ended();
  EXPECT_TRUE(
      contains(l.gateway->server().info().end_reason, "TLS handshake failed: the peer ended the handshake"))
      << l.gateway->server().info().end_reason;
}

TEST(TunnelTls, ServerNameMismatch) {
  gateway_env env;
  client_files files(env.pki);
  files.options.sni = "other.example.test";
  memory_link l(env, files.options);
  l.run_until_finished();
  expect_result(l, exit_status::tls_name_mismatch,
                "TLS: the server certificate does not match the name 'other.example.test'");
}

TEST(TunnelTls, NoCommonVersion) {
  gateway_env env({.outer_min = handshake::tls_version::tls1_3});
  client_files files(env.pki);
  files.options.tls_max = handshake::tls_version::tls1_2;
  memory_link l(env, files.options);
  l.run_until_finished();
  expect_result(l, exit_status::tls_failed, "TLS: handshake failed: ");
  EXPECT_TRUE(contains(l.client->result().message, "protocol_version(70)")) << l.client->result().message;
}

TEST(TunnelTls, SilentServerTimesOut) {
  gateway_env env;
  client_files files(env.pki);
  files.options.timeout = 5s;
  memory_link l(env, files.options);
  l.server_closed_tcp = true;  // nothing the client sends arrives: the server never answers
  l.run_until_finished();
  expect_result(l, exit_status::timeout, "timed out after 5 s: the TLS handshake not finished");
}

TEST(TunnelTls, ServerClosesDuringHandshake) {
  gateway_env env;
  client_files files(env.pki);
  memory_link l(env, files.options);
  l.client->on_tcp_closed("the server closed the TCP connection", l.now);
  expect_result(l, exit_status::tls_failed,
                "TLS: the connection ended during the handshake: the server closed");
}

// ---- HTTP and SSTP ----------------------------------------------------------

TEST(TunnelHttp, RefusedRequestGivesTheStatus) {
  gateway_env env;
  client_files files(env.pki);
  gateway_behaviour b;
  b.tamper_to_control = tamper_http_path;  // the server answers 404
  memory_link l(env, files.options, b);
  l.run_until_finished();
  expect_result(l, exit_status::http_refused, "HTTP");
  EXPECT_TRUE(contains(l.client->result().message, "404")) << l.client->result().message;
  EXPECT_EQ(l.client->session()->http_status(), 404);
}

TEST(TunnelSstp, ConnectRequestNakedUntilTheClientGivesUp) {
  gateway_env env;
  client_files files(env.pki);
  gateway_behaviour b;
  b.tamper_to_control = tamper_connect_request_protocol;  // the server NAKs each
  memory_link l(env, files.options, b);
  l.run_until_finished();
  expect_result(l, exit_status::sstp_nak, "SSTP: the server refused the call with CALL_CONNECT_NAK");
}

TEST(TunnelSstp, CallAbortedDuringSetup) {
  gateway_env env;
  client_files files(env.pki);
  gateway_behaviour b;
  b.tamper_to_control = tamper_connect_request_into_ack;  // out of order: the server aborts
  memory_link l(env, files.options, b);
  l.run_until_finished();
  expect_result(l, exit_status::sstp_aborted, "SSTP: the call ended during setup: ");
}

TEST(TunnelSstp, CryptoBindingRefused) {
  gateway_env env;
  client_files files(env.pki);
  gateway_behaviour b;
  b.tamper_to_control = tamper_compound_mac;  // no HLAK candidate matches the MAC
  memory_link l(env, files.options, b);
  l.run_until_finished();
  expect_result(l, exit_status::binding_refused, "SSTP: the server refused the crypto binding");
  l.run_until_server_ended();
  EXPECT_TRUE(contains(l.gateway->server().info().end_reason, "compound MAC"))
      << l.gateway->server().info().end_reason;
}

// ---- EAP and IPCP ------------------------------------------------------------

TEST(TunnelEap, ClientCertificateFromAnUnknownRoot) {
  gateway_env env;
  client_files files(env.pki);
  const issued_cert other = make_root({.common_name = "someone else's root"});
  std::tie(files.options.cert_file, files.options.key_file) =
      files.write_pair("stranger", issue_cert(other, {.common_name = "stranger", .eku = {"clientAuth"}}));
  memory_link l(env, files.options);
  l.run_until_finished();
  expect_result(l, exit_status::eap_failed, "EAP-TLS: authentication failed: ");
  EXPECT_TRUE(contains(l.client->result().message, "unknown_ca(48)")) << l.client->result().message;
}

TEST(TunnelIpcp, PoolExhausted) {
  gateway_env env({.pool_size = 1});
  client_files files(env.pki);
  memory_link first(env, files.options, {}, 1);
  first.run();
  ASSERT_TRUE(first.client->up());
  memory_link second(env, files.options, {}, 2);
  second.run_until_finished();
  expect_result(second, exit_status::ipcp_refused, "IPCP: server refused to assign an address");
  EXPECT_TRUE(first.client->up());
}

// ---- a live tunnel ended by the server ---------------------------------------

TEST(TunnelLive, ServerKillEndsWithTheReason) {
  gateway_env env;
  client_files files(env.pki);
  gateway_behaviour b;
  b.on_up = gateway_behaviour::when_up::kill;
  b.kill_reason = "maintenance window";
  memory_link l(env, files.options, b);
  l.run_until_finished();
  EXPECT_TRUE(l.client->ever_up());
  expect_result(l, exit_status::server_ended, "the server ended the session: ");
  EXPECT_TRUE(contains(l.client->result().message, "maintenance window")) << l.client->result().message;
}

TEST(TunnelLive, ServerAbortEndsWithTheStatus) {
  gateway_env env;
  client_files files(env.pki);
  gateway_behaviour b;
  b.on_up = gateway_behaviour::when_up::abort;
  memory_link l(env, files.options, b);
  l.run_until_finished();
  EXPECT_TRUE(l.client->ever_up());
  expect_result(l, exit_status::server_ended, "the server aborted the call");
  EXPECT_TRUE(contains(l.client->result().message, "INVALID_FRAME_RECEIVED")) << l.client->result().message;
}

TEST(TunnelLive, TcpResetAfterUp) {
  gateway_env env;
  client_files files(env.pki);
  memory_link l(env, files.options);
  l.run();
  ASSERT_TRUE(l.client->up());
  l.client->on_tcp_closed("TCP: Connection reset by peer", l.now);
  expect_result(l, exit_status::server_ended, "Connection reset by peer");
}

TEST(TunnelLocal, DisconnectDuringSetupIsNotAnError) {
  gateway_env env;
  client_files files(env.pki);
  memory_link l(env, files.options);
  l.client->disconnect(l.now);
  l.run();
  expect_result(l, exit_status::ok, "");
}

}  // namespace
}  // namespace sstpgw::testing
