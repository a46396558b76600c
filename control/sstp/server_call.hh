// The SSTP server's call state machine (MS-SSTP 3.3), sans-I/O. Created when
// the HTTP exchange succeeded (Server_Connect_Request_Pending):
//
//   CONNECT_REQUEST  -> CONNECT_ACK (fresh 32-byte nonce, offered hashes),
//                       `link_up`, Server_Call_Connected_Pending, negotiation timer
//                       (unacceptable: CONNECT_NAK listing why; after max_naks
//                       NAKs, CALL_ABORT RETRY_COUNT_EXCEEDED)
//   authenticated()  -> HLAK candidates known (PPP authentication finished)
//   CALL_CONNECTED   -> verified once the HLAKs are known (held until then:
//                       sstp-client sends it before authentication ends); ok:
//                       `connected`, Server_Call_Connected, hello timer; bad:
//                       CALL_ABORT
//
// Until then only PPP control frames pass either way; data frames are dropped
// and counted. The negotiation timer also runs in Server_Connect_Request_Pending
// (the spec names none there) so a silent client cannot hold a connection.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "control/sstp/call_endpoint.hh"
#include "control/sstp/crypto_binding.hh"

namespace sstpgw::sstp {

struct server_call_config {
  call_timers timers;
  uint8_t offered_hashes = kHashSha1 | kHashSha256;
  unsigned max_naks = 3;   // unacceptable CONNECT_REQUESTs answered with a NAK; the next one aborts
  std::string name;        // log prefix, e.g. the peer address
};

class server_call final : public call_endpoint {
 public:
  // `server_cert` hashes the leaf certificate presented on *this* connection.
  server_call(const server_call_config& config, const cert_hashes& server_cert,
              counter_set<call_counter>& counters, time_point now);

  // Inner Authentication Completed (3.3.4.1): PPP authentication succeeded
  // with these HLAK candidates (hlak_candidates::zero() for no-key methods).
  void authenticated(const hlak_candidates& hlaks, time_point now);

  // The nonce sent in CONNECT_ACK (for tests and logs).
  const nonce_bytes& nonce() const { return nonce_; }
  // Set once the binding verified.
  std::optional<binding_verdict> binding() const { return binding_; }

 private:
  void on_setup_message(const control_message& m, std::span<const uint8_t> packet, time_point now) override;
  void on_connect_request(const control_message& m, time_point now);
  void on_call_connected(const control_message& m, std::span<const uint8_t> packet, time_point now);
  void verify_binding(std::span<const uint8_t> packet, time_point now);

  server_call_config config_;
  cert_hashes server_cert_;
  nonce_bytes nonce_{};
  unsigned naks_sent_ = 0;
  std::optional<hlak_candidates> hlaks_;
  std::array<uint8_t, kCallConnectedSize> queued_call_connected_{};
  bool have_queued_ = false;
  std::optional<binding_verdict> binding_;
};

}  // namespace sstpgw::sstp
