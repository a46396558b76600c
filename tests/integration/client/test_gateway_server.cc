#include "tests/integration/client/test_gateway_server.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sstpgw::testing {

using sessions::clock;

struct test_gateway_server::connection {
  int fd = -1;
  std::unique_ptr<stand_in_gateway> gateway;
  std::vector<uint8_t> pending;  // for the client, not yet accepted by the socket
  bool client_gone = false;      // FIN or error from the client
  bool closed = false;           // we closed our side (FIN or RST)
};

namespace {

// Creates the listening socket in another network namespace: this thread
// enters it, makes the socket (which stays in that namespace), and returns.
class netns_visit {
 public:
  explicit netns_visit(const std::string& name) {
    if (name.empty()) return;
    home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (home_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0)
      ADD_FAILURE() << "cannot enter network namespace " << name << ": " << std::strerror(errno);
    if (target >= 0) ::close(target);
  }
  ~netns_visit() {
    if (home_ < 0) return;
    if (::setns(home_, CLONE_NEWNET) != 0) ADD_FAILURE() << "cannot return to the test's network namespace";
    ::close(home_);
  }
  netns_visit(const netns_visit&) = delete;
  netns_visit& operator=(const netns_visit&) = delete;

 private:
  int home_ = -1;
};

}  // namespace

test_gateway_server::test_gateway_server(const test_server_options& options)
    : options_(options), env_(std::make_unique<gateway_env>(options.gateway)) {
  if (options_.prepare) options_.prepare(*env_);
  if (options_.vnet_host) {
    const vnet_host_options& v = *options_.vnet_host;
    try {
      netns_visit in(v.netns);  // the device and its ioctl socket are made in that namespace
      vnet_tun_ = std::make_unique<client::tun_device>(v.device);
      vnet_tun_->configure(v.address, v.gateway, 1500);
      vnet_tun_->add_route(v.clients);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "VNet host device: " << e.what();
      vnet_tun_.reset();
    }
    options_.behaviour.answer_echo = false;
    if (vnet_tun_) {
      const int fd = vnet_tun_->fd();
      options_.behaviour.vnet_out = [fd](std::span<const uint8_t> p) {
        (void)!::write(fd, p.data(), p.size());  // a full device queue drops, as a link would
      };
    }
  }
  {
    netns_visit in(options_.netns);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  EXPECT_GE(listen_fd_, 0) << std::strerror(errno);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  EXPECT_EQ(::listen(listen_fd_, 16), 0) << std::strerror(errno);
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { loop(); });
}

test_gateway_server::~test_gateway_server() {
  const uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) != sizeof one) ADD_FAILURE() << "cannot stop the test server";
  thread_.join();
  for (auto& c : connections_)
    if (!c->closed) ::close(c->fd);
  ::close(listen_fd_);
  ::close(stop_fd_);
}

std::vector<server_session_record> test_gateway_server::wait_for_ended(size_t n,
                                                                       std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  ended_cv_.wait_for(lock, timeout, [&] { return ended_.size() >= n; });
  return ended_;
}

server_session_record test_gateway_server::ended_session(size_t n) {
  const std::vector<server_session_record> ended = wait_for_ended(n, std::chrono::seconds(20));
  if (ended.size() < n) {
    ADD_FAILURE() << "the server saw " << ended.size() << " sessions end, not " << n;
    return {};
  }
  return ended[n - 1];
}

void test_gateway_server::loop() {
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({.fd = stop_fd_, .events = POLLIN, .revents = 0});
    fds.push_back({.fd = listen_fd_, .events = POLLIN, .revents = 0});
    fds.push_back({.fd = vnet_tun_ ? vnet_tun_->fd() : -1, .events = POLLIN, .revents = 0});
    for (auto& c : connections_) {
      const bool readable = !c->closed && !c->client_gone && !options_.silent;
      const short events = static_cast<short>((readable ? POLLIN : 0) | (c->pending.empty() ? 0 : POLLOUT));
      fds.push_back({.fd = c->closed ? -1 : c->fd, .events = events, .revents = 0});
    }
    clock::time_point deadline = sessions::kNoDeadline;
    for (auto& c : connections_) deadline = std::min(deadline, c->gateway->next_deadline());
    const clock::time_point now = clock::now();
    int timeout_ms = 200;  // also the tick for the end-when-up behaviours
    if (deadline != sessions::kNoDeadline) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 200));
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if (fds[0].revents & POLLIN) return;
    if (fds[1].revents & POLLIN) accept_all();
    if (fds[2].revents & POLLIN) read_vnet_host();
    constexpr size_t kFirst = 3;  // connections' entries in fds
    for (size_t i = 0; i < connections_.size() && i + kFirst < fds.size(); ++i) {
      if (fds[i + kFirst].revents & (POLLIN | POLLHUP | POLLERR)) {
        connection& c = *connections_[i];
        uint8_t buf[16384];
        for (;;) {
          const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
          if (n > 0) {
            c.gateway->tcp_receive({buf, static_cast<size_t>(n)}, clock::now());
            continue;
          }
          if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
          c.client_gone = true;
          c.gateway->tcp_gone(n == 0 ? "client closed the TCP connection" : std::strerror(errno),
                              clock::now());
          break;
        }
      }
    }
    for (auto& c : connections_) {
      c->gateway->on_timer(clock::now());
      service(*c);
    }
    // Done with a connection once the session ended and the socket is closed.
    for (auto it = connections_.begin(); it != connections_.end();) {
      connection& c = **it;
      if (!c.closed || !c.gateway->server().ended()) {
        ++it;
        continue;
      }
      server_session_record r;
      const sessions::session_info& info = c.gateway->server().info();
      r.was_up = info.times.data_path_up.has_value();
      r.end_reason = info.end_reason;
      r.tls_version = info.tls_version;
      r.address = info.address;  // cleared when the session released it; the up event has it
      for (const sessions::session_event& e : c.gateway->events())
        if (e.kind == sessions::session_event_kind::data_path_up) r.address = e.address;
      r.binding_hash = info.binding_hash;
      r.hlak_form = info.hlak_form;
      r.eap_identity = info.eap_identity;
      r.echoes_answered = c.gateway->echoes_answered();
      r.vnet = c.gateway->vnet();
      {
        std::lock_guard lock(mutex_);
        ended_.push_back(std::move(r));
      }
      ended_cv_.notify_all();
      it = connections_.erase(it);
    }
  }
}

void test_gateway_server::accept_all() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<connection>();
    c->fd = fd;
    c->gateway = std::make_unique<stand_in_gateway>(*env_, options_.behaviour, next_slot_++, clock::now());
    connections_.push_back(std::move(c));
  }
}

// Packets from the VNet host's kernel, each to the session that owns its destination.
void test_gateway_server::read_vnet_host() {
  uint8_t buf[65536];
  for (int i = 0; i < 256; ++i) {
    const ssize_t n = ::read(vnet_tun_->fd(), buf, sizeof buf);
    if (n <= 0) return;
    const std::span<const uint8_t> packet(buf, static_cast<size_t>(n));
    for (auto& c : connections_)
      if (!c->closed && c->gateway->vnet_receive(packet, clock::now())) break;
  }
}

void test_gateway_server::flush(connection& c) {
  std::vector<uint8_t> more = c.gateway->take_tcp_output();
  c.pending.insert(c.pending.end(), more.begin(), more.end());
  while (!c.pending.empty() && !c.closed) {
    const ssize_t n = ::send(c.fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.pending.erase(c.pending.begin(), c.pending.begin() + n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    c.pending.clear();  // the client is gone; the session hears it from recv
    return;
  }
}

void test_gateway_server::service(connection& c) {
  if (c.closed) return;
  flush(c);
  const bool worker_closed = c.gateway->closed();
  if (worker_closed && c.pending.empty()) {
    if (!c.gateway->closed_gracefully()) {
      const linger rst{.l_onoff = 1, .l_linger = 0};
      ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    }
    ::close(c.fd);
    c.closed = true;
    if (!c.gateway->server().ended()) c.gateway->tcp_gone("connection closed", clock::now());
  } else if (c.client_gone && !worker_closed && c.gateway->server().ended()) {
    ::close(c.fd);
    c.closed = true;
  }
}

}  // namespace sstpgw::testing
