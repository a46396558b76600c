// EAP-TLS, the server side (RFC 5216 §2.1, RFC 9190 §2.1): Start, the
// handshake carried in fragments sized from the peer's MRU, then Success once
// the peer acknowledges our last flight. With TLS 1.3 the last flight carries
// the one-byte 0x00 application-data record, the protected success indication
// (RFC 9190 §2.5). A TLS failure sends the alert if there is one, then Failure
// with the reason (which certificate check failed).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "control/auth/eap_method.hh"
#include "control/auth/eap_packet.hh"
#include "control/auth/eap_tls_fragments.hh"
#include "control/auth/tls_session.hh"

namespace sstpgw::auth {

struct eap_tls_config {
  // The largest EAP packet we may send: the peer's MRU (ppp::lcp::max_send_size()).
  size_t max_packet = 1500;
  reassembly_limits limits;
};

class eap_tls_server final : public eap_server_method {
 public:
  eap_tls_server(std::unique_ptr<tls_session> tls, eap_tls_config config);

  uint8_t type() const override { return kEapTypeTls; }
  server_step start() override;
  server_step on_response(std::span<const uint8_t> type_data) override;
  std::optional<eap_keys> keys() const override { return keys_; }
  std::string peer_name() const override { return tls_->peer_subject(); }

  uint16_t tls_version() const { return tls_->version(); }
  tls_session& tls() { return *tls_; }

 private:
  enum class phase : uint8_t { idle, handshake, finishing, failing, done };

  server_step send(std::vector<uint8_t> message);
  server_step fail(std::string why);

  std::unique_ptr<tls_session> tls_;
  eap_tls_config config_;
  phase phase_ = phase::idle;
  tls_fragmenter out_;
  tls_reassembler in_;
  std::string failure_;
  std::optional<eap_keys> keys_;
};

}  // namespace sstpgw::auth
