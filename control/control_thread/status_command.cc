#include <fmt/format.h>

#include "control/certs/cert_summary.hh"
#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {
namespace {

using ctl::json;

std::string uptime_text(int64_t s) {
  const int64_t days = s / 86400;
  s %= 86400;
  std::string hms = fmt::format("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return days ? fmt::format("{}d {}", days, hms) : hms;
}

json status_json(const gateway_status& s) {
  return {
      {"version", s.version},
      {"name", s.name},
      {"server_name", s.server_name},
      {"listen_port", s.listen_port},
      {"workers", s.workers},
      {"started_at", certs::format_time(s.started_at)},
      {"uptime_s", s.uptime_s},
      {"uptime", uptime_text(s.uptime_s)},
      {"state_dir", s.state_dir},
      {"roots", {{"count", s.roots}, {"limit", s.roots_limit}}},
      {"revoked", {{"count", s.revoked}}},
      {"pool",
       {{"capacity", s.pool_capacity}, {"in_use", s.pool_in_use}, {"free", s.pool_capacity - s.pool_in_use}}},
      {"sessions", {{"count", s.sessions}, {"registry", s.sessions_attached ? "attached" : "none"}}},
      {"server_certificate",
       {{"subject", s.server_certificate.subject},
        {"sha1", s.server_certificate.sha1.hex()},
        {"not_after", certs::format_time(s.server_certificate.not_after)}}}};
}

}  // namespace

void add_status_command(ctl::command_table& table, gateway_state& gw) {
  table.add({"status", "", "version, uptime, server, workers, roots, revocations, pool and sessions",
             [&gw](const json&) { return status_json(gw.status()); }});
}

}  // namespace sstpgw::control_thread
