#include "control/auth/endpoint_tls_session.hh"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "control/handshake/credentials.hh"

namespace sstpgw::auth {

endpoint_tls_session::endpoint_tls_session(const handshake::tls_context& context,
                                           handshake::endpoint_options options)
    : endpoint_(context, std::move(options)) {}

void endpoint_tls_session::feed(std::span<const uint8_t> records) {
  if (endpoint_.feed(records) != handshake::handshake_state::complete) return;
  // Past the handshake: application data (TLS 1.3's protected success
  // indication) and alerts; a fatal one fails the endpoint.
  endpoint_.read_app(app_in_);
  if (endpoint_.state() == handshake::handshake_state::failed) failed_after_handshake_ = true;
}

tls_state endpoint_tls_session::state() const {
  switch (endpoint_.state()) {
    case handshake::handshake_state::in_progress:
      return tls_state::handshaking;
    case handshake::handshake_state::complete:
      return tls_state::established;
    case handshake::handshake_state::failed:
      break;
  }
  return tls_state::failed;
}

std::string endpoint_tls_session::failure_reason() const {
  if (endpoint_.state() != handshake::handshake_state::failed) return {};
  return (failed_after_handshake_ ? "TLS failed: " : "TLS handshake failed: ") +
         endpoint_.failure().describe();
}

uint16_t endpoint_tls_session::version() const {
  if (endpoint_.state() != handshake::handshake_state::complete) return 0;
  return static_cast<uint16_t>(endpoint_.version());
}

bool endpoint_tls_session::export_keying_material(std::span<uint8_t> out, std::string_view label,
                                                  std::span<const uint8_t> context, bool use_context) {
  std::optional<std::span<const uint8_t>> ctx;
  if (use_context) ctx = context;
  auto km = endpoint_.export_keying_material(label, ctx, out.size());
  if (!km || km->size() != out.size()) return false;
  std::copy(km->begin(), km->end(), out.begin());
  OPENSSL_cleanse(km->data(), km->size());
  return true;
}

void endpoint_tls_session::write_app(std::span<const uint8_t> data) {
  if (endpoint_.state() != handshake::handshake_state::complete || data.empty()) return;
  if (!endpoint_.write_app(data)) failed_after_handshake_ = true;
}

std::string endpoint_tls_session::peer_subject() const {
  const auto& chain = endpoint_.peer_chain();
  return chain.empty() ? std::string() : handshake::subject_of(chain.front().get());
}

}  // namespace sstpgw::auth
