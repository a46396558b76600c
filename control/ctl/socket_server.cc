#include "control/ctl/socket_server.hh"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "dataplane/common/log.hh"

namespace sstpgw::ctl {
namespace {

std::runtime_error sys_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    throw std::runtime_error("control socket path \"" + path + "\" is empty or longer than " +
                             std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True if something accepts connections on path (another gateway is running).
bool socket_is_live(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr = socket_address(path);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return live;
}

bool parse_id(const std::string& text, long& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && errno == 0 && out >= 0;
}

}  // namespace

socket_server::socket_server(const command_table& commands, socket_options options)
    : commands_(commands), options_(std::move(options)) {
  sockaddr_un addr = socket_address(options_.path);
  std::filesystem::path dir = std::filesystem::path(options_.path).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create control socket directory " + dir.string() + ": " + ec.message());

  struct stat st {};
  if (::lstat(options_.path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw std::runtime_error("control socket path " + options_.path + " exists and is not a socket");
    if (socket_is_live(options_.path))
      throw std::runtime_error("another sstpgw is already serving " + options_.path);
    ::unlink(options_.path.c_str());  // stale, left by a gateway that died
  }

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw sys_error("control socket");
  // Bind with a restrictive umask so the socket is never briefly world-writable.
  mode_t old_umask = ::umask(0177);
  int rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old_umask);
  if (rc != 0) {
    auto err = sys_error("cannot bind control socket " + options_.path);
    ::close(listen_fd_);
    throw err;
  }
  try {
    apply_ownership();
  } catch (...) {
    ::close(listen_fd_);
    ::unlink(options_.path.c_str());
    throw;
  }
  if (::listen(listen_fd_, 16) != 0) {
    auto err = sys_error("cannot listen on control socket " + options_.path);
    ::close(listen_fd_);
    ::unlink(options_.path.c_str());
    throw err;
  }
  log(log_level::info, "ctl", "control socket listening on {} (mode {:o})", options_.path, options_.mode);
}

socket_server::~socket_server() {
  for (auto& c : clients_) ::close(c->fd);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(options_.path.c_str());
  }
}

void socket_server::apply_ownership() {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  long id = 0;
  if (!options_.owner.empty()) {
    if (parse_id(options_.owner, id)) {
      uid = static_cast<uid_t>(id);
    } else if (passwd* pw = ::getpwnam(options_.owner.c_str())) {
      uid = pw->pw_uid;
    } else {
      throw std::runtime_error("control socket owner \"" + options_.owner + "\" is not a known user");
    }
  }
  if (!options_.group.empty()) {
    if (parse_id(options_.group, id)) {
      gid = static_cast<gid_t>(id);
    } else if (group* gr = ::getgrnam(options_.group.c_str())) {
      gid = gr->gr_gid;
    } else {
      throw std::runtime_error("control socket group \"" + options_.group + "\" is not a known group");
    }
  }
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
      ::chown(options_.path.c_str(), uid, gid) != 0)
    throw sys_error("cannot set owner of control socket " + options_.path);
  if (::chmod(options_.path.c_str(), options_.mode) != 0)
    throw sys_error("cannot set mode of control socket " + options_.path);
}

void socket_server::poll_once(int timeout_ms) {
  std::vector<pollfd> fds;
  append_pollfds(fds);
  int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n <= 0) return;
  process(fds);
}

void socket_server::append_pollfds(std::vector<pollfd>& fds) const {
  fds.push_back({listen_fd_, POLLIN, 0});
  for (const auto& c : clients_)
    fds.push_back({c->fd, static_cast<short>(c->output.empty() ? POLLIN : (POLLIN | POLLOUT)), 0});
}

void socket_server::process(std::span<const pollfd> fds) {
  // The slice matches clients_ as it was when append_pollfds() ran; clients are
  // only added or removed below, so the indices still hold.
  if (fds.empty() || fds[0].fd != listen_fd_) return;
  const size_t polled = std::min(fds.size() - 1, clients_.size());
  for (size_t i = 0; i < polled; ++i) {
    client& c = *clients_[i];
    if (fds[i + 1].fd != c.fd) continue;
    if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) read_client(c);
    if (!c.output.empty() && !c.closing) write_client(c);
    if (c.closing) write_client(c);
  }
  std::erase_if(clients_, [](const std::unique_ptr<client>& c) { return c->fd < 0; });
  if (fds[0].revents & POLLIN) accept_clients();
}

void socket_server::accept_clients() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error: try again next poll
    if (clients_.size() >= options_.max_clients) {
      static constexpr char kBusy[] = "{\"ok\":false,\"error\":\"too many control clients, try again\"}\n";
      [[maybe_unused]] ssize_t w = ::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
      ::close(fd);
      ++counters_.clients_refused;
      log(log_level::warn, "ctl", "refused a control client: {} already connected", clients_.size());
      continue;
    }
    ++counters_.clients_accepted;
    clients_.push_back(std::make_unique<client>(fd, options_.max_request_bytes));
  }
}

void socket_server::read_client(client& c) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (!c.input.append(std::string_view(buf, static_cast<size_t>(n)))) {
        c.output += R"({"ok":false,"error":"request too large"})"
                    "\n";
        c.closing = true;
        ++counters_.clients_dropped;
        return;
      }
      while (auto line = c.input.next_line()) {
        json request = json::parse(*line, nullptr, /*allow_exceptions=*/false);
        json reply = request.is_discarded() ? json{{"ok", false}, {"error", "request is not valid JSON"}}
                                            : commands_.dispatch(request);
        ++counters_.requests;
        if (!reply.value("ok", false)) ++counters_.requests_refused;
        c.output += reply.dump(-1, ' ', false, json::error_handler_t::replace);
        c.output += '\n';
      }
      if (c.output.size() > options_.max_reply_backlog) {
        log(log_level::warn, "ctl", "dropping a control client that does not read its replies");
        ++counters_.clients_dropped;
        ::close(c.fd);
        c.fd = -1;
        return;
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    c.closing = true;  // peer closed (or error): flush what we owe, then close
    return;
  }
}

void socket_server::write_client(client& c) {
  if (c.fd < 0) return;
  while (!c.output.empty()) {
    ssize_t n = ::send(c.fd, c.output.data(), c.output.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.output.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    c.output.clear();  // the peer is gone
    c.closing = true;
    break;
  }
  if (c.closing) {
    ::close(c.fd);
    c.fd = -1;
  }
}

}  // namespace sstpgw::ctl
