#include "control/auth/eap_phase.hh"

#include "control/auth/eap_tls_peer.hh"
#include "control/auth/eap_tls_server.hh"
#include "dataplane/ppp/protocol.hh"

namespace sstpgw::auth {

namespace {

ppp::auth_phase::result to_result(auth_status s) {
  switch (s) {
    case auth_status::succeeded:
      return ppp::auth_phase::result::succeeded;
    case auth_status::failed:
      return ppp::auth_phase::result::failed;
    default:
      return ppp::auth_phase::result::pending;
  }
}

const std::optional<eap_keys> kNoKeys;

}  // namespace

// ---- server ------------------------------------------------------------------

uint16_t eap_server_phase::protocol() const { return ppp::kProtoEap; }

void eap_server_phase::start(const ppp::lcp_negotiated&, size_t max_send, time_point now) {
  if (authenticator_) return;
  authenticator_config ac;
  ac.retransmit_interval = config_.retransmit_interval;
  ac.max_retransmits = config_.max_retransmits;
  ac.name = config_.name;
  ac.make_method = [this, max_send](const std::string& identity) -> std::unique_ptr<eap_server_method> {
    std::unique_ptr<tls_session> tls = config_.make_tls ? config_.make_tls(identity) : nullptr;
    if (!tls) return nullptr;
    return std::make_unique<eap_tls_server>(std::move(tls),
                                            eap_tls_config{.max_packet = max_send, .limits = config_.limits});
  };
  authenticator_.emplace(std::move(ac));
  authenticator_->start(now);
}

void eap_server_phase::receive(std::span<const uint8_t> info, time_point now) {
  if (authenticator_) authenticator_->receive(info, now);
}

void eap_server_phase::on_timer(time_point now) {
  if (authenticator_) authenticator_->on_timer(now);
}

time_point eap_server_phase::next_deadline() const {
  return authenticator_ ? authenticator_->next_deadline() : ppp::kNoDeadline;
}

std::vector<ppp::outgoing_packet> eap_server_phase::take_packets() {
  return authenticator_ ? authenticator_->take_packets() : std::vector<ppp::outgoing_packet>{};
}

ppp::auth_phase::result eap_server_phase::status() const {
  return authenticator_ ? to_result(authenticator_->status()) : result::pending;
}

std::string eap_server_phase::reason() const { return authenticator_ ? authenticator_->reason() : ""; }

const std::optional<eap_keys>& eap_server_phase::keys() const {
  return authenticator_ ? authenticator_->keys() : kNoKeys;
}

std::string eap_server_phase::identity() const { return authenticator_ ? authenticator_->identity() : ""; }

std::string eap_server_phase::peer_name() const { return authenticator_ ? authenticator_->peer_name() : ""; }

// ---- peer --------------------------------------------------------------------

uint16_t eap_peer_phase::protocol() const { return ppp::kProtoEap; }

void eap_peer_phase::start(const ppp::lcp_negotiated&, size_t max_send, time_point) {
  if (peer_) return;
  peer_config pc;
  pc.identity = config_.identity;
  pc.name = config_.name;
  pc.make_method = [this, max_send]() -> std::unique_ptr<eap_peer_method> {
    std::unique_ptr<tls_session> tls = config_.make_tls ? config_.make_tls() : nullptr;
    if (!tls) return nullptr;
    return std::make_unique<eap_tls_peer>(std::move(tls),
                                          eap_tls_config{.max_packet = max_send, .limits = config_.limits});
  };
  peer_.emplace(std::move(pc));
}

void eap_peer_phase::receive(std::span<const uint8_t> info, time_point now) {
  if (peer_) peer_->receive(info, now);
}

std::vector<ppp::outgoing_packet> eap_peer_phase::take_packets() {
  return peer_ ? peer_->take_packets() : std::vector<ppp::outgoing_packet>{};
}

ppp::auth_phase::result eap_peer_phase::status() const {
  return peer_ ? to_result(peer_->status()) : result::pending;
}

std::string eap_peer_phase::reason() const { return peer_ ? peer_->reason() : ""; }

const std::optional<eap_keys>& eap_peer_phase::keys() const { return peer_ ? peer_->keys() : kNoKeys; }

}  // namespace sstpgw::auth
