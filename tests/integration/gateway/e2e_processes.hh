// Processes for the gateway's end-to-end tests: programs started in a network
// namespace with their output in a log file (sstpgw, sstp-client, a web
// server), stopped by signal and reaped; short commands run to completion with
// their output. Every started process is remembered so a SIGTERM from the test
// runner (meson's timeout) still kills them and removes the namespaces.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.hh"
#include "tests/support/files.hh"

namespace sstpgw::testing::e2e {

// ------------------------------------------------------------ emergency cleanup
// Pids of live children and the command that removes the namespaces, for the
// SIGTERM/SIGINT handler (async-signal-safe: kill, fork, execv, waitpid).
inline std::array<std::atomic<pid_t>, 32> g_children{};
inline std::vector<std::string> g_teardown_args;  // set once before any child starts
inline std::vector<char*> g_teardown_argv;        // pointers into g_teardown_args

inline void remember(pid_t pid) {
  for (auto& c : g_children) {
    pid_t none = 0;
    if (c.compare_exchange_strong(none, pid)) return;
  }
}
inline void forget(pid_t pid) {
  for (auto& c : g_children) {
    pid_t p = pid;
    c.compare_exchange_strong(p, 0);
  }
}

extern "C" inline void e2e_on_stop_signal(int sig) {
  for (auto& c : g_children) {
    const pid_t p = c.load();
    if (p > 0) ::kill(p, SIGKILL);
  }
  if (!g_teardown_argv.empty()) {
    const pid_t t = ::fork();
    if (t == 0) {
      ::execv(g_teardown_argv[0], g_teardown_argv.data());
      ::_exit(127);
    }
    if (t > 0) ::waitpid(t, nullptr, 0);
  }
  ::_exit(128 + sig);
}

inline void install_stop_handler(const std::vector<std::string>& teardown) {
  g_teardown_args = teardown;
  g_teardown_argv.clear();
  for (auto& a : g_teardown_args) g_teardown_argv.push_back(a.data());
  g_teardown_argv.push_back(nullptr);
  struct sigaction sa {};
  sa.sa_handler = e2e_on_stop_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
}

// ------------------------------------------------------------ helpers
struct command_result {
  int status = -1;     // exit status, or 128 + signal
  std::string output;  // stdout, then stderr
};

inline int decode_status(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

// Runs argv to completion (killed after two minutes).
inline command_result run(const std::vector<std::string>& argv) {
  process_result r = run_process(argv, {}, std::chrono::minutes(2));
  return {r.status, r.out + r.err};
}

// A long-running program with its output in a log file.
class child {
 public:
  child() = default;
  child(const std::vector<std::string>& argv, std::string log) : log_(std::move(log)) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      ::dup2(null, 0);
      // Default dispositions: the test's own handler must not run in the child.
      ::signal(SIGTERM, SIG_DFL);
      ::signal(SIGINT, SIG_DFL);
      std::vector<char*> args;
      args.reserve(argv.size() + 1);
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    remember(pid_);
  }
  ~child() { kill_now(); }
  child(child&& o) noexcept : pid_(o.pid_), status_(o.status_), log_(std::move(o.log_)) { o.pid_ = -1; }
  child& operator=(child&& o) noexcept {
    if (this != &o) {
      kill_now();
      pid_ = o.pid_;
      status_ = o.status_;
      log_ = std::move(o.log_);
      o.pid_ = -1;
    }
    return *this;
  }

  pid_t pid() const { return pid_; }
  const std::string& log_file() const { return log_; }
  std::string log() const { return read_text(log_); }

  // Whether it still runs (reaps it if it ended).
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      reaped(st);
      return false;
    }
    return true;
  }

  // Waits for it to end by itself; the exit status, or nullopt if it still
  // runs after `bound`.
  std::optional<int> wait_exit(std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (running()) {
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }

  // Sends sig and waits up to `bound`, then SIGKILL. The exit status.
  int stop(int sig = SIGTERM, std::chrono::milliseconds bound = std::chrono::seconds(15)) {
    if (pid_ > 0) {
      ::kill(pid_, sig);
      if (!wait_exit(bound)) kill_now();
    }
    return status_;
  }

  // Waits until the log contains `text`, while the program runs, up to
  // `bound` (a readiness wait, not a timed assertion).
  bool wait_for_log(const std::string& text, std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    for (;;) {
      if (log().find(text) != std::string::npos) return true;
      if (!running() || std::chrono::steady_clock::now() >= until)
        return log().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  int status() const { return status_; }

 private:
  void reaped(int st) {
    forget(pid_);
    pid_ = -1;
    status_ = decode_status(st);
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    reaped(st);
  }

  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

}  // namespace sstpgw::testing::e2e
