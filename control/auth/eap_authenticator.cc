#include "control/auth/eap_authenticator.hh"

#include <algorithm>
#include <utility>

#include "dataplane/common/log.hh"
#include "dataplane/ppp/protocol.hh"

namespace sstpgw::auth {

std::string_view to_string(auth_status s) {
  switch (s) {
    case auth_status::idle:
      return "idle";
    case auth_status::running:
      return "running";
    case auth_status::succeeded:
      return "succeeded";
    case auth_status::failed:
      return "failed";
  }
  return "?";
}

namespace {

// Identities are for the log; keep them printable and short.
std::string printable(std::span<const uint8_t> data) {
  std::string s;
  for (uint8_t c : data.first(std::min<size_t>(data.size(), 253)))
    s += (c >= 0x20 && c < 0x7F) ? char(c) : '?';
  return s;
}

}  // namespace

eap_authenticator::eap_authenticator(authenticator_config config)
    : config_(std::move(config)), id_(static_cast<uint8_t>(config_.first_identifier - 1)) {}

void eap_authenticator::start(time_point now) {
  if (status_ != auth_status::idle) return;
  status_ = auth_status::running;
  send_request(kEapTypeIdentity, {}, now);
}

void eap_authenticator::send_request(uint8_t type, std::vector<uint8_t> type_data, time_point now) {
  ++id_;
  last_request_ = build_eap(eap_code::request, id_, type, type_data);
  out_.push_back({ppp::kProtoEap, last_request_});
  retransmits_ = 0;
  deadline_ = now + config_.retransmit_interval;
}

void eap_authenticator::on_timer(time_point now) {
  if (status_ != auth_status::running || deadline_ == ppp::kNoDeadline || now < deadline_) return;
  if (retransmits_ >= config_.max_retransmits) {
    finish(false, id_,
           "no response to EAP Request after " + std::to_string(retransmits_) + " retransmissions");
    return;
  }
  ++retransmits_;
  out_.push_back({ppp::kProtoEap, last_request_});
  deadline_ = now + config_.retransmit_interval;
}

void eap_authenticator::finish(bool success, uint8_t identifier, std::string reason) {
  status_ = success ? auth_status::succeeded : auth_status::failed;
  deadline_ = ppp::kNoDeadline;
  reason_ = std::move(reason);
  out_.push_back(
      {ppp::kProtoEap, build_eap_result(success ? eap_code::success : eap_code::failure, identifier)});
  if (success) {
    log(log_level::info, config_.name, "authenticated identity '{}'{}{}", identity_,
        peer_name_.empty() ? "" : " as ", peer_name_);
  } else {
    log(log_level::warn, config_.name, "authentication failed for identity '{}': {}", identity_, reason_);
  }
}

void eap_authenticator::receive(std::span<const uint8_t> packet, time_point now) {
  if (status_ != auth_status::running) return;
  eap_packet p;
  const eap_parse_status st = parse_eap(packet, p);
  if (st != eap_parse_status::ok) {
    log(log_level::debug, config_.name, "discarding EAP packet: {}", to_string(st));
    return;
  }
  // Only a Response to the outstanding Request counts (RFC 3748 §4.1); others,
  // including duplicates of earlier Responses, are silently discarded.
  if (p.code != eap_code::response || p.identifier != id_) return;

  if (!method_) {
    if (p.type != kEapTypeIdentity) {
      log(log_level::debug, config_.name, "expected Identity, got type {}", p.type);
      return;
    }
    identity_ = printable(p.type_data);
    if (!config_.make_method) {
      finish(false, p.identifier, "no EAP method configured");
      return;
    }
    method_ = config_.make_method(identity_);
    if (!method_) {
      finish(false, p.identifier, "no EAP method for identity '" + identity_ + "'");
      return;
    }
    apply(method_->start(), p.identifier, now);
    return;
  }

  if (p.type == kEapTypeNak) {
    std::string wanted;
    for (uint8_t t : p.type_data) wanted += (wanted.empty() ? "" : ",") + std::to_string(t);
    finish(false, p.identifier,
           "peer refuses EAP type " + std::to_string(method_->type()) + " (Nak, wants " +
               (wanted.empty() ? std::string("none") : wanted) + ")");
    return;
  }
  if (p.type != method_->type()) {
    log(log_level::debug, config_.name, "discarding Response of type {}", p.type);
    return;
  }
  apply(method_->on_response(p.type_data), p.identifier, now);
}

void eap_authenticator::apply(server_step step, uint8_t response_id, time_point now) {
  switch (step.what) {
    case server_step::action::request:
      send_request(method_->type(), std::move(step.type_data), now);
      break;
    case server_step::action::success:
      keys_ = method_->keys();
      peer_name_ = method_->peer_name();
      if (!keys_) {
        finish(false, response_id, "method succeeded without keying material");
        break;
      }
      finish(true, response_id, {});
      break;
    case server_step::action::failure:
      peer_name_ = method_->peer_name();
      finish(false, response_id, std::move(step.reason));
      break;
  }
}

}  // namespace sstpgw::auth
