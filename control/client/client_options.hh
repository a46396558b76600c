// sstp-client's command line: what to connect to, with which credentials, and
// what to do once the tunnel is up (a TUN device, a built-in ping, or nothing).
// Parsing is separate from running so every mistake is tested without a socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "control/client/exit_status.hh"
#include "control/handshake/tls_config.hh"
#include "control/sstp/crypto_binding.hh"
#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::client {

enum class traffic_mode : uint8_t {
  none,  // connect, print the connected line, stay up (or disconnect at once with --once)
  tun,   // a TUN device carries the host's packets
  ping,  // built-in ICMP echo through the tunnel
};

struct client_options {
  std::string server;  // host name or address
  uint16_t port = 443;
  std::string sni;  // SNI, the name the certificate must match, the Host header; default: server
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string p12_file;
  std::string password_env;  // name of the environment variable holding the PKCS#12 password
  std::string identity;      // EAP identity; default: the client certificate's CN
  handshake::tls_version tls_max = handshake::tls_version::tls1_3;
  handshake::tls_version eap_tls_max = handshake::tls_version::tls1_3;
  sstp::hlak_form hlak = sstp::hlak_form::eap_tls_msk;
  std::string keylog_file;
  std::chrono::seconds timeout{30};
  traffic_mode mode = traffic_mode::none;
  std::string tun_name;
  std::vector<ipv4_prefix> routes;
  ipv4_address ping_target;
  unsigned ping_count = 3;
  std::chrono::milliseconds ping_interval{1000};
  bool once = false;
  bool verbose = false;

  // The name the server certificate is checked against.
  const std::string& server_name() const { return sni.empty() ? server : sni; }
};

// Either options to run with, or the exit now: --help/--version (status ok,
// message = the text for stdout) or a usage error (status usage, message = the
// one line for stderr).
using parse_outcome = std::variant<client_options, run_result>;

parse_outcome parse_command_line(int argc, const char* const* argv);

// The full --help text (also in the README).
std::string help_text();

}  // namespace sstpgw::client
