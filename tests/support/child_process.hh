// Programs a test runs as separate processes (sstp-client, sstpctl, ping, dumpcap, ip):
// started with fork + execve (the environment built before the fork, since a
// test server thread may run in this process), stdout and stderr collected
// apart, every wait bounded. A child still running when its object dies is
// killed and reaped, so a failing test leaves no process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sstpgw::testing {

struct process_result {
  int status = -1;         // exit status, or 128 + signal
  bool timed_out = false;  // killed by the wait's time limit
  std::string out;
  std::string err;
};

class child_process {
 public:
  // argv[0] is a path; `env` entries ("NAME=value") are added to this process's environment.
  explicit child_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Reads output until stdout (or stderr) holds `text`; false if the process
  // ended or the time ran out first.
  bool wait_for_stdout(std::string_view text, std::chrono::milliseconds limit);
  bool wait_for_stderr(std::string_view text, std::chrono::milliseconds limit);
  void send_signal(int sig);
  // Waits for the exit, reading output; after `limit` kills it with SIGKILL.
  process_result wait(std::chrono::milliseconds limit);
  const std::string& out() const { return result_.out; }
  const std::string& err() const { return result_.err; }

 private:
  // Reads what is there, waiting up to `ms`; false once both pipes are closed.
  bool read_some(int ms);
  bool wait_for(const std::string& which, std::string_view text, std::chrono::milliseconds limit);
  void reap(bool block);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool exited_ = false;
  process_result result_;
};

// Runs a program to its end (or kills it after `limit`).
process_result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                           std::chrono::milliseconds limit = std::chrono::seconds(60));

// The full path of a program on PATH, /usr/sbin and /sbin (execve needs one), or "".
std::string find_program(const std::string& name);
// iproute2's ip.
std::string ip_program();
bool is_root();
// argv run inside network namespace `ns` (`ip netns exec NS argv...`, which
// execs: the pid stays the program's); argv itself when ns is empty.
std::vector<std::string> in_netns(const std::string& ns, const std::vector<std::string>& argv);

// The lines of a text, without their newlines (a last line without one counts).
std::vector<std::string> lines_of(std::string_view text);

}  // namespace sstpgw::testing
