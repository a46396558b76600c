#include "control/client/client_runner.hh"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "control/client/client_error.hh"
#include "control/client/client_setup.hh"
#include "control/client/packet_pump.hh"
#include "control/client/pinger.hh"
#include "control/client/tcp_connector.hh"
#include "control/client/tun_device.hh"
#include "dataplane/common/log.hh"

namespace sstpgw::client {

namespace {

using steady = sessions::clock;

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// SIGINT/SIGTERM as readable events; blocked for the process while the run lasts.
class signal_events {
 public:
  signal_events() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &set_, &old_) != 0)
      throw client_error(exit_status::internal, std::string("sigprocmask: ") + std::strerror(errno));
    fd_ = ::signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw client_error(exit_status::internal, std::string("signalfd: ") + std::strerror(errno));
  }
  ~signal_events() {
    ::close(fd_);
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  signal_events(const signal_events&) = delete;
  signal_events& operator=(const signal_events&) = delete;
  int fd() const { return fd_; }
  // The signal received, 0 if none.
  int take() {
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return 0;
    return static_cast<int>(info.ssi_signo);
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
  int fd_ = -1;
};

int poll_timeout_ms(steady::time_point deadline, steady::time_point now) {
  if (deadline == sessions::kNoDeadline) return 1000;
  if (deadline <= now) return 0;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
  return static_cast<int>(std::min<long long>(ms, 1000));
}

// The connection loop: socket ⇄ tunnel_client, TUN ⇄ tunnel, pinger, signals.
class connection_loop {
 public:
  connection_loop(const client_options& o, tunnel_client& tunnel, tcp_connection& tcp, tun_device* tun,
                  std::FILE* out)
      : o_(o), tunnel_(tunnel), tcp_(tcp), tun_(tun), out_(out) {
    if (tun_) pump_.emplace(tun_->fd());
  }

  run_result run() {
    signal_events signals;
    while (!tunnel_.finished()) {
      write_socket();
      pollfd fds[3] = {};
      fds[0] = {.fd = tcp_.fd, .events = static_cast<short>(POLLIN | (pending_.empty() ? 0 : POLLOUT))};
      fds[1] = {.fd = signals.fd(), .events = POLLIN};
      fds[2] = {.fd = tun_ && tunnel_.up() ? tun_->fd() : -1, .events = POLLIN};
      const steady::time_point now = steady::now();
      const int n = ::poll(fds, 3, poll_timeout_ms(next_deadline(), now));
      if (n < 0 && errno != EINTR)
        throw client_error(exit_status::internal, std::string("poll: ") + std::strerror(errno));
      const steady::time_point t = steady::now();
      if (n > 0 && (fds[1].revents & POLLIN)) {
        if (const int sig = signals.take(); sig != 0) {
          log(log_level::info, "client", "{}: disconnecting", strsignal(sig));
          stopped_by_signal_ = true;
          tunnel_.disconnect(t);
        }
      }
      if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) read_socket(t);
      if (n > 0 && (fds[2].revents & POLLIN)) {
        if (!pump_->device_to_tunnel([&](std::span<const uint8_t> p) { return tunnel_.send_ipv4(p, t); })) {
          return {exit_status::local_network, "TUN " + tun_->name() + ": " + pump_->error()};
        }
      }
      if (tunnel_.next_deadline() <= t) tunnel_.on_timer(t);
      after_events(t);
    }
    write_socket();
    drain_and_close();
    return verdict();
  }

 private:
  steady::time_point next_deadline() const {
    steady::time_point d = tunnel_.next_deadline();
    if (pinger_) d = std::min(d, pinger_->next_deadline());
    return d;
  }

  void read_socket(steady::time_point now) {
    uint8_t buf[16384];
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = ::recv(tcp_.fd, buf, sizeof buf, 0);
      if (n > 0) {
        tunnel_.on_tcp_bytes({buf, static_cast<size_t>(n)}, now);
        if (tunnel_.finished()) return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      socket_closed_ = true;
      tunnel_.on_tcp_closed(n == 0 ? std::string("the server closed the TCP connection")
                                   : std::string("TCP: ") + std::strerror(errno),
                            now);
      return;
    }
  }

  void write_socket() {
    std::vector<uint8_t> more = tunnel_.take_tcp_output();
    pending_.insert(pending_.end(), more.begin(), more.end());
    while (!pending_.empty() && !socket_closed_) {
      const ssize_t n = ::send(tcp_.fd, pending_.data(), pending_.size(), MSG_NOSIGNAL);
      if (n > 0) {
        pending_.erase(pending_.begin(), pending_.begin() + n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      socket_closed_ = true;
      pending_.clear();
      tunnel_.on_tcp_closed(std::string("TCP: ") + std::strerror(errno), steady::now());
    }
  }

  void after_events(steady::time_point now) {
    if (tunnel_.up() && !announced_) {
      announced_ = true;
      on_up(now);
    }
    std::vector<std::vector<uint8_t>> in = tunnel_.take_ipv4();
    if (pump_) pump_->tunnel_to_device(in);
    if (pinger_) {
      for (const auto& p : in)
        if (auto line = pinger_->on_packet(p, now)) fmt::print(out_, "{}\n", *line);
      for (const auto& p : pinger_->due(now)) tunnel_.send_ipv4(p, now);
      if (!ping_done_ && pinger_->done(now)) {
        ping_done_ = true;
        fmt::print(out_, "--- {} ping statistics ---\n{}\n", o_.ping_target.to_string(), pinger_->summary());
        std::fflush(out_);
        tunnel_.disconnect(now);
      }
    }
    std::fflush(out_);
  }

  void on_up(steady::time_point now) {
    const tunnel_summary s = tunnel_.summary();
    if (tun_) {
      tun_->configure(s.address, s.peer, s.mtu);
      for (const ipv4_prefix& p : o_.routes) tun_->add_route(p);
    }
    fmt::print(out_, "{}\n", connected_line(s, tcp_.peer_label));
    std::fflush(out_);
    if (o_.mode == traffic_mode::ping) {
      fmt::print(out_, "PING {} from {}: {} data bytes\n", o_.ping_target.to_string(), s.address.to_string(),
                 kPingPayload);
      pinger_.emplace(s.address, o_.ping_target, o_.ping_count, o_.ping_interval,
                      static_cast<uint16_t>(::getpid()), now);
      for (const auto& p : pinger_->due(now)) tunnel_.send_ipv4(p, now);
    } else if (o_.once) {
      tunnel_.disconnect(now);
    }
  }

  // Sends what is left (close_notify) for up to 2 s, then FIN.
  void drain_and_close() {
    const steady::time_point until = steady::now() + std::chrono::seconds(2);
    while (!pending_.empty() && !socket_closed_ && steady::now() < until) {
      pollfd p{.fd = tcp_.fd, .events = POLLOUT, .revents = 0};
      ::poll(&p, 1, 100);
      write_socket();
    }
    if (!socket_closed_) ::shutdown(tcp_.fd, SHUT_WR);
  }

  run_result verdict() const {
    run_result r = tunnel_.result();
    if (r.status != exit_status::ok) return r;
    if (pinger_ && !pinger_->all_replied())
      return {exit_status::ping_lost, fmt::format("ping: {} of {} echo requests got no reply",
                                                  pinger_->sent() - pinger_->received(), pinger_->sent())};
    if (o_.mode == traffic_mode::ping && !pinger_) return {exit_status::internal, "ping never started"};
    (void)stopped_by_signal_;
    return r;
  }

  const client_options& o_;
  tunnel_client& tunnel_;
  tcp_connection& tcp_;
  tun_device* tun_;
  std::FILE* out_;
  std::optional<packet_pump> pump_;
  std::optional<pinger> pinger_;
  std::vector<uint8_t> pending_;
  bool socket_closed_ = false;
  bool announced_ = false;
  bool ping_done_ = false;
  bool stopped_by_signal_ = false;
};

}  // namespace

std::string connected_line(const tunnel_summary& s, std::string_view server) {
  std::string dns = s.dns_primary ? s.dns_primary->to_string() : std::string("none");
  if (s.dns_secondary) dns += " " + s.dns_secondary->to_string();
  return fmt::format("connected: address {}, dns {}, server {} ({} {}, binding {})", s.address.to_string(),
                     dns, server, s.tls_version, s.tls_cipher, s.binding);
}

run_result run_client(const client_options& o, std::FILE* out) {
  set_log_level(o.verbose ? log_level::debug : log_level::error);
  try {
    const client_setup setup(o);
    std::unique_ptr<tun_device> tun;
    if (o.mode == traffic_mode::tun) tun = std::make_unique<tun_device>(o.tun_name);
    const steady::time_point start = steady::now();
    tcp_connection tcp = connect_tcp(o.server, o.port, o.timeout);
    fd_guard socket(tcp.fd);
    log(log_level::info, "client", "TCP connected to {}", tcp.peer_label);
    tunnel_client_config config = setup.tunnel();
    config.started = start;
    tunnel_client tunnel(config, steady::now());
    connection_loop loop(o, tunnel, tcp, tun.get(), out);
    return loop.run();
  } catch (const client_error& e) {
    return {e.status(), e.what()};
  }
}

}  // namespace sstpgw::client
