// One SSTP tunnel from the client's side, sans-I/O: the outer TLS (our
// tls_endpoint in keep mode, server name verified) with client_session on its
// plaintext. TCP bytes in, TCP bytes out, time passed in; IPv4 packets in and
// out once up. The owner (the socket loop, a test) moves bytes, calls
// on_timer() at next_deadline(), and closes the connection once finished()
// and the output is flushed; result() then says why, as an exit status and
// one line.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/client/ending.hh"
#include "control/client/exit_status.hh"
#include "control/handshake/tls_endpoint.hh"
#include "control/sessions/client_session.hh"

namespace sstpgw::client {

using sessions::time_point;

struct tunnel_client_config {
  handshake::tls_context outer_tls;  // a client context with record_protection::keep
  std::string server_name;           // SNI and the name the certificate must match
  // session.eap_tls must outlive the tunnel_client.
  sessions::client_session_config session;
  std::chrono::milliseconds setup_timeout{std::chrono::seconds(30)};
  // When the run started (DNS and TCP connect count against the timeout too);
  // default: when the tunnel_client is made.
  std::optional<time_point> started;
  // After disconnect(): how long the SSTP/PPP goodbye may take before the
  // connection is simply closed.
  std::chrono::milliseconds disconnect_grace{std::chrono::seconds(8)};
};

enum class tunnel_stage : uint8_t { tls, http, sstp_setup, authenticating, network, up, closing, finished };
std::string_view describe(tunnel_stage s);  // "EAP-TLS authentication"

// What the "connected:" line and a TUN device need.
struct tunnel_summary {
  ipv4_address address;  // ours, from IPCP
  ipv4_address peer;     // the gateway's end of the link
  std::optional<ipv4_address> dns_primary;
  std::optional<ipv4_address> dns_secondary;
  std::string tls_version;  // "TLS 1.3"
  std::string tls_cipher;   // OpenSSL's name
  std::string binding;      // "SHA256/msk"
  size_t mtu = 0;           // the largest IPv4 packet the server takes (its MRU)
};

class tunnel_client {
 public:
  tunnel_client(const tunnel_client_config& config, time_point now);
  ~tunnel_client();
  tunnel_client(const tunnel_client&) = delete;
  tunnel_client& operator=(const tunnel_client&) = delete;

  // ---- the TCP connection ----
  void on_tcp_bytes(std::span<const uint8_t> bytes, time_point now);
  // The peer closed (FIN) or the connection failed; `why` is one line.
  void on_tcp_closed(std::string_view why, time_point now);
  std::vector<uint8_t> take_tcp_output();
  bool has_tcp_output() const;

  // ---- time ----
  time_point next_deadline() const;
  void on_timer(time_point now);

  // ---- the user ----
  // Ends politely (PPP Terminate, CALL_DISCONNECT, close_notify); the run
  // then counts as a success.
  void disconnect(time_point now);

  // ---- packets, once up() ----
  bool send_ipv4(std::span<const uint8_t> packet, time_point now);
  std::vector<std::vector<uint8_t>> take_ipv4();

  // ---- state ----
  tunnel_stage stage() const;
  bool up() const { return !finished_ && session_ && session_->up(); }
  bool ever_up() const { return ever_up_; }
  // Nothing more will happen: send what take_tcp_output() holds, then close.
  bool finished() const { return finished_; }
  // Why it finished (valid once finished()).
  const run_result& result() const { return result_; }
  // Valid once up() (or after it was up).
  tunnel_summary summary() const;
  const sessions::client_session* session() const { return session_ ? &*session_ : nullptr; }
  const handshake::tls_endpoint& tls() const { return tls_; }

 private:
  void after_input(time_point now);
  void flush_session();
  void finish(time_point now);
  ending_facts facts() const;

  tunnel_client_config config_;
  std::shared_ptr<int> verify_result_;  // OpenSSL's verdict on the server chain
  handshake::tls_endpoint tls_;
  std::optional<sessions::client_session> session_;
  time_point setup_deadline_;
  std::optional<time_point> disconnect_deadline_;
  bool ever_up_ = false;
  bool local_disconnect_ = false;
  bool timed_out_ = false;
  std::string timeout_stage_;
  bool peer_closed_ = false;
  std::string transport_reason_;
  bool finished_ = false;
  run_result result_;
  std::vector<uint8_t> tcp_out_;
};

}  // namespace sstpgw::client
