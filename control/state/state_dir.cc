#include "control/state/state_dir.hh"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>

#include "dataplane/common/log.hh"

namespace sstpgw::state {
namespace {

constexpr std::string_view kStageNames[] = {"temp_partial", "temp_written", "temp_synced", "renamed",
                                            "dir_synced"};
constexpr std::string_view kTempMarker = ".tmp-";
constexpr const char* kLockName = ".lock";

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& what, int err) { throw state_error(what + ": " + errno_text(err)); }

// Writes all of `bytes`, retrying on EINTR and short writes.
bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

std::string random_suffix() {
  static std::random_device rd;
  static std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(::getpid()));
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(10, 'x');
  for (auto& c : s) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return s;
}

std::string mode_text(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

}  // namespace

std::string_view to_string(write_stage stage) { return kStageNames[static_cast<int>(stage)]; }

std::optional<write_stage> parse_write_stage(std::string_view text) {
  for (size_t i = 0; i < std::size(kStageNames); ++i)
    if (kStageNames[i] == text) return static_cast<write_stage>(i);
  return std::nullopt;
}

bool state_dir::valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool state_dir::is_temp_name(std::string_view entry) {
  return entry.size() > 1 && entry.front() == '.' && entry.find(kTempMarker) != std::string_view::npos;
}

state_dir::state_dir(std::string path, state_dir_options options)
    : path_(std::move(path)), options_(std::move(options)) {
  if (path_.empty()) throw state_error("state directory: empty path");
  const unsigned dir_mode = options_.group_readable ? 0750 : 0700;
  file_mode_ = options_.group_readable ? 0640 : 0600;

  if (options_.create && ::mkdir(path_.c_str(), dir_mode) == 0) {
    // mkdir honours the umask; set the exact mode, then make the new entry durable.
    if (::chmod(path_.c_str(), dir_mode) != 0) fail("state directory " + path_ + ": chmod", errno);
    std::string parent = path_;
    while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
    auto slash = parent.rfind('/');
    parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : parent.substr(0, slash));
    int pfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd >= 0) {
      ::fsync(pfd);
      ::close(pfd);
    }
    log(log_level::info, "state", "created state directory {} (mode {})", path_, mode_text(dir_mode));
  } else if (options_.create && errno != EEXIST) {
    fail("state directory " + path_ + ": cannot create", errno);
  }

  dir_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) fail("state directory " + path_ + ": cannot open", errno);
  struct stat st {};
  if (::fstat(dir_fd_, &st) != 0) {
    int err = errno;
    close_fds();
    fail("state directory " + path_ + ": stat", err);
  }
  // Whoever may write here may replace the trusted roots: refuse, do not "fix" it.
  if (st.st_mode & 022) {
    close_fds();
    throw state_error("state directory " + path_ + ": mode " + mode_text(st.st_mode) +
                      " lets group/others write it; chmod " + mode_text(dir_mode) + " " + path_);
  }
  if (st.st_mode & 007)
    log(log_level::warn, "state", "state directory {} is readable by others (mode {}); {} is recommended",
        path_, mode_text(st.st_mode), mode_text(dir_mode));

  lock_fd_ = ::openat(dir_fd_, kLockName, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, file_mode_);
  if (lock_fd_ < 0) {
    int err = errno;
    close_fds();
    fail("state directory " + path_ + ": cannot open lock file", err);
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close_fds();
    if (err == EWOULDBLOCK)
      throw state_error("state directory " + path_ + " is in use by another process (lock " + kLockName +
                        ")");
    fail("state directory " + path_ + ": lock", err);
  }

  if (!options_.test_hook) {
    if (const char* at = std::getenv(kCrashEnvVar)) {
      if (auto s = parse_write_stage(at)) {
        log(log_level::warn, "state", "{}={}: this process will kill itself at that stage of a state write",
            kCrashEnvVar, at);
        write_stage crash_at = *s;
        options_.test_hook = [crash_at](write_stage st, std::string_view) {
          if (st == crash_at) ::raise(SIGKILL);
        };
      }
    }
  }
  clean_temp_files();
}

state_dir::~state_dir() { close_fds(); }

state_dir::state_dir(state_dir&& other) noexcept
    : path_(std::move(other.path_)),
      options_(std::move(other.options_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      file_mode_(other.file_mode_),
      cleaned_(std::move(other.cleaned_)) {}

state_dir& state_dir::operator=(state_dir&& other) noexcept {
  if (this != &other) {
    close_fds();
    path_ = std::move(other.path_);
    options_ = std::move(other.options_);
    dir_fd_ = std::exchange(other.dir_fd_, -1);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
    file_mode_ = other.file_mode_;
    cleaned_ = std::move(other.cleaned_);
  }
  return *this;
}

void state_dir::close_fds() noexcept {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
  if (dir_fd_ >= 0) ::close(dir_fd_);
  lock_fd_ = dir_fd_ = -1;
}

std::string state_dir::file_path(std::string_view name) const {
  std::string p = path_;
  if (p.back() != '/') p += '/';
  p += name;
  return p;
}

void state_dir::stage(write_stage s, std::string_view name) {
  if (options_.test_hook) options_.test_hook(s, name);
}

void state_dir::clean_temp_files() {
  int fd = ::dup(dir_fd_);
  if (fd < 0) fail("state directory " + path_ + ": dup", errno);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int err = errno;
    ::close(fd);
    fail("state directory " + path_ + ": cannot list", err);
  }
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d))
    if (is_temp_name(e->d_name)) stale.emplace_back(e->d_name);
  ::closedir(d);
  for (const auto& name : stale) {
    if (::unlinkat(dir_fd_, name.c_str(), 0) != 0 && errno != ENOENT)
      fail("state directory " + path_ + ": cannot remove stale temp file " + name, errno);
    log(log_level::info, "state", "removed stale temp file {} (an interrupted write)", file_path(name));
    cleaned_.push_back(name);
  }
  if (!stale.empty() && ::fsync(dir_fd_) != 0) fail("state directory " + path_ + ": fsync", errno);
}

void state_dir::write_atomic(std::string_view name, std::string_view bytes) {
  const std::string target(name);
  if (!valid_name(name)) throw state_error("state file name '" + target + "' is not valid");
  if (bytes.size() > kMaxStateFileBytes)
    throw state_error("state file " + file_path(name) + ": " + std::to_string(bytes.size()) +
                      " bytes is over the limit of " + std::to_string(kMaxStateFileBytes));
  const std::string temp = "." + target + std::string(kTempMarker) + random_suffix();
  // Until the rename, any failure (an errno, or a test hook that throws) closes
  // and removes the temp file and leaves the target as it was.
  struct temp_file {
    int dir_fd;
    const std::string& name;
    int fd = -1;
    bool renamed = false;
    ~temp_file() {
      if (fd >= 0) ::close(fd);
      if (!renamed) ::unlinkat(dir_fd, name.c_str(), 0);
    }
  } tf{dir_fd_, temp};
  tf.fd = ::openat(dir_fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, file_mode_);
  if (tf.fd < 0) {
    tf.renamed = true;  // nothing to remove
    fail("state file " + file_path(name) + ": cannot create temp file", errno);
  }
  const std::string what = "state file " + file_path(name);
  // The umask may have narrowed or (if odd) widened the mode: set it exactly.
  if (::fchmod(tf.fd, file_mode_) != 0) fail(what + ": fchmod", errno);
  const size_t half = bytes.size() / 2;
  if (!write_all(tf.fd, bytes.data(), half)) fail(what + ": write", errno);
  stage(write_stage::temp_partial, name);
  if (!write_all(tf.fd, bytes.data() + half, bytes.size() - half)) fail(what + ": write", errno);
  stage(write_stage::temp_written, name);
  if (::fsync(tf.fd) != 0) fail(what + ": fsync", errno);
  stage(write_stage::temp_synced, name);
  const int fd = std::exchange(tf.fd, -1);
  if (::close(fd) != 0) fail(what + ": close", errno);
  if (::renameat(dir_fd_, temp.c_str(), dir_fd_, target.c_str()) != 0) fail(what + ": rename", errno);
  tf.renamed = true;
  stage(write_stage::renamed, name);
  // Without this the rename may not survive a power cut even though the data did.
  if (::fsync(dir_fd_) != 0) fail("state directory " + path_ + ": fsync after writing " + target, errno);
  stage(write_stage::dir_synced, name);
}

std::optional<std::string> state_dir::read(std::string_view name) const {
  const std::string target(name);
  if (!valid_name(name)) throw state_error("state file name '" + target + "' is not valid");
  int fd = ::openat(dir_fd_, target.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) throw state_error("state file " + file_path(name) + ": is a symbolic link; refused");
    fail("state file " + file_path(name) + ": cannot open", errno);
  }
  struct stat st {};
  auto refuse = [&](const std::string& why) {
    ::close(fd);
    throw state_error("state file " + file_path(name) + ": " + why);
  };
  if (::fstat(fd, &st) != 0) refuse(std::string("stat: ") + errno_text(errno));
  if (!S_ISREG(st.st_mode)) refuse("not a regular file");
  if (st.st_mode & 022)
    refuse("mode " + mode_text(st.st_mode) + " lets group/others write it; chmod " + mode_text(file_mode_) +
           " " + file_path(name));
  if (static_cast<uint64_t>(st.st_size) > kMaxStateFileBytes)
    refuse(std::to_string(st.st_size) + " bytes is over the limit of " + std::to_string(kMaxStateFileBytes));
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::read(fd, out.data() + got, out.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) refuse(std::string("read: ") + errno_text(errno));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  ::close(fd);
  return out;
}

bool state_dir::remove(std::string_view name) {
  const std::string target(name);
  if (!valid_name(name)) throw state_error("state file name '" + target + "' is not valid");
  if (::unlinkat(dir_fd_, target.c_str(), 0) != 0) {
    if (errno == ENOENT) return false;
    fail("state file " + file_path(name) + ": cannot remove", errno);
  }
  if (::fsync(dir_fd_) != 0) fail("state directory " + path_ + ": fsync after removing " + target, errno);
  return true;
}

}  // namespace sstpgw::state
