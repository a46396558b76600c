// The EAP authenticator (RFC 3748 §4, the server side): Identity Request, then
// the method chosen for that identity, then Success or Failure. Sans-I/O:
// EAP packets in, EAP packets out (as PPP 0xC227 information fields), time
// passed in; Requests are retransmitted on the owner's timer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "control/auth/eap_method.hh"
#include "control/auth/eap_packet.hh"
#include "control/ppp/fsm.hh"

namespace sstpgw::auth {

using ppp::time_point;

struct authenticator_config {
  std::chrono::milliseconds retransmit_interval{3000};
  // Retransmissions of one Request before giving up (pppd's eap-max-sreq is 10).
  uint8_t max_retransmits = 10;
  // Makes the method for an identity (EAP-TLS here). Required.
  std::function<std::unique_ptr<eap_server_method>(const std::string& identity)> make_method;
  uint8_t first_identifier = 1;
  std::string name = "EAP";
};

enum class auth_status : uint8_t { idle, running, succeeded, failed };
std::string_view to_string(auth_status s);

class eap_authenticator {
 public:
  explicit eap_authenticator(authenticator_config config);

  // Sends the Identity Request.
  void start(time_point now);
  // One EAP packet from the peer.
  void receive(std::span<const uint8_t> packet, time_point now);
  void on_timer(time_point now);
  time_point next_deadline() const { return deadline_; }

  std::vector<ppp::outgoing_packet> take_packets() { return std::exchange(out_, {}); }
  auth_status status() const { return status_; }
  const std::string& identity() const { return identity_; }
  const std::string& peer_name() const { return peer_name_; }
  // Why authentication failed ("" unless failed).
  const std::string& reason() const { return reason_; }
  // The method's keys, after success.
  const std::optional<eap_keys>& keys() const { return keys_; }

 private:
  void send_request(uint8_t type, std::vector<uint8_t> type_data, time_point now);
  void apply(server_step step, uint8_t response_id, time_point now);
  void finish(bool success, uint8_t identifier, std::string reason);

  authenticator_config config_;
  auth_status status_ = auth_status::idle;
  std::unique_ptr<eap_server_method> method_;
  uint8_t id_;
  std::vector<uint8_t> last_request_;  // for retransmission
  uint8_t retransmits_ = 0;
  time_point deadline_ = ppp::kNoDeadline;
  std::string identity_;
  std::string peer_name_;
  std::string reason_;
  std::optional<eap_keys> keys_;
  std::vector<ppp::outgoing_packet> out_;
};

}  // namespace sstpgw::auth
