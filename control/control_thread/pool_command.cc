#include "control/control_thread/commands.hh"
#include "control/pool/pool_json.hh"

namespace sstpgw::control_thread {

void add_pool_command(ctl::command_table& table, gateway_state& gw) {
  table.add({"pool.show", "", "client address pool: ranges, use per worker, counters, leases",
             [&gw](const ctl::json&) {
               ctl::json j = pool::pool_json(gw.pool(), /*include_leases=*/true);
               // A lease's owner is its session id; name the session the operator knows.
               for (auto& lease : j["leases"]) {
                 const uint64_t owner = lease["owner"].get<uint64_t>();
                 lease["session"] = format_session_id(owner);
                 if (auto* dir = gw.sessions())
                   if (auto row = dir->find(owner)) lease["identity"] = row->identity;
                 lease.erase("owner");
               }
               j["settings_at_start"] = std::string(to_string(gw.pool_at_start().what));
               return j;
             }});
}

}  // namespace sstpgw::control_thread
