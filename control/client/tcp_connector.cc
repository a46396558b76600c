#include "control/client/tcp_connector.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "control/client/client_error.hh"

namespace sstpgw::client {

namespace {

using steady = std::chrono::steady_clock;

std::string label_of(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return fmt::format("{}:{}", text, ntohs(a.sin_port));
}

// One attempt; returns the connected fd or -1 with `why` set.
int try_connect(const sockaddr_in& addr, steady::time_point deadline, std::string& why) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    if (left <= 0) {
      why = "timed out";
      ::close(fd);
      return -1;
    }
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = std::string("poll: ") + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    if (n == 0) continue;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      why = std::strerror(err);
      ::close(fd);
      return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }
}

}  // namespace

tcp_connection connect_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  const steady::time_point deadline = steady::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    throw client_error(exit_status::dns,
                       fmt::format("DNS: cannot resolve '{}': {}", host,
                                   rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
  std::string failures;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    sockaddr_in addr{};
    std::memcpy(&addr, a->ai_addr, sizeof addr);
    std::string why;
    const int fd = try_connect(addr, deadline, why);
    if (fd >= 0) return {fd, label_of(addr)};
    if (!failures.empty()) failures += "; ";
    failures += label_of(addr) + ": " + why;
    if (steady::now() >= deadline) break;
  }
  throw client_error(exit_status::tcp_connect, "TCP: cannot connect to " + host + ": " + failures);
}

}  // namespace sstpgw::client
