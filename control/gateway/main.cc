// sstpgw: the gateway process. Loads the configuration, starts DPDK and the
// workers, and runs the control thread until SIGTERM or SIGINT.
//
//   sstpgw --config FILE [--check-config] [--log-level L]
//
// Exit status: 0 stopped cleanly (or the configuration is valid with
// --check-config); 1 could not start or run; 2 the configuration is wrong
// (one line on stderr naming the file, line or key).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "control/control_thread/gateway_state.hh"
#include "control/gateway/gateway.hh"

namespace {

int parse_and_run(int argc, char** argv) {
  using namespace sstpgw;
  CLI::App app{"sstpgw: point-to-site SSTP VPN gateway (DPDK data plane)"};
  gateway::run_options o;
  std::string level;
  bool version = false;
  app.add_option("--config,-c", o.config_path, "configuration file (TOML)");
  app.add_flag("--check-config", o.check_only, "validate the configuration and the TLS files, then exit");
  app.add_option("--log-level", level, "debug | info | warn | error | off (overrides [gateway] log_level)");
  app.add_flag("--version", version, "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : gateway::kExitConfigError;
  }
  if (version) {
    std::printf("sstpgw %.*s\n", static_cast<int>(control_thread::gateway_version().size()),
                control_thread::gateway_version().data());
    return 0;
  }
  if (o.config_path.empty()) {
    std::fprintf(stderr, "sstpgw: --config FILE is required\n%s", app.help().c_str());
    return gateway::kExitConfigError;
  }
  if (!level.empty()) o.log_level = level;
  return gateway::run(o);
}

}  // namespace

int main(int argc, char** argv) {
  // run() reports what it expects; anything else still ends with a line and
  // the failure status, never std::terminate.
  try {
    return parse_and_run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sstpgw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "sstpgw: unexpected error\n");
  }
  return sstpgw::gateway::kExitFailure;
}
