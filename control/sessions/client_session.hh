// The client side of one SSTP connection, sans-I/O, for the test client and
// the load generator: the mirror of server_session above the outer TLS (which
// the caller runs itself; this object sees only the plaintext stream).
//
//   start       → SSTP_DUPLEX_POST request
//   200 OK      → client_call: CALL_CONNECT_REQUEST; CONNECT_ACK → link_up
//   link_up     → PPP client link: LCP (asks for PFC/ACFC like Windows), EAP
//                 with EAP-TLS and a client certificate, IPCP asking for an
//                 address and DNS servers
//   EAP success → CALL_CONNECTED bound to the HLAK (RFC 5216 MSK[0..31] by
//                 default, the 16+16 legacy form as an option) and to the
//                 server leaf certificate seen by the outer TLS
//   IPCP opened → up: address and DNS known, IPv4 packets both ways
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/auth/eap_phase.hh"
#include "control/handshake/ssl_context.hh"
#include "control/http/response_parser.hh"
#include "control/ppp/link.hh"
#include "control/sessions/session_types.hh"
#include "control/sstp/client_call.hh"
#include "dataplane/common/counters.hh"

namespace sstpgw::sessions {

struct client_session_config {
  std::string host = "vpn.example.test";  // the Host header
  std::string correlation_id;             // sent as given; empty: none
  http::response_config http;
  sstp::client_call_config call;
  ppp::lcp_config lcp = windows_like_lcp();
  ppp::fsm_config ipcp_fsm;
  std::string eap_identity = "client";
  // EAP-TLS client context (auth::make_eap_tls_client_context); must outlive the session.
  const handshake::tls_context* eap_tls = nullptr;
  auth::reassembly_limits eap_limits;
  // eap_tls_msk: MSK[0..31] (current MS-SSTP / RFC 5216 wording); eap_tls_legacy:
  // MSK[0..15] || MSK[32..47] (pppd 2.4.9 + sstp-client).
  sstp::hlak_form hlak = sstp::hlak_form::eap_tls_msk;
  // Send CALL_CONNECTED as soon as the EAP-TLS handshake gave keys, before
  // EAP-Success arrives (what sstp-client does; the server must queue it).
  bool call_connected_before_eap_success = false;
  // Send CALL_CONNECT_REQUEST right behind the HTTP request instead of after
  // the 200 OK (exercises the server's hand-back at the HTTP→SSTP switch).
  bool pipeline_connect_request = false;

  static ppp::lcp_config windows_like_lcp();
};

enum class client_state : uint8_t { http, sstp_setup, authenticating, network, up, closing, closed };
std::string_view to_string(client_state s);

class client_session {
 public:
  // `server_leaf_der`: the server certificate the outer TLS presented, DER.
  // The HTTP request is in take_output() at once.
  client_session(const client_session_config& config, std::span<const uint8_t> server_leaf_der,
                 time_point now);
  ~client_session();
  client_session(const client_session&) = delete;
  client_session& operator=(const client_session&) = delete;

  // ---- inputs ----
  void on_stream_bytes(std::span<const uint8_t> plaintext, time_point now);
  // The outer connection is gone (close_notify, FIN, RST).
  void on_closed(std::string_view reason, time_point now);
  void on_timer(time_point now);
  time_point next_deadline() const;
  // PPP Terminate then CALL_DISCONNECT.
  void disconnect(time_point now);
  // An IPv4 packet to the gateway once up(); false if it cannot be sent.
  bool send_ipv4(std::span<const uint8_t> packet, time_point now);

  // ---- outputs ----
  std::vector<uint8_t> take_output() { return std::exchange(output_, {}); }
  bool has_output() const { return !output_.empty(); }
  // IPv4 packets received from the gateway.
  std::vector<std::vector<uint8_t>> take_ipv4() { return std::exchange(ipv4_in_, {}); }

  // ---- state ----
  client_state state() const;
  bool up() const { return up_; }
  bool ended() const { return ended_; }
  const std::string& end_reason() const { return end_reason_; }
  std::optional<ipv4_address> address() const;
  std::optional<ipv4_address> dns_primary() const;
  std::optional<ipv4_address> dns_secondary() const;
  // The HTTP status the server answered with (0 before the reply).
  int http_status() const { return http_ ? http_->status_code() : http_status_; }
  const counter_set<sstp::call_counter>& call_counters() const { return call_counters_; }
  // The layers, for tests and the load generator's statistics.
  const sstp::client_call* call() const { return call_ ? &*call_ : nullptr; }
  const ppp::ppp_link* link() const { return link_.get(); }
  const auth::eap_peer_phase* eap() const { return eap_; }

 private:
  void start_call(time_point now);
  void start_link(time_point now);
  void pump(time_point now);
  void on_call_event(const sstp::call_event& e, time_point now);
  void on_link_event(ppp::link_event e, time_point now);
  void bind(const auth::eap_keys& keys, time_point now);
  void end(std::string reason);

  client_session_config config_;
  sstp::cert_hashes server_cert_;
  std::optional<http::response_parser> http_;
  int http_status_ = 0;
  counter_set<sstp::call_counter> call_counters_;
  std::optional<sstp::client_call> call_;
  std::unique_ptr<ppp::ppp_link> link_;
  auth::eap_peer_phase* eap_ = nullptr;  // owned by link_
  bool bound_ = false;
  bool call_connected_ = false;
  bool network_up_ = false;
  bool up_ = false;
  bool pumping_ = false;
  bool ended_ = false;
  std::string end_reason_;
  std::vector<uint8_t> output_;
  std::vector<std::vector<uint8_t>> ipv4_in_;
};

}  // namespace sstpgw::sessions
