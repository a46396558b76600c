// The control socket's commands, one file per family, each a thin layer that
// reads the request's arguments, calls gateway_state (the one implementation
// of every operator action) and turns the result into the reply's JSON. A
// refusal (bad argument, limit, not found) is a ctl::command_error, which the
// table turns into {"ok": false, "error": "..."} and sstpctl into exit 1.
//
//   status                                   status_command.cc
//   cert.add / cert.list / cert.remove       cert_commands.cc
//   revoke.add / revoke.list / revoke.remove revoke_commands.cc
//   pool.show                                pool_command.cc
//   session.list / session.show / session.kill  session_commands.cc
//   client_package                           package_command.cc
//   stats                                    stats_command.cc
//   help                                     help_command.cc
#pragma once

#include "control/control_thread/gateway_state.hh"
#include "control/ctl/command_table.hh"

namespace sstpgw::control_thread {

void add_status_command(ctl::command_table& table, gateway_state& gw);
void add_cert_commands(ctl::command_table& table, gateway_state& gw);
void add_revoke_commands(ctl::command_table& table, gateway_state& gw);
void add_pool_command(ctl::command_table& table, gateway_state& gw);
void add_session_commands(ctl::command_table& table, gateway_state& gw);
void add_package_command(ctl::command_table& table, gateway_state& gw);
void add_stats_command(ctl::command_table& table, gateway_state& gw);
// Lists `table` as it is when the command runs (so commands added later show too).
void add_help_command(ctl::command_table& table);

// certs::change_json plus "sessions_disconnected" (cert.remove, revoke.add|remove).
ctl::json trust_change_json(const trust_change& r);

// All of the above. `gw` and `table` must outlive the table's use.
void add_all_commands(ctl::command_table& table, gateway_state& gw);

}  // namespace sstpgw::control_thread
