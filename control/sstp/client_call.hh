// The SSTP client's call state machine (MS-SSTP 3.2), sans-I/O, for the test
// client and the load generator. Created after the HTTP exchange; sends
// CONNECT_REQUEST at once:
//
//   CONNECT_ACK     -> hash chosen (the stronger supported), nonce kept,
//                      `link_up`, Client_Connect_Ack_Received, negotiation timer
//   CONNECT_NAK     -> CONNECT_REQUEST again, up to max_retries, then CALL_ABORT
//   authenticated() -> CALL_CONNECTED with the compound MAC, `connected`,
//                      Client_Call_Connected, hello timer. Called before the ACK
//                      arrived, it is remembered and acted on at the ACK.
#pragma once

#include <optional>
#include <string>

#include "control/sstp/call_endpoint.hh"
#include "control/sstp/crypto_binding.hh"

namespace sstpgw::sstp {

struct client_call_config {
  call_timers timers;
  uint8_t supported_hashes = kHashSha1 | kHashSha256;
  unsigned max_retries = 3;  // CONNECT_REQUESTs resent after a NAK
  std::string name;
};

class client_call final : public call_endpoint {
 public:
  client_call(const client_call_config& config, counter_set<call_counter>& counters, time_point now);

  // Inner authentication completed: send CALL_CONNECTED bound to this HLAK and
  // to the server certificate seen on this connection.
  void authenticated(const hlak_bytes& hlak, const cert_hashes& server_cert, time_point now);

  // From the CONNECT_ACK (valid once link_up was reported).
  const nonce_bytes& nonce() const { return nonce_; }
  hash_protocol chosen_hash() const { return hash_; }

 private:
  void on_setup_message(const control_message& m, std::span<const uint8_t> packet, time_point now) override;
  void send_connect_request();
  void send_call_connected(time_point now);

  client_call_config config_;
  unsigned retries_ = 0;
  nonce_bytes nonce_{};
  hash_protocol hash_ = hash_protocol::sha256;
  struct pending_auth {
    hlak_bytes hlak;
    cert_hashes server_cert;
  };
  std::optional<pending_auth> auth_;
};

}  // namespace sstpgw::sstp
