// What a control-thread session object takes and gives (the contract in the
// gateway protocol brief): session identity, the phase a byte stream belongs
// to, the actions that mirror the to_worker messages, and the events the
// session registry hears. Plain data; no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "control/handshake/key_export.hh"
#include "dataplane/common/ipv4_address.hh"
#include "dataplane/ppp/frame.hh"
#include "dataplane/session/session_id.hh"

namespace sstpgw::sessions {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
inline constexpr time_point kNoDeadline = time_point::max();

// The worker and the control thread name a connection the same way.
using session::session_id;

// Which stream a byte belongs to: before install_keys (raw TLS), between
// install_keys and start_sstp (HTTP plaintext), after (SSTP plaintext).
enum class stream_phase : uint8_t { raw, http, sstp };
std::string_view to_string(stream_phase p);

// ---- actions: one per to_worker message ----

struct send_raw {
  std::vector<uint8_t> bytes;  // handshake output, passed to TCP unchanged
};

// Keys wiped when the action is destroyed (after the owner copied them into
// the ring message).
struct install_keys {
  handshake::offload_keys keys;
  uint64_t consumed = 0;          // raw bytes the handshake used
  std::vector<uint8_t> returned;  // raw bytes received beyond `consumed`: feed them first

  install_keys() = default;
  install_keys(install_keys&&) = default;
  install_keys& operator=(install_keys&&) = default;
  ~install_keys() { handshake::wipe(keys); }
};

struct send_plaintext {
  std::vector<uint8_t> bytes;  // sealed into records by the worker
};

struct start_sstp {
  uint64_t consumed = 0;          // HTTP plaintext bytes the request used
  std::vector<uint8_t> returned;  // plaintext received beyond `consumed`: SSTP, frame it first
};

// Bytes of a phase that had already ended, bounced back in order.
struct returned_bytes {
  std::vector<uint8_t> bytes;
};

struct data_path_up {
  ipv4_address client_ip;
  ppp::header_form form;        // how to write PPP headers towards the client
  uint16_t max_send_frame = 0;  // largest PPP information field the client takes (its MRU)
};

struct data_path_down {};

struct close_connection {
  // true: flush queued records, close_notify (once keys are installed), FIN.
  // false: RST.
  bool graceful = true;
};

using session_action = std::variant<send_raw, install_keys, send_plaintext, start_sstp, returned_bytes,
                                    data_path_up, data_path_down, close_connection>;
std::string_view action_name(const session_action& a);

// ---- events for the registry ----

enum class session_event_kind : uint8_t {
  tls_established,   // text: "TLSv1.3 TLS_AES_128_GCM_SHA256"
  http_accepted,     // text: Host and correlation id
  authenticated,     // text: EAP identity and certificate subject (details in the session's info)
  address_assigned,  // address: taken from the pool
  address_released,  // address: given back (exactly once per assignment)
  data_path_up,      // address: registered with the worker
  data_path_down,
  closed,  // text: one line, why the session ended
};
std::string_view to_string(session_event_kind k);

struct session_event {
  session_event_kind kind = session_event_kind::closed;
  std::string text;
  std::optional<ipv4_address> address;
};

}  // namespace sstpgw::sessions
