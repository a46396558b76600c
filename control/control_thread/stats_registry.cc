#include "control/control_thread/stats_registry.hh"

namespace sstpgw::control_thread {

stats_registry::provider_id stats_registry::add_provider(std::string source, stats_provider provider) {
  const provider_id id = next_id_++;
  providers_.emplace(id, entry{std::move(source), std::move(provider)});
  return id;
}

bool stats_registry::remove_provider(provider_id id) { return providers_.erase(id) != 0; }

std::vector<stat_counter> stats_registry::collect() const {
  std::vector<stat_counter> all;
  for (const auto& [id, e] : providers_) {
    std::vector<stat_counter> mine;
    e.provider(mine);
    for (auto& c : mine) {
      if (!e.source.empty()) c.name = e.source + "." + c.name;
      all.push_back(std::move(c));
    }
  }
  return all;
}

}  // namespace sstpgw::control_thread
