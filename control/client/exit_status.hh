// What sstp-client's exit status means: one distinct value per way a run can
// end, so scripts (and the gateway's end-to-end tests) can tell an untrusted
// server certificate from an exhausted pool without reading the message. The
// table is the single source for --help, the README and the tests.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sstpgw::client {

enum class exit_status : int {
  ok = 0,                  // the run did what was asked (or was stopped by SIGINT/SIGTERM)
  ping_lost = 1,           // --ping: not every echo request got its reply
  usage = 2,               // the command line is wrong
  local_config = 3,        // a file we were given is unusable (CA, certificate, key, PKCS#12, key log)
  local_network = 4,       // the TUN device, its address or a route could not be set up
  dns = 10,                // the server name does not resolve
  tcp_connect = 11,        // no TCP connection to the server (refused, unreachable, timed out)
  tls_untrusted = 20,      // the server certificate does not chain to --ca
  tls_name_mismatch = 21,  // the server certificate does not name the server (--sni / --server)
  tls_failed = 22,         // any other outer TLS failure (an alert, no common version or cipher, ...)
  http_refused = 30,       // the server answered SSTP_DUPLEX_POST with a status other than 200
  sstp_nak = 31,           // the server refused CALL_CONNECT_REQUEST (CALL_CONNECT_NAK)
  sstp_aborted = 32,       // the server aborted or disconnected the call during setup
  eap_failed = 40,         // EAP-TLS authentication failed (certificate refused, EAP-Failure)
  ipcp_refused = 41,       // no address from IPCP (the pool is exhausted or the server refused)
  binding_refused = 42,    // the server aborted the call after our CALL_CONNECTED (crypto binding)
  ppp_failed = 43,         // PPP ended during setup for another reason (LCP, terminate)
  timeout = 50,            // the tunnel was not up within --timeout
  server_ended = 60,       // the tunnel was up and the server (or the network) ended it
  internal = 70,           // a bug or an unexpected system error in the client
};

struct exit_status_info {
  exit_status status;
  std::string_view name;     // "tls_untrusted"
  std::string_view meaning;  // one line
};

std::span<const exit_status_info> exit_status_table();
const exit_status_info& info_of(exit_status s);
inline int code_of(exit_status s) { return static_cast<int>(s); }

// The table as text, for --help: "  20  the server certificate does not ...".
std::string exit_status_help();

// How a run ended: the status and the one line printed for it (empty for a
// plain success).
struct run_result {
  exit_status status = exit_status::ok;
  std::string message;
};

}  // namespace sstpgw::client
