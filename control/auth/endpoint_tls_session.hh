// The tls_session EAP-TLS drives, on the gateway's one TLS engine: a
// handshake::tls_endpoint whose records stay in OpenSSL (keep mode) over the
// same memory BIOs. The EAP-TLS server and peer see only records in, records
// out, the exporter and the outcome; contexts come from eap_tls_context.hh.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/auth/tls_session.hh"
#include "control/handshake/tls_endpoint.hh"

namespace sstpgw::auth {

class endpoint_tls_session final : public tls_session {
 public:
  // `context` must keep records (record_protection::keep). A client endpoint
  // produces its ClientHello at once; start() only makes it visible.
  explicit endpoint_tls_session(const handshake::tls_context& context,
                                handshake::endpoint_options options = {});

  void start() override {}
  void feed(std::span<const uint8_t> records) override;
  std::vector<uint8_t> take_output() override { return endpoint_.take_output(); }
  tls_state state() const override;
  std::string failure_reason() const override;
  uint16_t version() const override;
  bool export_keying_material(std::span<uint8_t> out, std::string_view label,
                              std::span<const uint8_t> context, bool use_context) override;
  void write_app(std::span<const uint8_t> data) override;
  std::vector<uint8_t> read_app() override { return std::exchange(app_in_, {}); }
  std::string peer_subject() const override;

  // The engine underneath (tests compare with its exporter and peer chain).
  const handshake::tls_endpoint& endpoint() const { return endpoint_; }

 private:
  handshake::tls_endpoint endpoint_;
  bool failed_after_handshake_ = false;
  std::vector<uint8_t> app_in_;
};

}  // namespace sstpgw::auth
