// What the session registry (and `sstpctl session list`) sees of one session:
// where it is, who authenticated, with which certificate, which address it
// holds, how the crypto binding matched, and when each step happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control/certs/chain_verifier.hh"
#include "control/sessions/session_types.hh"
#include "control/sstp/crypto_binding.hh"
#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::sessions {

enum class session_state : uint8_t {
  tls_handshake,   // raw phase: the outer TLS handshake
  http_request,    // waiting for SSTP_DUPLEX_POST
  sstp_setup,      // waiting for CALL_CONNECT_REQUEST, or LCP negotiating
  authenticating,  // EAP-TLS
  network,         // authenticated; IPCP and/or the crypto binding not done yet
  up,              // data path up: binding verified and IPCP opened
  closing,         // SSTP abort/disconnect or PPP terminate in progress
  closed,          // the close action went out (or the connection is gone)
};
std::string_view to_string(session_state s);

using wall_time = std::chrono::system_clock::time_point;

struct session_timestamps {
  wall_time started{};
  std::optional<wall_time> tls_established;
  std::optional<wall_time> http_accepted;
  std::optional<wall_time> authenticated;
  std::optional<wall_time> data_path_up;
  std::optional<wall_time> ended;
};

struct session_info {
  session_id id;
  std::string tls_version;  // outer TLS: "TLSv1.3"
  std::string tls_cipher;   // "TLS_AES_128_GCM_SHA256"
  std::string http_host;
  std::string correlation_id;
  std::string eap_identity;
  std::string certificate_subject;                        // the client certificate's subject
  std::optional<certs::session_credentials> credentials;  // once the store accepted the chain
  std::optional<ipv4_address> address;                    // held from the pool
  std::optional<sstp::hash_protocol> binding_hash;        // once the binding verified
  std::optional<sstp::hlak_form> hlak_form;               // which HLAK candidate matched
  session_timestamps times;
  std::string end_reason;  // one line, once ended
};

}  // namespace sstpgw::sessions
