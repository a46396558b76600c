// The verdicts on how a tunnel ended, one per exit status, from the facts the
// layers report; and the exit status table itself.
#include "control/client/ending.hh"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <set>

namespace sstpgw::client {
namespace {

ending_facts after_http() {
  ending_facts f;
  f.tls_complete = true;
  f.http_status = 200;
  return f;
}

void expect(const ending_facts& f, exit_status s, std::string_view message) {
  const run_result r = judge(f);
  EXPECT_EQ(r.status, s) << r.message;
  EXPECT_EQ(r.message, message);
}

TEST(ExitStatus, CodesAndNamesAreDistinct) {
  std::set<int> codes;
  std::set<std::string_view> names;
  for (const exit_status_info& i : exit_status_table()) {
    EXPECT_TRUE(codes.insert(code_of(i.status)).second) << i.name;
    EXPECT_TRUE(names.insert(i.name).second) << i.name;
    EXPECT_LT(code_of(i.status), 126) << "shells reserve 126 and up";
    EXPECT_EQ(&info_of(i.status), &i);
  }
  EXPECT_EQ(codes.size(), 20u);
}

TEST(Ending, LocalDisconnectIsSuccess) {
  ending_facts f = after_http();
  f.was_up = true;
  f.local_disconnect = true;
  f.session_reason = "disconnected";
  expect(f, exit_status::ok, "");
}

TEST(Ending, Timeout) {
  ending_facts f;
  f.timed_out = true;
  f.timeout_seconds = 30;
  f.timeout_stage = "EAP-TLS authentication";
  expect(f, exit_status::timeout, "timed out after 30 s: EAP-TLS authentication not finished");
}

TEST(Ending, TimeoutWinsOverTheLocalCloseItCaused) {
  ending_facts f;
  f.timed_out = true;
  f.local_disconnect = true;
  f.timeout_seconds = 2;
  f.timeout_stage = "the TLS handshake";
  EXPECT_EQ(judge(f).status, exit_status::timeout);
}

TEST(Ending, UntrustedServerCertificate) {
  ending_facts f;
  f.tls_failed = true;
  f.verify_error = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
  expect(
      f, exit_status::tls_untrusted,
      "TLS: the server certificate is not trusted: unable to get local issuer certificate (X509 error 20)");
}

TEST(Ending, ExpiredServerCertificateIsUntrusted) {
  ending_facts f;
  f.tls_failed = true;
  f.verify_error = X509_V_ERR_CERT_HAS_EXPIRED;
  EXPECT_EQ(judge(f).status, exit_status::tls_untrusted);
}

TEST(Ending, NameMismatch) {
  ending_facts f;
  f.tls_failed = true;
  f.verify_error = X509_V_ERR_HOSTNAME_MISMATCH;
  f.server_name = "vpn.example.test";
  expect(f, exit_status::tls_name_mismatch,
         "TLS: the server certificate does not match the name 'vpn.example.test'");
}

TEST(Ending, OtherTlsFailure) {
  ending_facts f;
  f.tls_failed = true;
  f.tls_failure = "the peer ended the handshake (received handshake_failure(40))";
  expect(f, exit_status::tls_failed,
         "TLS: handshake failed: the peer ended the handshake (received handshake_failure(40))");
}

TEST(Ending, ConnectionGoneDuringHandshake) {
  ending_facts f;
  f.transport_reason = "the server closed the TCP connection";
  expect(f, exit_status::tls_failed,
         "TLS: the connection ended during the handshake: the server closed the TCP connection");
}

TEST(Ending, HttpStatus) {
  ending_facts f;
  f.tls_complete = true;
  f.http_status = 404;
  f.session_reason = "HTTP: the server answered 404 Not Found";
  expect(f, exit_status::http_refused, "HTTP: the server answered 404 Not Found");
}

TEST(Ending, NoHttpReply) {
  ending_facts f;
  f.tls_complete = true;
  f.transport_reason = "the server closed the TLS connection (close_notify)";
  f.session_reason = "connection closed: the server closed the TLS connection (close_notify)";
  expect(f, exit_status::http_refused,
         "HTTP: no reply to SSTP_DUPLEX_POST (connection closed: the server closed the TLS connection "
         "(close_notify))");
}

TEST(Ending, Nak) {
  ending_facts f = after_http();
  f.connect_naks = 4;
  f.session_reason = "call aborted (RETRY_COUNT_EXCEEDED)";
  expect(f, exit_status::sstp_nak,
         "SSTP: the server refused the call with CALL_CONNECT_NAK (4 times): call aborted "
         "(RETRY_COUNT_EXCEEDED)");
}

TEST(Ending, EapFailure) {
  ending_facts f = after_http();
  f.eap_failed = true;
  f.eap_reason = "EAP-Failure";
  f.peer_disconnects = 1;
  expect(f, exit_status::eap_failed, "EAP-TLS: authentication failed: EAP-Failure");
}

TEST(Ending, IpcpRefused) {
  ending_facts f = after_http();
  f.calls_connected = 1;
  f.peer_disconnects = 1;
  f.ipcp_reason = "server refused to assign an address (rejected IP-Address)";
  expect(f, exit_status::ipcp_refused, "IPCP: server refused to assign an address (rejected IP-Address)");
}

TEST(Ending, BindingRefused) {
  ending_facts f = after_http();
  f.calls_connected = 1;
  f.peer_aborts = 1;
  f.session_reason = "the server aborted the call (VALUE_NOT_SUPPORTED)";
  expect(f, exit_status::binding_refused,
         "SSTP: the server refused the crypto binding: the server aborted the call (VALUE_NOT_SUPPORTED)");
}

TEST(Ending, AbortBeforeBinding) {
  ending_facts f = after_http();
  f.peer_aborts = 1;
  f.session_reason = "the server aborted the call (NEGOTIATION_TIMEOUT)";
  expect(f, exit_status::sstp_aborted,
         "SSTP: the call ended during setup: the server aborted the call (NEGOTIATION_TIMEOUT)");
}

TEST(Ending, LcpFailure) {
  ending_facts f = after_http();
  f.link_reason = "no reply to 10 Configure-Requests";
  expect(f, exit_status::ppp_failed, "PPP: no reply to 10 Configure-Requests");
}

TEST(Ending, ServerEndedALiveTunnelWithTerminateText) {
  ending_facts f = after_http();
  f.was_up = true;
  f.calls_connected = 1;
  f.peer_disconnects = 1;
  f.link_reason = "peer sent Terminate-Request: disconnected by the operator: maintenance";
  f.session_reason = "the server disconnected";
  expect(f, exit_status::server_ended,
         "the server ended the session: PPP: peer sent Terminate-Request: disconnected by the operator: "
         "maintenance");
}

TEST(Ending, ConnectionLostAfterUp) {
  ending_facts f = after_http();
  f.was_up = true;
  f.transport_reason = "TCP: Connection reset by peer";
  f.link_reason = "lower layer down";
  f.session_reason = "PPP: lower layer down";
  expect(f, exit_status::server_ended,
         "the server ended the session: connection closed: TCP: Connection reset by peer");
}

}  // namespace
}  // namespace sstpgw::client
