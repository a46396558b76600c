#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {

void add_all_commands(ctl::command_table& table, gateway_state& gw) {
  add_status_command(table, gw);
  add_cert_commands(table, gw);
  add_revoke_commands(table, gw);
  add_pool_command(table, gw);
  add_session_commands(table, gw);
  add_package_command(table, gw);
  add_stats_command(table, gw);
  add_help_command(table);
}

}  // namespace sstpgw::control_thread
