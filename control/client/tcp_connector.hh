// The kernel TCP connection to the server: name resolution (IPv4), a
// non-blocking connect bounded by a deadline, trying each address in turn.
// Failures are client_errors: exit_status::dns or exit_status::tcp_connect.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sstpgw::client {

struct tcp_connection {
  int fd = -1;             // non-blocking, TCP_NODELAY; the caller closes it
  std::string peer_label;  // "192.0.2.1:443"
};

tcp_connection connect_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

}  // namespace sstpgw::client
