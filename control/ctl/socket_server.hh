// The control socket: a Unix domain stream socket speaking the line-delimited
// JSON protocol of command_table.hh. It lives on the control thread, which calls
// poll_once() from its loop; a client's bad request or disconnect costs only
// that client.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "control/ctl/command_table.hh"
#include "control/ctl/line_buffer.hh"

namespace sstpgw::ctl {

struct socket_options {
  std::string path = "/run/sstpgw/sstpgw.sock";
  mode_t mode = 0660;
  std::string owner;  // user name or numeric uid; empty keeps the gateway's own
  std::string group;  // group name or numeric gid; empty keeps the gateway's own
  size_t max_clients = 32;
  size_t max_request_bytes = 1 << 20;   // one request line; certificates are far smaller
  size_t max_reply_backlog = 64 << 20;  // unsent reply bytes before a slow client is dropped
};

// What the server has done since it started (`sstpctl stats`).
struct socket_counters {
  uint64_t clients_accepted = 0;
  uint64_t clients_refused = 0;   // over max_clients
  uint64_t clients_dropped = 0;   // oversized request, or replies not read
  uint64_t requests = 0;          // request lines answered
  uint64_t requests_refused = 0;  // answered with "ok": false (bad JSON, unknown command, refused)
};

class socket_server {
 public:
  // Binds and listens; throws std::runtime_error with a one-line reason
  // (e.g. another gateway already owns the socket, or permission denied). A stale
  // socket file from a crashed gateway is replaced.
  socket_server(const command_table& commands, socket_options options);
  ~socket_server();
  socket_server(const socket_server&) = delete;
  socket_server& operator=(const socket_server&) = delete;

  // Waits up to timeout_ms for activity, then accepts, reads, dispatches and
  // writes whatever is ready. Never throws for a client's misbehaviour.
  void poll_once(int timeout_ms);

  // The same in two halves, for an owner that polls other descriptors in the
  // same poll() (the control thread): append_pollfds() adds this server's
  // descriptors to `fds`; after poll(), process() takes exactly that slice back.
  void append_pollfds(std::vector<pollfd>& fds) const;
  void process(std::span<const pollfd> mine);

  const std::string& path() const { return options_.path; }
  size_t client_count() const { return clients_.size(); }
  const socket_counters& counters() const { return counters_; }

 private:
  struct client {
    int fd = -1;
    line_buffer input;
    std::string output;
    bool closing = false;  // flush output, then close
    explicit client(int f, size_t max_line) : fd(f), input(max_line) {}
  };

  void accept_clients();
  void read_client(client& c);
  void write_client(client& c);
  void apply_ownership();

  const command_table& commands_;
  socket_options options_;
  int listen_fd_ = -1;
  std::vector<std::unique_ptr<client>> clients_;
  socket_counters counters_;
};

}  // namespace sstpgw::ctl
