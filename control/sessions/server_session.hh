// The whole life of one client connection on the control thread, sans-I/O,
// driven by the worker⇄control contract (gateway protocol brief):
//
//   raw bytes   → outer TLS handshake (tls_endpoint, offload mode) → send_raw;
//                 on completion install_keys (record keys, consumed, returned)
//   http bytes  → SSTP_DUPLEX_POST parser → 200 OK + start_sstp (consumed,
//                 returned), or an error reply and a graceful close
//   SSTP packets→ server_call (crypto binding against the leaf certificate of
//                 *this* connection) → on link_up a PPP link: LCP requiring
//                 EAP, EAP-TLS judged by the certificate store, IPCP with an
//                 address from the pool for this session's worker
//   EAP success → server_call.authenticated(the EAP-TLS HLAK candidates);
//   binding verified AND IPCP opened → data_path_up
//
// Bytes of a phase that has already ended are bounced back in order
// (returned_bytes). Every ending (TLS failure or timeout, HTTP refusal or
// timeout, SSTP abort/disconnect/hello timeout, PPP/EAP failure, pool
// exhaustion, operator kill, a certificate store change that withdraws this
// session's trust, the TCP connection gone) produces data_path_down if the
// data path was up, exactly one close_connection action and exactly one
// `closed` event with a one-line reason; the address goes back to the pool
// exactly once. After that the session ignores every input.
//
// Owner's loop: feed inputs, call on_timer(now) at next_deadline(), and after
// every call drain take_actions() (in order, onto the worker's ring) and
// take_events() (to the registry). Not thread-safe; not movable (callbacks
// inside point at it).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/auth/eap_phase.hh"
#include "control/auth/eap_tls_context.hh"
#include "control/certs/store_events.hh"
#include "control/handshake/tls_endpoint.hh"
#include "control/http/request_parser.hh"
#include "control/pool/ip_pool.hh"
#include "control/ppp/link.hh"
#include "control/sessions/session_info.hh"
#include "control/sessions/session_pool.hh"
#include "control/sessions/session_types.hh"
#include "control/sstp/server_call.hh"
#include "dataplane/common/counters.hh"

namespace sstpgw::sessions {

struct server_session_config {
  // Shared by all sessions; must outlive them.
  handshake::tls_context outer_tls;                 // server context, record_protection::offload
  auth::eap_tls_server_factory* eap_tls = nullptr;  // EAP-TLS server side with the certificate store
  pool::ip_pool* pool = nullptr;

  // A client that never finishes the outer handshake is dropped after this.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
  http::request_config http;                        // its timeout runs from the end of the handshake
  std::string http_server = "sstpgw";               // the Server header of our replies
  sstp::server_call_config call;                    // timers, offered hashes
  ppp::lcp_config lcp = ppp::lcp_config::server();  // require_auth must stay EAP
  ppp::fsm_config ipcp_fsm;
  std::chrono::milliseconds eap_retransmit{3000};
  uint8_t eap_max_retransmits = 10;
  auth::reassembly_limits eap_limits;
  ipv4_address gateway_address;  // our end of the PPP link (IPCP)
  std::optional<ipv4_address> dns_primary;
  std::optional<ipv4_address> dns_secondary;
};

class server_session {
 public:
  // `wall_now` is the calendar time at `now`; later calendar times are derived
  // from the steady times passed in (certificate checks, HTTP Date).
  server_session(const server_session_config& config, session_id id, time_point now, wall_time wall_now);
  ~server_session();
  server_session(const server_session&) = delete;
  server_session& operator=(const server_session&) = delete;

  // ---- inputs ----
  void on_stream_bytes(stream_phase phase, std::span<const uint8_t> bytes, time_point now);
  void on_sstp_packet(std::span<const uint8_t> packet, time_point now);
  // The worker reports the TCP connection gone (peer FIN/RST, TLS alert, framing, our close).
  void on_closed(std::string_view reason, time_point now);
  void on_timer(time_point now);
  time_point next_deadline() const;
  // Operator: disconnect now (LCP Terminate, CALL_DISCONNECT, then close).
  void kill(std::string_view reason, time_point now);
  // A certificate store change; ends the session at once (LCP Terminate,
  // CALL_DISCONNECT, close) if it withdraws the trust this session was
  // admitted under. True if it did.
  bool on_store_event(const certs::store_event& event, time_point now);
  // The worker saw data packets of this session (its stats): restarts the SSTP hello timer.
  void note_activity(time_point now);

  // ---- outputs ----
  std::vector<session_action> take_actions() { return std::exchange(actions_, {}); }
  std::vector<session_event> take_events() { return std::exchange(events_, {}); }

  // ---- for the registry ----
  session_state state() const;
  bool ended() const { return ended_; }
  stream_phase phase() const { return phase_; }
  const session_info& info() const { return info_; }
  // This session's SSTP call counters (the registry sums them for `sstpctl stats`).
  const counter_set<sstp::call_counter>& call_counters() const { return call_counters_; }
  bool data_path_is_up() const { return data_path_up_; }

 private:
  wall_time wall(time_point now) const { return wall_start_ + (now - steady_start_); }
  void touch(time_point now);
  void handle_raw(std::span<const uint8_t> bytes, time_point now);
  void handle_http(std::span<const uint8_t> bytes, time_point now);
  void start_link(time_point now);
  void pump(time_point now);
  void on_call_event(const sstp::call_event& e, time_point now);
  void on_link_event(ppp::link_event e, time_point now);
  void on_verdict(const certs::verify_result& r);
  void check_data_path(time_point now);
  void teardown_data(time_point now);
  void set_reason(std::string reason);
  std::string call_abort_cause() const;
  // Polite immediate end: LCP Terminate-Request, CALL_DISCONNECT, close.
  void disconnect_now(std::string reason, time_point now);
  void finish(std::string reason, bool graceful, time_point now);
  void emit(session_action a) { actions_.push_back(std::move(a)); }
  void event(session_event_kind k, std::string text = {}, std::optional<ipv4_address> a = {}) {
    events_.push_back({k, std::move(text), a});
  }

  server_session_config config_;
  session_id id_;
  std::string name_;  // log prefix
  time_point steady_start_;
  wall_time wall_start_;
  int64_t wall_seconds_ = 0;  // the latest input's calendar time, for certificate checks

  stream_phase phase_ = stream_phase::raw;
  uint64_t raw_received_ = 0;
  uint64_t http_received_ = 0;
  time_point handshake_deadline_;
  std::optional<handshake::tls_endpoint> tls_;
  std::optional<http::request_parser> http_;
  sstp::cert_hashes server_cert_;
  counter_set<sstp::call_counter> call_counters_;
  std::optional<sstp::server_call> call_;
  // Declared before link_: IPCP gives its address back through it when destroyed.
  std::unique_ptr<session_pool> pool_;
  std::unique_ptr<ppp::ppp_link> link_;
  auth::eap_server_phase* eap_ = nullptr;  // owned by link_
  std::optional<int64_t> creds_expire_;    // the chain's earliest notAfter (Unix seconds)

  bool binding_ok_ = false;
  bool network_up_ = false;
  bool data_path_up_ = false;
  bool pumping_ = false;
  bool ended_ = false;
  session_info info_;
  std::vector<session_action> actions_;
  std::vector<session_event> events_;
};

}  // namespace sstpgw::sessions
