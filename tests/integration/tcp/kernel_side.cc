#include "tests/integration/tcp/kernel_side.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "dataplane/common/byte_order.hh"
#include "tests/integration/tcp/services.hh"

namespace sstpgw::tcp::testing {

bool enter_netns(const std::string& name, std::string* err) {
  const std::string path = "/var/run/netns/" + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = "open " + path + ": " + std::strerror(errno);
    return false;
  }
  const int r = setns(fd, CLONE_NEWNET);
  close(fd);
  if (r != 0) {
    *err = std::string("setns: ") + std::strerror(errno);
    return false;
  }
  return true;
}

namespace {

// One connection from the kernel's side. `active`: we connected (we send
// the header and c2s, expect s2c then the peer's digest of our data).
struct session {
  int fd = -1;
  bool active = true;
  kernel_flow f;
  bool have_header = false;
  uint8_t header[24];
  size_t header_got = 0;
  std::vector<uint8_t> out;
  size_t out_pos = 0;
  uint64_t tx = 0, rx = 0;
  byte_stream gen{0};
  EVP_MD_CTX* h = nullptr;
  std::vector<uint8_t> tail;
  bool digest_sent = false;
  bool wr_done = false;
  bool rd_done = false;
  std::string error;

  void init() {
    h = EVP_MD_CTX_new();
    EVP_DigestInit_ex(h, EVP_sha256(), nullptr);
  }
  ~session() {
    if (fd >= 0) close(fd);
    EVP_MD_CTX_free(h);
  }
  uint64_t send_total() const { return active ? f.c2s : f.s2c; }
  uint64_t recv_total() const { return active ? f.s2c : f.c2s; }

  void on_readable() {
    uint8_t buf[65536];
    for (;;) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) error = std::string("recv: ") + std::strerror(errno);
        return;
      }
      if (n == 0) {
        rd_done = true;
        return;
      }
      size_t off = 0;
      if (!active && !have_header) {
        while (header_got < 24 && off < static_cast<size_t>(n)) header[header_got++] = buf[off++];
        if (header_got == 24) {
          have_header = true;
          f.c2s = load_be64(header);
          f.s2c = load_be64(header + 8);
          gen = byte_stream(load_be64(header + 16));
        }
      }
      const uint64_t left = recv_total() > rx ? recv_total() - rx : 0;
      const size_t d = static_cast<size_t>(std::min<uint64_t>(left, static_cast<uint64_t>(n) - off));
      EVP_DigestUpdate(h, buf + off, d);
      rx += d;
      tail.insert(tail.end(), buf + off + d, buf + n);
    }
  }

  void on_writable() {
    if (!active && !have_header) return;
    for (;;) {
      if (out_pos == out.size()) {
        out.clear();
        out_pos = 0;
        if (tx < send_total()) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(65536, send_total() - tx));
          out.resize(n);
          gen.fill(out.data(), n);
          tx += n;
        } else if (!active && !digest_sent && rx >= f.c2s) {
          out.resize(32);
          unsigned int l = 32;
          EVP_DigestFinal_ex(h, out.data(), &l);
          digest_sent = true;
        } else {
          if (!wr_done && (active || digest_sent)) {
            shutdown(fd, SHUT_WR);
            wr_done = true;
          }
          return;
        }
      }
      const ssize_t n = send(fd, out.data() + out_pos, out.size() - out_pos, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) error = std::string("send: ") + std::strerror(errno);
        return;
      }
      out_pos += static_cast<size_t>(n);
    }
  }

  bool finished() const { return !error.empty() || (rd_done && wr_done); }

  std::string verdict() {
    if (!error.empty()) return error;
    if (!active)
      return rx == f.c2s ? "" : "server received " + std::to_string(rx) + " of " + std::to_string(f.c2s);
    if (rx != f.s2c) return "received " + std::to_string(rx) + " of " + std::to_string(f.s2c);
    std::array<uint8_t, 32> got{};
    unsigned int l = 32;
    EVP_DigestFinal_ex(h, got.data(), &l);
    if (got != sha256_of_stream(f.seed + 1, f.s2c)) return "data from the stack differs";
    if (tail.size() != 32 || std::memcmp(tail.data(), sha256_of_stream(f.seed, f.c2s).data(), 32) != 0)
      return "the stack's digest of our data differs";
    return "";
  }
};

sockaddr_in addr_of(uint32_t ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip);
  return a;
}

std::string run(std::vector<session>& ss, int listen_fd, int expect, int timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int accepted = 0;
  for (;;) {
    bool all = accepted == expect || listen_fd < 0;
    for (auto& s : ss) all = all && s.finished();
    if (all) break;
    if (std::chrono::steady_clock::now() > deadline) {
      int open = 0;
      for (auto& s : ss) open += !s.finished();
      return "timeout with " + std::to_string(open) + " connections open, " + std::to_string(accepted) +
             " accepted";
    }
    std::vector<pollfd> pf;
    for (auto& s : ss)
      if (!s.finished())
        pf.push_back(pollfd{s.fd, static_cast<short>(POLLIN | (s.wr_done ? 0 : POLLOUT)), 0});
    if (listen_fd >= 0 && accepted < expect) pf.push_back(pollfd{listen_fd, POLLIN, 0});
    poll(pf.data(), pf.size(), 100);
    if (listen_fd >= 0 && accepted < expect) {
      for (int c; accepted < expect && (c = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
        ss.emplace_back();
        ss.back().fd = c;
        ss.back().active = false;
        ss.back().init();
        ++accepted;
      }
    }
    for (auto& s : ss) {
      if (s.finished()) continue;
      s.on_readable();
      s.on_writable();
    }
  }
  for (auto& s : ss) {
    std::string v = s.verdict();
    if (!v.empty()) return v;
  }
  return "";
}

}  // namespace

std::string run_kernel_clients(uint32_t ip, uint16_t port, const std::vector<kernel_flow>& flows,
                               int timeout_s) {
  std::vector<session> ss(flows.size());
  for (size_t i = 0; i < flows.size(); ++i) {
    session& s = ss[i];
    s.f = flows[i];
    s.init();
    s.gen = byte_stream(s.f.seed);
    s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const sockaddr_in a = addr_of(ip, port);
    if (connect(s.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS)
      return std::string("connect: ") + std::strerror(errno);
    s.out.resize(24);
    store_be64(s.out.data(), s.f.c2s);
    store_be64(s.out.data() + 8, s.f.s2c);
    store_be64(s.out.data() + 16, s.f.seed + 1);
  }
  return run(ss, -1, 0, timeout_s);
}

std::string run_kernel_server(uint32_t ip, uint16_t port, int n, int timeout_s) {
  const int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = addr_of(ip, port);
  if (bind(l, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || listen(l, 1024) != 0) {
    close(l);
    return std::string("listen: ") + std::strerror(errno);
  }
  std::vector<session> ss;
  ss.reserve(static_cast<size_t>(n));
  std::string r = run(ss, l, n, timeout_s);
  close(l);
  return r;
}

}  // namespace sstpgw::tcp::testing
