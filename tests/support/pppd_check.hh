// pppd itself (nobody here wrote it) judges a generated peer file: with `dryrun`
// it parses every option, loads the sstp plugin, and stops before touching a
// link. The only complaint allowed is the missing /dev/ppp of a kernel without
// PPP (exit 4, EXIT_NO_KERNEL_SUPPORT).

#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/support/command.hh"

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
  const command_result r = run_command(cmd);
  v.output = r.output;
  const bool options_ok = v.output.find("unrecognized option") == std::string::npos &&
                          v.output.find("In file") == std::string::npos;
  v.accepted = options_ok && (r.exit_code == 0 || r.exit_code == 4);
  return v;
}

}  // namespace sstpgw::testing
