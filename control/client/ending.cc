#include "control/client/ending.hh"

#include <fmt/format.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace sstpgw::client {

namespace {

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// The most specific account of a session ending: what the server said in PPP
// (Terminate-Request text), else the session's reason unless it only echoes
// the transport going away ("lower layer down"), else the transport's.
std::string best_reason(const ending_facts& f) {
  if (starts_with(f.link_reason, "peer sent Terminate-Request")) return "PPP: " + f.link_reason;
  const bool generic = f.session_reason.empty() || f.session_reason == "PPP: lower layer down";
  if (!generic) return f.session_reason;
  if (!f.transport_reason.empty()) return "connection closed: " + f.transport_reason;
  return f.session_reason.empty() ? std::string("no reason given") : f.session_reason;
}

run_result tls_verdict(const ending_facts& f) {
  if (f.verify_error == X509_V_ERR_HOSTNAME_MISMATCH || f.verify_error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return {exit_status::tls_name_mismatch,
            fmt::format("TLS: the server certificate does not match the name '{}'", f.server_name)};
  }
  if (f.verify_error != X509_V_OK) {
    return {exit_status::tls_untrusted,
            fmt::format("TLS: the server certificate is not trusted: {} (X509 error {})",
                        X509_verify_cert_error_string(f.verify_error), f.verify_error)};
  }
  return {exit_status::tls_failed, "TLS: handshake failed: " + f.tls_failure};
}

}  // namespace

run_result judge(const ending_facts& f) {
  if (f.local_disconnect && !f.timed_out) return {exit_status::ok, {}};
  if (f.timed_out) {
    return {exit_status::timeout,
            fmt::format("timed out after {} s: {} not finished", f.timeout_seconds, f.timeout_stage)};
  }
  if (f.tls_failed) return tls_verdict(f);
  if (!f.tls_complete) {
    return {exit_status::tls_failed,
            "TLS: the connection ended during the handshake: " +
                (f.transport_reason.empty() ? std::string("no reason given") : f.transport_reason)};
  }
  if (f.http_status != 0 && f.http_status != 200) return {exit_status::http_refused, f.session_reason};
  if (f.http_status == 0) {
    return {exit_status::http_refused, starts_with(f.session_reason, "HTTP")
                                           ? f.session_reason
                                           : "HTTP: no reply to SSTP_DUPLEX_POST (" + best_reason(f) + ")"};
  }
  if (f.was_up) return {exit_status::server_ended, "the server ended the session: " + best_reason(f)};
  if (f.eap_failed) return {exit_status::eap_failed, "EAP-TLS: authentication failed: " + f.eap_reason};
  if (f.connect_naks > 0 && f.calls_connected == 0) {
    return {exit_status::sstp_nak,
            fmt::format("SSTP: the server refused the call with CALL_CONNECT_NAK ({} times): {}",
                        f.connect_naks, best_reason(f))};
  }
  if (!f.ipcp_reason.empty()) return {exit_status::ipcp_refused, "IPCP: " + f.ipcp_reason};
  if (f.calls_connected > 0 && f.peer_aborts > 0) {
    return {exit_status::binding_refused, "SSTP: the server refused the crypto binding: " + f.session_reason};
  }
  if (f.peer_aborts > 0 || f.peer_disconnects > 0) {
    return {exit_status::sstp_aborted, "SSTP: the call ended during setup: " + best_reason(f)};
  }
  if (!f.link_reason.empty() && f.link_reason != "lower layer down")
    return {exit_status::ppp_failed, "PPP: " + f.link_reason};
  return {exit_status::sstp_aborted, "the connection ended during setup: " + best_reason(f)};
}

}  // namespace sstpgw::client
