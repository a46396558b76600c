// The counters `sstpctl stats` shows, gathered on demand from providers: the
// control plane's own (control socket, loop, certificate store, pool) and,
// once the gateway registers them, the data plane's (per-worker stage counters,
// ring drops). A provider runs on the control thread when the command runs;
// reading a worker's plain counters from there is fine (a torn read shows a
// value one update old).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sstpgw::control_thread {

struct stat_counter {
  std::string name;  // dotted, prefixed by the provider's source: "ctl.requests", "worker0.tcp.rx_segments"
  uint64_t value = 0;
  std::string description;
};

// Appends its counters (names without the source prefix) to `out`.
using stats_provider = std::function<void(std::vector<stat_counter>& out)>;

class stats_registry {
 public:
  using provider_id = uint64_t;

  // `source` prefixes every counter the provider reports ("worker0" -> "worker0.x").
  provider_id add_provider(std::string source, stats_provider provider);
  // False if the id is unknown (removed twice).
  bool remove_provider(provider_id id);

  // Every provider's counters, providers in registration order.
  std::vector<stat_counter> collect() const;
  size_t provider_count() const { return providers_.size(); }

 private:
  struct entry {
    std::string source;
    stats_provider provider;
  };
  std::map<provider_id, entry> providers_;
  provider_id next_id_ = 1;
};

}  // namespace sstpgw::control_thread
