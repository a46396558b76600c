// The EAP peer (RFC 3748, the client side): answers Identity and Notification,
// Naks methods it does not run, hands its method's Requests to the method and
// accepts Success only when the method really completed. The authenticator
// retransmits; the peer answers a duplicate Request with its previous Response.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "control/auth/eap_authenticator.hh"
#include "control/auth/eap_method.hh"

namespace sstpgw::auth {

struct peer_config {
  std::string identity;
  uint8_t method_type = kEapTypeTls;
  std::function<std::unique_ptr<eap_peer_method>()> make_method;
  std::string name = "EAP-peer";
};

class eap_peer {
 public:
  explicit eap_peer(peer_config config);

  void receive(std::span<const uint8_t> packet, time_point now);
  std::vector<ppp::outgoing_packet> take_packets() { return std::exchange(out_, {}); }

  auth_status status() const { return status_; }
  const std::string& reason() const { return reason_; }
  const std::optional<eap_keys>& keys() const { return keys_; }
  // The method's keys as soon as its handshake completed, before Success
  // arrives (an SSTP client may bind its call early, as sstp-client does).
  std::optional<eap_keys> method_keys() const { return method_ ? method_->keys() : std::nullopt; }

 private:
  void respond(uint8_t id, uint8_t type, std::span<const uint8_t> type_data);
  void fail(std::string reason);

  peer_config config_;
  auth_status status_ = auth_status::running;
  std::unique_ptr<eap_peer_method> method_;
  std::optional<uint8_t> last_request_id_;
  std::vector<uint8_t> last_request_;
  std::vector<uint8_t> last_response_;
  std::string reason_;
  std::optional<eap_keys> keys_;
  std::vector<ppp::outgoing_packet> out_;
};

}  // namespace sstpgw::auth
