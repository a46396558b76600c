// The sstpctl tests' test host (started, stopped with a signal, or found
// killed); sstpctl itself runs through tests/support/child_process.hh.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "control/ctl/socket_client.hh"
#include "tests/support/child_process.hh"

namespace sstpgw::testing {

inline const std::string kSstpctl = std::string(SSTPGW_BUILD_ROOT) + "/control/sstpctl/sstpctl";
inline const std::string kHost = std::string(SSTPGW_BUILD_ROOT) + "/tests/integration/ctl/sstpgw-ctl-host";

// The test host serving one configuration.
class host_process {
 public:
  host_process(std::string config, std::string socket, std::string log_file, bool fake_sessions = true,
               std::vector<std::string> env = {})
      : config_(std::move(config)),
        socket_(std::move(socket)),
        log_(std::move(log_file)),
        fake_(fake_sessions),
        env_(std::move(env)) {}
  ~host_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  host_process(const host_process&) = delete;
  host_process& operator=(const host_process&) = delete;

  // Starts the host and waits until it answers "status" (or has exited).
  // False if it did not come up; log() says why.
  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      for (const auto& e : env_) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<const char*> args = {kHost.c_str(), "--config", config_.c_str()};
      if (fake_) args.push_back("--fake-sessions");
      args.push_back(nullptr);
      ::execv(args[0], const_cast<char* const*>(args.data()));
      ::_exit(127);
    }
    // Readiness wait, not a timed assertion: the host binds the socket within
    // milliseconds; the bound only keeps a broken host from hanging the test.
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return false;
      }
      try {
        if (ctl::call(socket_, "status", ctl::json::object(), 2000).value("ok", false)) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Sends `sig` and reaps the host; returns its wait status.
  int stop(int sig = SIGTERM) {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, sig);
    return reap();
  }
  // Waits for a host that is expected to end by itself (killed by the crash hook).
  int reap() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = status;
    return status;
  }
  pid_t pid() const { return pid_; }

 private:
  std::string config_, socket_, log_;
  bool fake_;
  std::vector<std::string> env_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

}  // namespace sstpgw::testing
