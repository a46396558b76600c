// EAP-TLS, the peer side: answers Start with the ClientHello, carries the
// handshake in MRU-sized fragments, acknowledges the server's fragments and
// its last flight, and accepts Success only after the handshake completed
// (and, with TLS 1.3, after the protected success indication arrived).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "control/auth/eap_method.hh"
#include "control/auth/eap_packet.hh"
#include "control/auth/eap_tls_fragments.hh"
#include "control/auth/eap_tls_server.hh"
#include "control/auth/tls_session.hh"

namespace sstpgw::auth {

class eap_tls_peer final : public eap_peer_method {
 public:
  eap_tls_peer(std::unique_ptr<tls_session> tls, eap_tls_config config);

  uint8_t type() const override { return kEapTypeTls; }
  peer_step on_request(std::span<const uint8_t> type_data) override;
  bool may_accept_success() const override;
  std::optional<eap_keys> keys() const override { return keys_; }

  uint16_t tls_version() const { return tls_->version(); }
  tls_session& tls() { return *tls_; }

 private:
  peer_step send(std::vector<uint8_t> message);
  peer_step fail(std::string why, std::vector<uint8_t> alert = {});

  std::unique_ptr<tls_session> tls_;
  eap_tls_config config_;
  bool started_ = false;
  bool success_indication_ = false;
  tls_fragmenter out_;
  tls_reassembler in_;
  std::optional<eap_keys> keys_;
};

}  // namespace sstpgw::auth
