// sstpgw-ctl-host: a test program, not a product binary. It is the control
// thread of a gateway without a data plane: it loads a configuration, builds
// gateway_state and the control thread exactly as the gateway's main will, and
// serves the control socket until SIGTERM or SIGINT, so sstpctl can be tested
// as a separate process against a real socket.
//
//   sstpgw-ctl-host --config FILE [--fake-sessions]
//
// --fake-sessions attaches an in-memory session registry and a test-only
// command, "test.add_session" {identity, root, leaf, worker}, that adds a
// session (with a pool lease) as if a client had authenticated, so the session
// commands and the "sessions disconnected" counts are exercised end to end.
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "control/config/gateway_config.hh"
#include "control/control_thread/commands.hh"
#include "control/control_thread/control_thread.hh"
#include "control/control_thread/stop_signals.hh"
#include "dataplane/common/log.hh"
#include "tests/unit/control_thread/fake_sessions.hh"

namespace {

using namespace sstpgw;
using ctl::json;

void add_test_session_command(ctl::command_table& table, control_thread::gateway_state& gw,
                              testing::fake_sessions& sessions) {
  table.add(
      {"test.add_session", "identity=S root=HEX leaf=HEX [worker=N]", "test host only: add a live session",
       [&](const json& a) {
         const auto worker = static_cast<uint32_t>(ctl::arg_int_or(a, "worker", 0));
         const uint64_t id = sessions.next_id(worker);
         auto lease = gw.pool().allocate(worker, id);
         if (!lease.ok()) throw ctl::command_error("pool: " + lease.note);
         sessions.add(ctl::arg_string(a, "identity"), ctl::arg_string(a, "root"), ctl::arg_string(a, "leaf"),
                      worker, lease.addr.to_string());
         return json{{"id", control_thread::format_session_id(id)}, {"address", lease.addr.to_string()}};
       }});
}

int serve(const std::string& config_path, bool fake) {
  auto cfg = config::load_config(config_path);
  log_level level{};
  if (parse_log_level(cfg.log_level, level)) set_log_level(level);

  control_thread::gateway_state gw(cfg);
  ctl::command_table table;
  control_thread::add_all_commands(table, gw);

  testing::fake_sessions sessions;
  if (fake) {
    gw.attach_sessions(&sessions);
    gw.set_trust_withdrawn_hook([&](const certs::store_event& e) {
      // A real registry would release the lease when the session closes.
      return sessions.on_trust_withdrawn(e);
    });
    add_test_session_command(table, gw, sessions);
  }

  control_thread::control_thread loop(table, {.socket = control_thread::socket_options_from(cfg)});
  gw.stats().add_provider("",
                          [&loop](std::vector<control_thread::stat_counter>& out) { loop.count_stats(out); });
  control_thread::stop_on_signals stop(loop);
  loop.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config;
  bool fake = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config = argv[++i];
    } else if (std::strcmp(argv[i], "--fake-sessions") == 0) {
      fake = true;
    } else {
      std::fprintf(stderr, "usage: sstpgw-ctl-host --config FILE [--fake-sessions]\n");
      return 2;
    }
  }
  if (config.empty()) {
    std::fprintf(stderr, "usage: sstpgw-ctl-host --config FILE [--fake-sessions]\n");
    return 2;
  }
  try {
    return serve(config, fake);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sstpgw-ctl-host: %s\n", e.what());
    return 1;
  }
}
