#include "dataplane/worker/runtime_stats.hh"

#include <fmt/format.h>

namespace sstpgw::worker {

std::string runtime_stats::format() const {
  std::string out = fmt::format("{:<16} {:>12} {:>14} {:>12} {:>10} {:>14}\n", "stage", "calls", "packets",
                                "cycles/pkt", "pkts/call", "idle cycles");
  for (size_t i = 0; i < n_stages; ++i) {
    const stage_stats& s = stages[i];
    out += fmt::format("{:<16} {:>12} {:>14} {:>12.1f} {:>10.2f} {:>14}\n", s.name ? s.name : "?", s.calls,
                       s.packets, s.cycles_per_packet(), s.packets_per_call(), s.idle_cycles);
  }
  out += fmt::format("iterations {} (idle {}), sleeps {} ({} us)\n", iterations, idle_iterations, sleeps,
                     slept_us);
  return out;
}

}  // namespace sstpgw::worker
