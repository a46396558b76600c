#include "control/certs/store_json.hh"
#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {

void add_revoke_commands(ctl::command_table& table, gateway_state& gw) {
  using ctl::command_error;
  using ctl::json;
  table.add({"revoke.add", "thumbprint=SHA1-HEX [comment=TEXT]",
             "revoke a client (or intermediate) certificate and disconnect its sessions",
             [&gw](const json& a) {
               auto r = gw.revoke(ctl::arg_string(a, "thumbprint"), ctl::arg_string_or(a, "comment", ""));
               if (!r.change.ok) throw command_error(r.change.message);
               return trust_change_json(r);
             }});
  table.add({"revoke.list", "", "list revoked thumbprints",
             [&gw](const json&) { return certs::revoked_json(gw.cert_store()); }});
  table.add({"revoke.remove", "thumbprint=SHA1-HEX", "take a thumbprint off the revocation list",
             [&gw](const json& a) {
               auto r = gw.unrevoke(ctl::arg_string(a, "thumbprint"));
               if (!r.change.ok) throw command_error(r.change.message);
               return trust_change_json(r);
             }});
}

}  // namespace sstpgw::control_thread
