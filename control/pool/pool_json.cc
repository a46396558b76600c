#include "control/pool/pool_json.hh"

namespace sstpgw::pool {

using nlohmann::json;

json settings_json(const pool_settings& s) {
  json ranges = json::array(), excluded = json::array();
  for (const auto& r : s.ranges) ranges.push_back(r.to_string());
  for (const auto& a : s.excluded) excluded.push_back(a.to_string());
  return {{"ranges", std::move(ranges)}, {"exclude", std::move(excluded)}};
}

json pool_json(const ip_pool& pool, bool include_leases) {
  const pool_stats st = pool.stats();
  json j = settings_json(pool.settings());
  j["capacity"] = st.capacity;
  j["in_use"] = st.in_use;
  j["free"] = st.capacity - st.in_use;
  json workers = json::array();
  for (size_t w = 0; w < st.capacity_per_worker.size(); ++w)
    workers.push_back(
        {{"worker", w}, {"capacity", st.capacity_per_worker[w]}, {"free", st.free_per_worker[w]}});
  j["workers"] = std::move(workers);
  j["counters"] = {{"allocations", st.allocations}, {"preferred_hits", st.preferred_hits},
                   {"fallbacks", st.fallbacks},     {"exhausted", st.exhausted},
                   {"releases", st.releases},       {"bad_releases", st.bad_releases}};
  if (include_leases) {
    json leases = json::array();
    for (const auto& l : pool.leases())
      leases.push_back({{"address", l.addr.to_string()}, {"owner", l.owner}, {"worker", l.worker}});
    j["leases"] = std::move(leases);
  }
  return j;
}

}  // namespace sstpgw::pool
