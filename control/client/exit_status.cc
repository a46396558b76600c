#include "control/client/exit_status.hh"

#include <fmt/format.h>

namespace sstpgw::client {

namespace {

constexpr exit_status_info kTable[] = {
    {exit_status::ok, "ok", "success (or stopped by SIGINT/SIGTERM after a clean disconnect)"},
    {exit_status::ping_lost, "ping_lost", "--ping: not every echo request got a reply"},
    {exit_status::usage, "usage", "command line error"},
    {exit_status::local_config, "local_config",
     "a local file is unusable (CA, certificate, key, PKCS#12, password variable, key log)"},
    {exit_status::local_network, "local_network",
     "the TUN device, its address or a route could not be set up"},
    {exit_status::dns, "dns", "the server name does not resolve"},
    {exit_status::tcp_connect, "tcp_connect",
     "no TCP connection to the server (refused, unreachable, timed out)"},
    {exit_status::tls_untrusted, "tls_untrusted", "TLS: the server certificate does not chain to --ca"},
    {exit_status::tls_name_mismatch, "tls_name_mismatch",
     "TLS: the server certificate does not match the server name (--sni, else --server)"},
    {exit_status::tls_failed, "tls_failed", "TLS: the handshake failed otherwise (alert, version, cipher)"},
    {exit_status::http_refused, "http_refused",
     "HTTP: the server answered SSTP_DUPLEX_POST with another status than 200"},
    {exit_status::sstp_nak, "sstp_nak", "SSTP: the server refused the call (CALL_CONNECT_NAK)"},
    {exit_status::sstp_aborted, "sstp_aborted",
     "SSTP: the server aborted or disconnected the call during setup"},
    {exit_status::eap_failed, "eap_failed", "EAP-TLS authentication failed (client certificate refused)"},
    {exit_status::ipcp_refused, "ipcp_refused", "IPCP: no address assigned (address pool exhausted)"},
    {exit_status::binding_refused, "binding_refused",
     "SSTP: the server refused the crypto binding (CALL_CONNECTED)"},
    {exit_status::ppp_failed, "ppp_failed",
     "PPP ended during setup for another reason (LCP, Terminate-Request)"},
    {exit_status::timeout, "timeout", "the tunnel was not up within --timeout seconds"},
    {exit_status::server_ended, "server_ended", "the tunnel was up and the server or the network ended it"},
    {exit_status::internal, "internal", "unexpected system error in the client"},
};

}  // namespace

std::span<const exit_status_info> exit_status_table() { return kTable; }

const exit_status_info& info_of(exit_status s) {
  for (const exit_status_info& i : kTable)
    if (i.status == s) return i;
  return kTable[std::size(kTable) - 1];
}

std::string exit_status_help() {
  std::string out = "Exit status:\n";
  for (const exit_status_info& i : kTable) out += fmt::format("  {:>3}  {}\n", code_of(i.status), i.meaning);
  return out;
}

}  // namespace sstpgw::client
