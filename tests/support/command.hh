// Runs a shell command from a test and collects what it printed, for tests
// that judge our output with programs nobody here wrote (tshark, openssl,
// pppd, ip) or drive the operator's tools (sstpgw-certs, sstpctl).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace sstpgw::testing {

struct command_result {
  std::string output;  // standard output (add 2>&1 to the command for standard error too)
  int exit_code = -1;  // -1: the command could not start, or a signal ended it
  bool ok() const { return exit_code == 0; }
};

inline command_result run_command(const std::string& cmd) {
  command_result r;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// Standard output of `cmd`, whatever its exit status.
inline std::string command_output(const std::string& cmd) { return run_command(cmd).output; }

// Whether `program` is on PATH (tests skip with the reason when it is not).
inline bool have_program(const std::string& program) {
  return run_command("command -v '" + program + "' >/dev/null 2>&1").ok();
}

}  // namespace sstpgw::testing
