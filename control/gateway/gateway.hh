// The sstpgw process, start to finish:
//
//   configuration (load, validate, TLS identity and contexts)   exit 2 if wrong
//   stop signals blocked (every thread EAL starts inherits it)
//   EAL (lcores = workers + main, hugepages, vdevs), ports, channels, owner
//   table, handoff mesh, workers (built, not yet running)
//   gateway_state (state directory, certificate store, pool with the VNet
//   port's return-traffic mapping), EAP-TLS server, session registry, command
//   table, control thread with its socket, stats providers, signalfd
//   workers launched on their lcores; the control loop runs on the main lcore
//   SIGTERM/SIGINT: sessions disconnected politely (SSTP/PPP goodbyes, TLS
//   close_notify), a short grace for them to leave, workers stopped and
//   joined, everything released, EAL cleaned up.
#pragma once

#include <optional>
#include <string>

#include "control/config/gateway_config.hh"

namespace sstpgw::gateway {

// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // could not start or run (the log says why)
inline constexpr int kExitConfigError = 2;  // the configuration is wrong (one line on stderr)

struct run_options {
  std::string config_path;
  bool check_only = false;               // --check-config: validate and exit
  std::optional<std::string> log_level;  // overrides [gateway] log_level
};

// Checks that go beyond one key: addresses that would collide (the pool
// against the gateway's own subnets). Throws config::config_error.
void check_addresses(const config::gateway_config& cfg);
// The control socket path fits a Unix socket address (found before EAL
// starts, and by --check-config). Throws config::config_error.
void check_control_socket(const config::gateway_config& cfg);

int run(const run_options& options);

}  // namespace sstpgw::gateway
