#include "control/certs/cert_summary.hh"
#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {
namespace {

using ctl::command_error;
using ctl::json;

json row_json(const session_row& r) {
  return {{"id", format_session_id(r.id)},
          {"identity", r.identity},
          {"address", r.address},
          {"remote", r.remote},
          {"state", r.state},
          {"since", certs::format_time(r.since)},
          {"worker", r.worker},
          {"rx_bytes", r.rx_bytes},
          {"tx_bytes", r.tx_bytes},
          {"rx_packets", r.rx_packets},
          {"tx_packets", r.tx_packets},
          {"root", r.root},
          {"leaf", r.leaf}};
}

uint64_t session_arg(const json& args) {
  const std::string text = ctl::arg_string(args, "id");
  auto id = parse_session_id(text);
  if (!id)
    throw command_error("\"" + text + "\" is not a session id (as `session list` shows it, e.g. 0.17.3)");
  return *id;
}

command_error no_such_session(const json& args) {
  return command_error("no such session: " + ctl::arg_string(args, "id"));
}

}  // namespace

void add_session_commands(ctl::command_table& table, gateway_state& gw) {
  table.add({"session.list", "", "list client sessions", [&gw](const json&) {
               json rows = json::array();
               if (auto* dir = gw.sessions())
                 for (const auto& r : dir->list()) rows.push_back(row_json(r));
               const size_t n = rows.size();
               return json{{"sessions", std::move(rows)}, {"count", n}};
             }});
  table.add({"session.show", "id=SESSION", "one session in detail", [&gw](const json& a) {
               const uint64_t id = session_arg(a);
               auto* dir = gw.sessions();
               auto row = dir ? dir->find(id) : std::nullopt;
               if (!row) throw no_such_session(a);
               json j = row_json(*row);
               json details = json::object();
               for (const auto& [k, v] : row->details) details[k] = v;
               j["details"] = std::move(details);
               return j;
             }});
  table.add({"session.kill", "id=SESSION [reason=TEXT]", "disconnect a session", [&gw](const json& a) {
               const uint64_t id = session_arg(a);
               const std::string reason = ctl::arg_string_or(a, "reason", "disconnected by the operator");
               auto* dir = gw.sessions();
               if (!dir || !dir->kill(id, reason)) throw no_such_session(a);
               return json{{"killed", format_session_id(id)}, {"reason", reason}};
             }});
}

}  // namespace sstpgw::control_thread
