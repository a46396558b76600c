// The client address pool's settings at start: the configuration file is the
// source; pool.json in the state directory records what the gateway applied
// last time. Comparing the two tells the operator, once, in the log, that the
// pool changed between runs (say, a range was added or shrunk), and keeps a
// record an operator can read without the configuration file at hand.
//
// Which wins: the configuration, always. pool.json is never an input to the
// pool; an edit to it changes nothing but the next start's "changed" message.
// An unreadable pool.json is therefore not a reason to refuse to start: it is
// logged and replaced (unlike roots.json/revoked.json, which are the only copy
// of what the operator said and refuse to load when damaged).
//
// Leases are not persisted: sessions do not survive a restart.
#pragma once

#include <optional>
#include <string>

#include "control/config/gateway_config.hh"
#include "control/pool/pool_settings.hh"
#include "control/state/state_dir.hh"

namespace sstpgw::control_thread {

struct pool_reconciliation {
  enum class outcome {
    first_record,         // no pool.json yet: written
    unchanged,            // pool.json equals the configuration: nothing written
    changed,              // the configuration changed since the last start: pool.json rewritten
    replaced_unreadable,  // pool.json was corrupt: rewritten from the configuration
  };
  outcome what = outcome::first_record;
  pool::pool_settings settings;                 // what the pool uses: the configuration's
  std::optional<pool::pool_settings> previous;  // what pool.json said, when it was readable
  std::string message;                          // one line, also logged
};
std::string_view to_string(pool_reconciliation::outcome o);

// Throws config::config_error if the configured ranges cannot make a pool, and
// state::state_error if pool.json cannot be written.
pool_reconciliation reconcile_pool_settings(const config::gateway_config& cfg, state::state_dir& dir);

}  // namespace sstpgw::control_thread
