#include "control/control_thread/pool_reconcile.hh"

#include "dataplane/common/log.hh"

namespace sstpgw::control_thread {
namespace {

std::string describe(const pool::pool_settings& s) {
  std::string out;
  for (const auto& r : s.ranges) out += (out.empty() ? "" : ",") + r.to_string();
  if (!s.excluded.empty()) {
    out += " excluding ";
    std::string ex;
    for (const auto& a : s.excluded) ex += (ex.empty() ? "" : ",") + a.to_string();
    out += ex;
  }
  return out;
}

}  // namespace

std::string_view to_string(pool_reconciliation::outcome o) {
  switch (o) {
    case pool_reconciliation::outcome::first_record:
      return "first_record";
    case pool_reconciliation::outcome::unchanged:
      return "unchanged";
    case pool_reconciliation::outcome::changed:
      return "changed";
    case pool_reconciliation::outcome::replaced_unreadable:
      return "replaced_unreadable";
  }
  return "unknown";
}

pool_reconciliation reconcile_pool_settings(const config::gateway_config& cfg, state::state_dir& dir) {
  pool_reconciliation r;
  std::string error;
  auto configured = pool::make_settings(cfg.pool_ranges, cfg.pool_exclude, &error);
  if (!configured) throw config::config_error("[pool]: " + error);
  r.settings = std::move(*configured);

  std::string unreadable;
  try {
    r.previous = pool::load_pool_settings(dir);
  } catch (const state::state_error& e) {
    unreadable = e.what();
  }

  if (!unreadable.empty()) {
    r.what = pool_reconciliation::outcome::replaced_unreadable;
    r.message = "pool settings record was unreadable (" + unreadable +
                "); replaced with the configuration's: " + describe(r.settings);
  } else if (!r.previous) {
    r.what = pool_reconciliation::outcome::first_record;
    r.message = "client address pool " + describe(r.settings) + " (first start with this state directory)";
  } else if (*r.previous == r.settings) {
    r.what = pool_reconciliation::outcome::unchanged;
    r.message = "client address pool " + describe(r.settings) + " (unchanged)";
  } else {
    r.what = pool_reconciliation::outcome::changed;
    r.message = "client address pool changed since the last start: was " + describe(*r.previous) + ", now " +
                describe(r.settings) + " (the configuration wins)";
  }
  if (r.what != pool_reconciliation::outcome::unchanged) pool::save_pool_settings(dir, r.settings);
  log(r.what == pool_reconciliation::outcome::changed ||
              r.what == pool_reconciliation::outcome::replaced_unreadable
          ? log_level::warn
          : log_level::info,
      "pool", "{}", r.message);
  return r;
}

}  // namespace sstpgw::control_thread
