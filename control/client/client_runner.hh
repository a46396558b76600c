// One run of sstp-client: set up (files, TUN), connect, then a poll loop over
// the TCP socket, the TUN device and a signalfd, with timers from the tunnel's
// next_deadline(), until the tunnel finishes. Prints the "connected:" line
// (and ping lines) to `out`; returns the exit status and the one line for
// stderr.
#pragma once

#include <cstdio>

#include "control/client/client_options.hh"
#include "control/client/exit_status.hh"
#include "control/client/tunnel_client.hh"

namespace sstpgw::client {

run_result run_client(const client_options& options, std::FILE* out);

// "connected: address 172.16.201.2, dns 10.1.0.53 10.1.0.54, server 192.0.2.1:443
//  (TLS 1.3 TLS_AES_128_GCM_SHA256, binding SHA256/msk)" (one line).
std::string connected_line(const tunnel_summary& s, std::string_view server);

}  // namespace sstpgw::client
