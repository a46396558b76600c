// What the operator commands (`sstpctl session list|show|kill`, the "sessions"
// figures of `status`, `cert list` and `pool show`) need from the session
// registry, as a small interface the registry implements.
//
// Until a registry is attached (gateway_state::attach_sessions), there is no
// session to show: a session exists only once a worker hands the control
// thread a TCP connection, and without a data plane there is none. So the
// commands answer with an empty list and "no such session", which is the truth,
// not a placeholder.
//
// Header only, no library dependencies: the registry (control/sessions) can
// implement it without linking the control thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sstpgw::control_thread {

// One session as the operator sees it. Strings are display text; empty means
// "not known yet" (e.g. no identity before EAP-TLS finishes).
struct session_row {
  uint64_t id = 0;       // session_id: worker (8) | slot (24) | generation (32)
  std::string identity;  // the client certificate's subject CN, once authenticated
  std::string address;   // the pool address, once IPCP assigned it
  std::string remote;    // "203.0.113.7:51234"
  std::string state;     // "handshake", "http", "sstp", "ppp", "up", "closing"
  int64_t since = 0;     // Unix seconds the connection arrived
  uint32_t worker = 0;
  uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
  std::string root;  // thumbprint (40 hex) of the trusted root it authenticated under
  std::string leaf;  // thumbprint of its client certificate
  // Anything else `session show` should print, in order ("tls": "TLSv1.3", ...).
  std::vector<std::pair<std::string, std::string>> details;
};

class session_directory {
 public:
  virtual ~session_directory() = default;
  // Live sessions, in any stable order (the command sorts nothing).
  virtual std::vector<session_row> list() const = 0;
  virtual std::optional<session_row> find(uint64_t id) const = 0;
  // Starts disconnecting session `id` with the one-line reason (it goes to the log
  // and, where the protocol can carry it, to the client); false if no such session.
  virtual bool kill(uint64_t id, std::string_view reason) = 0;
  virtual size_t count() const = 0;
};

// Session ids as operators type them: "W.S.G" (worker, slot, generation in
// decimal), e.g. "1.42.7". parse_session_id also takes the raw 64-bit value in
// decimal or as 0x-prefixed hex.
std::string format_session_id(uint64_t id);
std::optional<uint64_t> parse_session_id(std::string_view text);

}  // namespace sstpgw::control_thread
