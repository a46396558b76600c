// pppd itself (nobody here wrote it) judges a generated peer file: with `dryrun`
// it parses every option, loads the sstp plugin, and stops before touching a
// link. The only complaint allowed is the missing /dev/ppp of a kernel without
// PPP (exit 4, EXIT_NO_KERNEL_SUPPORT).

#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace sstpgw::testing {

inline constexpr const char* kPppd = "/usr/sbin/pppd";

struct pppd_verdict {
  bool accepted = false;
  std::string output;  // pppd's own words, for the failure message
};

inline bool pppd_installed() { return ::access(kPppd, X_OK) == 0; }

inline pppd_verdict pppd_dryrun(const std::string& peer_file) {
  pppd_verdict v;
  const std::string cmd =
      "timeout 10 " + std::string(kPppd) + " file '" + peer_file + "' dryrun nodetach 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return v;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) v.output.append(buf, n);
  const int status = ::pclose(p);
  const bool options_ok = v.output.find("unrecognized option") == std::string::npos &&
                          v.output.find("In file") == std::string::npos;
  v.accepted = options_ok && WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 4);
  return v;
}

}  // namespace sstpgw::testing
