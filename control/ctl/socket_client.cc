#include "control/ctl/socket_client.hh"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "control/ctl/line_buffer.hh"

namespace sstpgw::ctl {
namespace {

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr size_t kMaxReply = 64 << 20;

}  // namespace

json call(const std::string& socket_path, const std::string& cmd, const json& args, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) throw std::runtime_error("control socket path is too long");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);

  fd_guard fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    std::string hint = (err == ENOENT || err == ECONNREFUSED) ? " (is sstpgw running?)"
                       : err == EACCES                        ? " (run as root or a member of the socket's group)"
                                                              : "";
    throw std::runtime_error("cannot reach sstpgw at " + socket_path + ": " + std::strerror(err) + hint);
  }

  std::string request = json{{"cmd", cmd}, {"args", args}}.dump() + "\n";
  for (size_t off = 0; off < request.size();) {
    ssize_t n = ::send(fd.get(), request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("sending to sstpgw: ") + std::strerror(errno));
    off += static_cast<size_t>(n);
  }

  line_buffer input(kMaxReply);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  for (;;) {
    if (auto line = input.next_line()) {
      json reply = json::parse(*line, nullptr, false);
      if (reply.is_discarded() || !reply.is_object() || !reply.contains("ok"))
        throw std::runtime_error("sstpgw sent a reply that is not a control-protocol object");
      return reply;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("sstpgw did not answer within " + std::to_string(timeout_ms) + " ms");
    pollfd p{fd.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("sstpgw closed the control connection without a reply");
    if (!input.append(std::string_view(buf, static_cast<size_t>(n))))
      throw std::runtime_error("sstpgw's reply is larger than " + std::to_string(kMaxReply) + " bytes");
  }
}

}  // namespace sstpgw::ctl
