// EAP-TLS as the PPP link's authentication phase: the server side wraps the
// authenticator (the method made per identity, fragments sized from the peer's
// MRU), the client side wraps the peer. The session owner keeps a pointer to
// read the keys (for the SSTP crypto binding) after link_event::authenticated.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "control/auth/eap_authenticator.hh"
#include "control/auth/eap_peer.hh"
#include "control/auth/eap_tls_fragments.hh"
#include "control/auth/tls_session.hh"
#include "control/ppp/auth_phase.hh"

namespace sstpgw::auth {

struct eap_server_phase_config {
  // A fresh server TLS session for a client that gave this EAP identity.
  std::function<std::unique_ptr<tls_session>(const std::string& identity)> make_tls;
  std::chrono::milliseconds retransmit_interval{3000};
  uint8_t max_retransmits = 10;
  reassembly_limits limits;
  std::string name = "EAP";
};

class eap_server_phase final : public ppp::auth_phase {
 public:
  explicit eap_server_phase(eap_server_phase_config config) : config_(std::move(config)) {}

  uint16_t protocol() const override;
  void start(const ppp::lcp_negotiated& lcp, size_t max_send, time_point now) override;
  void receive(std::span<const uint8_t> info, time_point now) override;
  void on_timer(time_point now) override;
  time_point next_deadline() const override;
  std::vector<ppp::outgoing_packet> take_packets() override;
  result status() const override;
  std::string reason() const override;

  // After success: MSK/EMSK (sstp::hlak_candidates::eap_tls(msk) gives the crypto-binding HLAKs).
  const std::optional<eap_keys>& keys() const;
  std::string identity() const;
  // The authenticated certificate's subject.
  std::string peer_name() const;

 private:
  eap_server_phase_config config_;
  std::optional<eap_authenticator> authenticator_;
};

struct eap_peer_phase_config {
  std::string identity;
  std::function<std::unique_ptr<tls_session>()> make_tls;
  reassembly_limits limits;
  std::string name = "EAP-peer";
};

class eap_peer_phase final : public ppp::auth_phase {
 public:
  explicit eap_peer_phase(eap_peer_phase_config config) : config_(std::move(config)) {}

  uint16_t protocol() const override;
  void start(const ppp::lcp_negotiated& lcp, size_t max_send, time_point now) override;
  void receive(std::span<const uint8_t> info, time_point now) override;
  void on_timer(time_point) override {}  // the authenticator retransmits, not the peer
  time_point next_deadline() const override { return ppp::kNoDeadline; }
  std::vector<ppp::outgoing_packet> take_packets() override;
  result status() const override;
  std::string reason() const override;

  const std::optional<eap_keys>& keys() const;
  // Before Success: the method's keys once its handshake completed.
  std::optional<eap_keys> method_keys() const { return peer_ ? peer_->method_keys() : std::nullopt; }

 private:
  eap_peer_phase_config config_;
  std::optional<eap_peer> peer_;
};

}  // namespace sstpgw::auth
