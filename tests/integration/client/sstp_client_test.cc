// The built sstp-client binary against an SSTP server over real kernel TCP on
// 127.0.0.1 (test_gateway_server: server_session behind the stand-in worker,
// a VNet answering ICMP echo). Success with PEM files and with a
// password-protected .p12 made by scripts/sstpgw-certs; then every failure
// class, each its own test, with its documented exit status and exactly one
// stderr line. No root needed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/client/client_cli.hh"
#include "tests/integration/client/test_gateway_server.hh"
#include "tests/unit/client/memory_link.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;
using client::exit_status;

const ipv4_address kFirstAddress = ipv4_address::from_octets(172, 16, 201, 2);

// A successful ping run: exit 0, nothing on stderr, the connected line and all replies.
void expect_ping_success(const process_result& r, unsigned count) {
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(contains(r.out, "connected: address 172.16.201.2, dns 10.1.0.53 10.1.0.54, server 127.0.0.1:"))
      << r.out;
  EXPECT_TRUE(contains(r.out, ", binding SHA256/msk)")) << r.out;
  EXPECT_TRUE(contains(r.out, "PING 10.1.0.10 from 172.16.201.2")) << r.out;
  EXPECT_TRUE(contains(r.out, std::to_string(count) + " packets transmitted, " + std::to_string(count) +
                                  " received, 0% packet loss"))
      << r.out;
}

void expect_session_was_up(const server_session_record& s, uint64_t echoes) {
  EXPECT_TRUE(s.was_up) << s.end_reason;
  EXPECT_EQ(s.address, kFirstAddress);
  EXPECT_EQ(s.binding_hash, sstp::hash_protocol::sha256);
  EXPECT_EQ(s.echoes_answered, echoes);
  EXPECT_TRUE(contains(s.end_reason, "the client disconnected")) << s.end_reason;
}

const std::vector<std::string> kPing3 = {"--ping", "10.1.0.10", "--count", "3", "--interval", "0.2"};

// ---- success ------------------------------------------------------------------

TEST(SstpClientBinary, PemCertificatePingsThroughTheTunnel) {
  test_gateway_server server;
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_ping_success(r, 3);
  EXPECT_TRUE(contains(r.out, "TLS 1.3 TLS_AES_")) << r.out;
  const server_session_record s = server.ended_session();
  expect_session_was_up(s, 3);
  EXPECT_EQ(s.eap_identity, "client1");
  EXPECT_EQ(s.tls_version, "TLSv1.3");
}

TEST(SstpClientBinary, Tls12OuterAndLegacyHlak) {
  test_gateway_server server;
  client_files f(server.pki());
  const process_result r = run_sstp_client(
      client_argv(f.options, server.port(),
                  {"--ping", "10.1.0.10", "--count", "1", "--tls-max", "1.2", "--hlak", "legacy"}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "TLS 1.2 ECDHE")) << r.out;
  EXPECT_TRUE(contains(r.out, "binding SHA256/legacy)")) << r.out;
  const server_session_record s = server.ended_session();
  EXPECT_TRUE(s.was_up) << s.end_reason;
  EXPECT_EQ(s.hlak_form, sstp::hlak_form::eap_tls_legacy);
  EXPECT_EQ(s.tls_version, "TLSv1.2");
}

// The operator's tool makes the root and a password-protected .p12, as for a
// Windows import; the gateway trusts that root; sstp-client reads the .p12.
class SstpClientP12 : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tool = std::string(SSTPGW_SOURCE_ROOT) + "/scripts/sstpgw-certs";
    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{tool, "--dir", pki.path(), "root", "P2SRoot"},
          std::vector<std::string>{tool, "--dir", pki.path(), "client", "alice", "--ca", "P2SRoot"},
          std::vector<std::string>{tool, "--dir", pki.path(), "p12", "alice", "--password-env",
                                   "ALICE_PASS"}}) {
      const process_result r = run_process(cmd, {"ALICE_PASS=" + password}, 60s);
      ASSERT_EQ(r.status, 0) << cmd[3] << ": " << r.out << r.err;
    }
    root_pem = read_text(pki.file("P2SRoot.crt"));
    ASSERT_FALSE(root_pem.empty());
  }

  test_server_options trusting_the_tool_root() {
    test_server_options o;
    const std::string pem = root_pem;
    o.prepare = [pem](gateway_env& env) {
      const auto added = env.store.add_roots("P2SRoot", pem, std::time(nullptr));
      EXPECT_TRUE(added.ok) << added.message;
    };
    return o;
  }

  client::client_options p12_options(const test_gateway_server& server, client_files& f) {
    client::client_options o = f.options;
    o.cert_file.clear();
    o.key_file.clear();
    o.p12_file = pki.file("alice.p12");
    o.password_env = "SGWC_P12_PASS";
    (void)server;
    return o;
  }

  temp_dir pki;
  const std::string password = "correct horse battery";
  std::string root_pem;
};

TEST_F(SstpClientP12, PasswordProtectedP12FromTheCertToolPings) {
  test_gateway_server server(trusting_the_tool_root());
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(p12_options(server, f), server.port(), kPing3),
                                           {"SGWC_P12_PASS=" + password});
  expect_ping_success(r, 3);
  const server_session_record s = server.ended_session();
  expect_session_was_up(s, 3);
  EXPECT_EQ(s.eap_identity, "alice");  // the .p12 certificate's CN
}

TEST_F(SstpClientP12, WrongPasswordIsALocalConfigError) {
  test_gateway_server server(trusting_the_tool_root());
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(p12_options(server, f), server.port(), kPing3),
                                           {"SGWC_P12_PASS=not the password"});
  expect_failure(r, exit_status::local_config, "wrong password?");
}

TEST(SstpClientBinaryLocal, KeylogThatCannotBeOpened) {
  const test_pki pki = make_test_pki();
  client_files f(pki);
  const process_result r =
      run_sstp_client(client_argv(f.options, 443, {"--keylog", f.dir.file("no-such-dir/keys.log")}));
  expect_failure(
      r, exit_status::local_config,
      "--keylog " + f.dir.file("no-such-dir/keys.log") + ": cannot open: No such file or directory");
}

// ---- the outer TLS ------------------------------------------------------------

TEST(SstpClientBinaryTls, UntrustedServerCertificate) {
  test_gateway_server server;
  client_files f(server.pki());
  f.options.ca_file = f.write("other-ca.pem", make_root({.common_name = "another root"}).cert_pem());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::tls_untrusted, "TLS: the server certificate is not trusted: ");
  EXPECT_FALSE(server.ended_session().was_up);
}

TEST(SstpClientBinaryTls, ServerNameMismatch) {
  test_gateway_server server;
  client_files f(server.pki());
  f.options.sni = "other.example.test";
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::tls_name_mismatch,
                 "TLS: the server certificate does not match the name 'other.example.test'");
}

// ---- HTTP and SSTP --------------------------------------------------------------

test_server_options tampering(void (*hook)(to_control_msg&)) {
  test_server_options o;
  o.behaviour.tamper_to_control = hook;
  return o;
}

TEST(SstpClientBinaryHttp, ServerAnswersNon200) {
  test_gateway_server server(tampering(tamper_http_path));
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  const std::string m = expect_failure(r, exit_status::http_refused, "HTTP");
  EXPECT_TRUE(contains(m, "404")) << m;
}

TEST(SstpClientBinarySstp, CallConnectNak) {
  test_gateway_server server(tampering(tamper_connect_request_protocol));
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::sstp_nak, "SSTP: the server refused the call with CALL_CONNECT_NAK");
}

TEST(SstpClientBinarySstp, CallAbortDuringSetup) {
  test_gateway_server server(tampering(tamper_connect_request_into_ack));
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::sstp_aborted, "SSTP: the call ended during setup: ");
}

TEST(SstpClientBinarySstp, CryptoBindingRefused) {
  test_gateway_server server(tampering(tamper_compound_mac));
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::binding_refused, "SSTP: the server refused the crypto binding");
  EXPECT_TRUE(contains(server.ended_session().end_reason, "compound MAC"));
}

// ---- EAP-TLS and IPCP -------------------------------------------------------------

TEST(SstpClientBinaryEap, ClientCertificateFromAnUnknownRoot) {
  test_gateway_server server;
  client_files f(server.pki());
  const issued_cert other = make_root({.common_name = "someone else's root"});
  std::tie(f.options.cert_file, f.options.key_file) =
      f.write_pair("stranger", issue_cert(other, {.common_name = "stranger", .eku = {"clientAuth"}}));
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  const std::string m = expect_failure(r, exit_status::eap_failed, "EAP-TLS: authentication failed: ");
  EXPECT_TRUE(contains(m, "unknown_ca(48)")) << m;
}

TEST(SstpClientBinaryEap, RevokedClientCertificate) {
  test_server_options o;
  o.prepare = [](gateway_env& env) {
    const auto r = env.store.revoke(env.pki.client.sha1_thumbprint(), "lost laptop", std::time(nullptr));
    EXPECT_TRUE(r.ok) << r.message;
  };
  test_gateway_server server(o);
  client_files f(server.pki());
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::eap_failed, "EAP-TLS: authentication failed: ");
  const server_session_record s = server.ended_session();
  EXPECT_FALSE(s.was_up);
  EXPECT_TRUE(contains(s.end_reason, "revoked")) << s.end_reason;
}

TEST(SstpClientBinaryIpcp, PoolExhausted) {
  test_gateway_server server({.gateway = {.pool_size = 1}});
  client_files f(server.pki());
  // The first client holds the pool's only address until SIGTERM.
  child_process first(client_argv(f.options, server.port()));
  ASSERT_TRUE(first.wait_for_stdout("connected: address 172.16.201.2", 20s)) << first.out() << first.err();

  const process_result second = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(second, exit_status::ipcp_refused, "IPCP: ");

  first.send_signal(SIGTERM);
  const process_result r = first.wait(20s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::vector<server_session_record> ended = server.wait_for_ended(2, 20s);
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_FALSE(ended[0].was_up);  // the refused one ended first
  EXPECT_TRUE(ended[1].was_up);
  EXPECT_EQ(ended[1].address, kFirstAddress);
}

// ---- the transport and the time limit ------------------------------------------------

TEST(SstpClientBinaryTcp, ConnectionRefused) {
  // A port that was just free: bound, never listened on, closed.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  const test_pki pki = make_test_pki();
  client_files f(pki);
  const process_result r = run_sstp_client(client_argv(f.options, ntohs(a.sin_port), kPing3));
  expect_failure(r, exit_status::tcp_connect, "TCP: cannot connect to 127.0.0.1: ");
  EXPECT_TRUE(contains(r.err, "Connection refused")) << r.err;
}

TEST(SstpClientBinaryTcp, SilentServerTimesOut) {
  test_gateway_server server({.silent = true});
  client_files f(server.pki());
  f.options.timeout = 2s;
  const process_result r = run_sstp_client(client_argv(f.options, server.port(), kPing3));
  expect_failure(r, exit_status::timeout, "timed out after 2 s: the TLS handshake not finished");
}

// ---- a live tunnel ended by the server --------------------------------------------------

TEST(SstpClientBinaryLive, ServerKillsTheSession) {
  test_server_options o;
  o.behaviour.on_up = gateway_behaviour::when_up::kill;
  o.behaviour.on_up_after_echoes = 1;  // the client has seen the tunnel up
  o.behaviour.kill_reason = "maintenance window";
  test_gateway_server server(o);
  client_files f(server.pki());
  process_result r = run_sstp_client(
      client_argv(f.options, server.port(), {"--ping", "10.1.0.10", "--count", "1000", "--interval", "0.2"}));
  EXPECT_TRUE(contains(r.out, "connected: address 172.16.201.2")) << r.out;
  EXPECT_TRUE(contains(r.out, "bytes from 10.1.0.10: icmp_seq=1 ")) << r.out;
  r.out.clear();  // the connected line is expected here
  const std::string m = expect_failure(r, exit_status::server_ended, "the server ended the session: ");
  EXPECT_TRUE(contains(m, "maintenance window")) << m;
}

}  // namespace
}  // namespace sstpgw::testing
