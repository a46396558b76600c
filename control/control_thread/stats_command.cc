#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {

void add_stats_command(ctl::command_table& table, gateway_state& gw) {
  table.add({"stats", "", "counters of the control plane and of every registered data-plane source",
             [&gw](const ctl::json&) {
               ctl::json rows = ctl::json::array();
               for (const auto& c : gw.stats().collect())
                 rows.push_back({{"name", c.name}, {"value", c.value}, {"description", c.description}});
               return ctl::json{{"counters", std::move(rows)}};
             }});
}

}  // namespace sstpgw::control_thread
