// The address pool as the control socket shows it (`sstpctl pool show`).
#pragma once

#include <nlohmann/json.hpp>

#include "control/pool/ip_pool.hh"

namespace sstpgw::pool {

// {"ranges", "exclude", "capacity", "in_use", "free",
//  "workers": [{"worker", "capacity", "free"}],
//  "counters": {"allocations", "preferred_hits", "fallbacks", "exhausted", "releases", "bad_releases"},
//  "leases": [{"address", "owner", "worker"}]   (only with include_leases)}
nlohmann::json pool_json(const ip_pool& pool, bool include_leases = false);
// {"ranges", "exclude"}: the persisted settings.
nlohmann::json settings_json(const pool_settings& s);

}  // namespace sstpgw::pool
