// Why a tunnel ended, as an exit status and one line: the facts gathered from
// every layer (outer TLS, HTTP, SSTP call, EAP, IPCP, the transport) at the
// moment the connection finished, judged in the order the layers run. Pure, so
// each verdict is tested on its own.
#pragma once

#include <cstdint>
#include <string>

#include "control/client/exit_status.hh"

namespace sstpgw::client {

struct ending_facts {
  bool local_disconnect = false;  // we asked to end (signal, --once)
  bool timed_out = false;         // the setup timer fired first
  std::string timeout_stage;      // what was not finished: "EAP-TLS authentication"
  int timeout_seconds = 0;
  bool was_up = false;  // the tunnel had been up

  // Outer TLS.
  bool tls_failed = false;
  bool tls_complete = false;
  int verify_error = 0;     // OpenSSL's X509_V_ERR_* on the server chain (0: none seen)
  std::string tls_failure;  // handshake_failure::describe()
  std::string server_name;  // the name the certificate was checked against

  std::string transport_reason;  // the TCP connection went away: why ("" if it did not)

  int http_status = 0;  // 0: no reply
  // SSTP call counters of this connection.
  uint64_t connect_naks = 0;
  uint64_t calls_connected = 0;  // CALL_CONNECTED sent
  uint64_t peer_aborts = 0;
  uint64_t peer_disconnects = 0;

  bool eap_failed = false;
  std::string eap_reason;
  std::string ipcp_reason;     // IPCP gave up (the server refused an address)
  std::string link_reason;     // why the PPP link finished
  std::string session_reason;  // client_session::end_reason()
};

run_result judge(const ending_facts& f);

}  // namespace sstpgw::client
