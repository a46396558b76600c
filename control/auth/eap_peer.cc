#include "control/auth/eap_peer.hh"

#include <algorithm>
#include <utility>

#include "dataplane/common/log.hh"
#include "dataplane/ppp/protocol.hh"

namespace sstpgw::auth {

eap_peer::eap_peer(peer_config config) : config_(std::move(config)) {}

void eap_peer::respond(uint8_t id, uint8_t type, std::span<const uint8_t> type_data) {
  last_response_ = build_eap(eap_code::response, id, type, type_data);
  out_.push_back({ppp::kProtoEap, last_response_});
}

void eap_peer::fail(std::string reason) {
  if (status_ == auth_status::failed) return;
  status_ = auth_status::failed;
  reason_ = std::move(reason);
  log(log_level::warn, config_.name, "authentication failed: {}", reason_);
}

void eap_peer::receive(std::span<const uint8_t> packet, time_point now) {
  (void)now;
  eap_packet p;
  const eap_parse_status st = parse_eap(packet, p);
  if (st != eap_parse_status::ok) {
    log(log_level::debug, config_.name, "discarding EAP packet: {}", to_string(st));
    return;
  }
  if (status_ == auth_status::succeeded) return;  // nothing after Success changes it

  switch (p.code) {
    case eap_code::success:
      if (status_ == auth_status::failed) return;
      if (!method_ || !method_->may_accept_success()) {
        fail("EAP-Success before the method completed");
        return;
      }
      keys_ = method_->keys();
      if (!keys_) {
        fail("EAP-Success but the method has no keys");
        return;
      }
      status_ = auth_status::succeeded;
      log(log_level::info, config_.name, "authenticated");
      return;
    case eap_code::failure:
      fail(reason_.empty() ? "authenticator sent EAP-Failure" : reason_);
      return;
    case eap_code::response:
      return;
    case eap_code::request:
      break;
  }

  // A retransmitted Request gets the same Response again (RFC 3748 §4.1).
  const bool duplicate =
      last_request_id_ == p.identifier &&
      std::ranges::equal(packet.first(std::min(packet.size(), last_request_.size())), last_request_);
  if (duplicate && !last_response_.empty()) {
    out_.push_back({ppp::kProtoEap, last_response_});
    return;
  }
  last_request_id_ = p.identifier;
  last_request_.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(kEapHeaderLength + 1 +
                                                                                    p.type_data.size()));

  switch (p.type) {
    case kEapTypeIdentity: {
      const auto* id = reinterpret_cast<const uint8_t*>(config_.identity.data());
      respond(p.identifier, kEapTypeIdentity, {id, config_.identity.size()});
      return;
    }
    case kEapTypeNotification:
      log(log_level::info, config_.name, "notification: {}",
          std::string(p.type_data.begin(), p.type_data.end()));
      respond(p.identifier, kEapTypeNotification, {});
      return;
    case kEapTypeNak:
      return;  // only valid in Responses
    default:
      break;
  }
  if (p.type != config_.method_type) {
    const uint8_t wanted[] = {config_.method_type};
    respond(p.identifier, kEapTypeNak, wanted);
    return;
  }
  // A failed method has said its last word; the authenticator ends with Failure.
  if (status_ == auth_status::failed) return;
  if (!method_) {
    method_ = config_.make_method ? config_.make_method() : nullptr;
    if (!method_) {
      fail("no EAP method configured");
      return;
    }
  }
  peer_step step = method_->on_request(p.type_data);
  respond(p.identifier, p.type, step.type_data);
  if (!step.ok) fail(step.reason);
}

}  // namespace sstpgw::auth
