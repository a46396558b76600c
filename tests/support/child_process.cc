#include "tests/support/child_process.hh"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace sstpgw::testing {

using steady = std::chrono::steady_clock;

child_process::child_process(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const std::string& add : env) {
    const std::string name = add.substr(0, add.find('=') + 1);
    std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(name, 0) == 0; });
    env_strings.push_back(add);
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args_copy = argv;
  std::vector<char*> args;
  args.reserve(args_copy.size() + 1);
  for (std::string& a : args_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls from here: the test server's thread may hold locks.
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(args[0], args.data(), envp.data());
    static const char kMsg[] = "exec failed\n";
    (void)!::write(2, kMsg, sizeof kMsg - 1);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid_ < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

child_process::~child_process() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool child_process::read_some(int ms) {
  pollfd fds[2] = {{.fd = out_fd_, .events = POLLIN, .revents = 0},
                   {.fd = err_fd_, .events = POLLIN, .revents = 0}};
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  const int n = ::poll(fds, 2, ms);
  if (n <= 0) return true;
  char buf[8192];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
    if (got > 0) {
      (i == 0 ? result_.out : result_.err).append(buf, static_cast<size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      ::close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

bool child_process::wait_for(const std::string& which, std::string_view text,
                             std::chrono::milliseconds limit) {
  const steady::time_point until = steady::now() + limit;
  while (which.find(text) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()).count();
    if (left <= 0) return false;
    if (!read_some(static_cast<int>(std::min<long long>(left, 100))))
      return which.find(text) != std::string::npos;
  }
  return true;
}

bool child_process::wait_for_stdout(std::string_view text, std::chrono::milliseconds limit) {
  return wait_for(result_.out, text, limit);
}

bool child_process::wait_for_stderr(std::string_view text, std::chrono::milliseconds limit) {
  return wait_for(result_.err, text, limit);
}

void child_process::send_signal(int sig) {
  if (!exited_ && pid_ > 0) ::kill(pid_, sig);
}

void child_process::reap(bool block) {
  if (exited_ || pid_ <= 0) return;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r != pid_) return;
  exited_ = true;
  result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

process_result child_process::wait(std::chrono::milliseconds limit) {
  const steady::time_point until = steady::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()).count();
    if (left <= 0) break;
    const bool open = read_some(static_cast<int>(std::min<long long>(left, 100)));
    reap(false);
    if (exited_ && !open) return result_;
    if (!open) {
      // Pipes closed (or handed to a grandchild): poll for the exit itself.
      ::usleep(10000);
    }
  }
  if (!exited_) {
    result_.timed_out = true;
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  for (int i = 0; i < 64 && read_some(0); ++i) {
  }
  return result_;
}

process_result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                           std::chrono::milliseconds limit) {
  child_process p(argv, env);
  return p.wait(limit);
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      break;
    }
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

std::string ip_program() {
  static const std::string path = [] {
    std::string p = find_program("ip");
    return p.empty() ? std::string("/usr/sbin/ip") : p;
  }();
  return path;
}

bool is_root() { return ::geteuid() == 0; }

std::vector<std::string> in_netns(const std::string& ns, const std::vector<std::string>& argv) {
  if (ns.empty()) return argv;
  std::vector<std::string> a = {ip_program(), "netns", "exec", ns};
  a.insert(a.end(), argv.begin(), argv.end());
  return a;
}

}  // namespace sstpgw::testing
