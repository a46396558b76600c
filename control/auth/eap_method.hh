// The seam between the EAP state machines (eap_authenticator, eap_peer) and a
// method (EAP-TLS). A method sees only its own Type-Data; identifiers,
// retransmission and Success/Failure belong to the state machines.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/auth/eap_keys.hh"

namespace sstpgw::auth {

// What the server side of a method wants next.
struct server_step {
  enum class action : uint8_t { request, success, failure };
  action what = action::failure;
  std::vector<uint8_t> type_data;  // request: the next Request's Type-Data
  std::string reason;              // failure: which check failed, for the log

  static server_step request(std::vector<uint8_t> d) { return {action::request, std::move(d), {}}; }
  static server_step success() { return {action::success, {}, {}}; }
  static server_step failure(std::string why) { return {action::failure, {}, std::move(why)}; }
};

class eap_server_method {
 public:
  virtual ~eap_server_method() = default;
  virtual uint8_t type() const = 0;
  virtual server_step start() = 0;
  virtual server_step on_response(std::span<const uint8_t> type_data) = 0;
  // Valid after a success step.
  virtual std::optional<eap_keys> keys() const = 0;
  // Who authenticated (e.g. the client certificate subject), for the log.
  virtual std::string peer_name() const { return {}; }
};

// What the peer side of a method answers.
struct peer_step {
  bool ok = true;                  // false: the method failed (reason set)
  std::vector<uint8_t> type_data;  // the Response's Type-Data (sent even when !ok, e.g. an alert)
  std::string reason;
};

class eap_peer_method {
 public:
  virtual ~eap_peer_method() = default;
  virtual uint8_t type() const = 0;
  virtual peer_step on_request(std::span<const uint8_t> type_data) = 0;
  // Whether an EAP-Success now would be genuine (the method really completed).
  virtual bool may_accept_success() const = 0;
  virtual std::optional<eap_keys> keys() const = 0;
};

}  // namespace sstpgw::auth
