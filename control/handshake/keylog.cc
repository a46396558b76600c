#include "control/handshake/keylog.hh"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/handshake/tls_config.hh"
#include "dataplane/common/hex.hh"
#include "dataplane/common/log.hh"

namespace sstpgw::handshake {
namespace {

bool decode_hex(std::string_view hex, uint8_t* out, size_t out_len) {
  if (hex.size() != 2 * out_len) return false;
  for (size_t i = 0; i < out_len; ++i) {
    const int hi = hex_digit_value(hex[2 * i]);
    const int lo = hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

bool parse_keylog_line(std::string_view line, keylog_entry& out) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  const std::string_view random = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view secret = line.substr(sp2 + 1);
  if (secret.size() % 2 != 0 || secret.empty() || secret.size() / 2 > tls::kMaxSecretLen) return false;
  out.label = line.substr(0, sp1);
  out.secret_len = secret.size() / 2;
  if (!decode_hex(random, out.client_random, kClientRandomLen) ||
      !decode_hex(secret, out.secret, out.secret_len)) {
    wipe(out);
    return false;
  }
  return true;
}

void wipe(keylog_entry& e) {
  OPENSSL_cleanse(e.secret, sizeof e.secret);
  e.secret_len = 0;
}

keylog_file::keylog_file(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw config_error("keylog_file " + path_ + ": cannot open: " + std::strerror(errno));
  // A file that already existed keeps its mode on open; it holds secrets, so tighten it.
  if (::fchmod(fd_, 0600) != 0) {
    const int e = errno;
    ::close(fd_);
    throw config_error("keylog_file " + path_ + ": cannot set mode 0600: " + std::strerror(e));
  }
  log(log_level::warn, "handshake", "writing TLS session secrets to key log {} (debugging only)", path_);
}

keylog_file::~keylog_file() {
  if (fd_ >= 0) ::close(fd_);
}

void keylog_file::append(std::string_view line) {
  // Lines are at most ~140 characters (label + 64 + 96 hex); build one buffer
  // so a single write appends the whole line.
  char buf[512];
  if (line.size() + 1 > sizeof buf) return;
  std::memcpy(buf, line.data(), line.size());
  buf[line.size()] = '\n';
  const ssize_t n = ::write(fd_, buf, line.size() + 1);
  OPENSSL_cleanse(buf, sizeof buf);
  if (n != static_cast<ssize_t>(line.size() + 1) && !write_failed_) {
    write_failed_ = true;
    log(log_level::error, "handshake", "key log {}: write failed: {}", path_,
        n < 0 ? std::strerror(errno) : "short write");
  }
}

}  // namespace sstpgw::handshake
