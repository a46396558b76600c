// The client address pool's configuration: which ranges, which addresses never
// to hand out. Persisted in the state directory as
//
//   pool.json  {"format": "sstpgw-pool", "version": 1,
//               "ranges": ["172.16.201.0/24"], "exclude": ["172.16.201.1"]}
//
// Only the configuration is persisted. Live leases are not: sessions do not
// survive a restart (their TCP/TLS state dies with the process), so every
// address is free again when the gateway starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/common/ipv4_address.hh"
#include "control/state/state_dir.hh"

namespace sstpgw::pool {

// Bounds the per-address tables built at configure time (a /12; 20 MB at most).
inline constexpr uint64_t kMaxPoolAddresses = 1u << 20;
inline constexpr size_t kMaxRanges = 64;
inline constexpr size_t kMaxExcluded = 4096;
inline constexpr const char* kPoolFile = "pool.json";

struct pool_settings {
  std::vector<ipv4_prefix> ranges;
  std::vector<ipv4_address> excluded;  // e.g. the gateway's own address on the PPP side

  bool operator==(const pool_settings&) const = default;
};

// "" if the settings can make a pool, else the reason: no ranges, overlapping
// ranges, an excluded address outside every range (a typo, most likely), too
// many addresses, or no usable address left.
std::string settings_problem(const pool_settings& s);

// Addresses a prefix hands out: all but the network and broadcast addresses for
// /30 and shorter; both addresses of a /31 (RFC 3021, point-to-point); the one
// address of a /32. Excluded addresses are not subtracted here.
uint64_t usable_in_prefix(const ipv4_prefix& p);
// Whether `a` (inside `p`) is the network or broadcast address of a /0-/30.
bool is_network_or_broadcast(const ipv4_prefix& p, ipv4_address a);

// From operator text ("172.16.201.0/24", ...); nullopt and *error on failure,
// including every settings_problem().
std::optional<pool_settings> make_settings(const std::vector<std::string>& ranges,
                                           const std::vector<std::string>& excluded, std::string* error);

// Parse and validate pool.json's bytes; throws state::state_error naming `label`.
pool_settings parse_pool_settings(std::string_view label, std::string_view bytes);
std::string serialize_pool_settings(const pool_settings& s);

// nullopt if pool.json does not exist; throws state::state_error if it is corrupt.
std::optional<pool_settings> load_pool_settings(const state::state_dir& dir);
// Validated (throws state::state_error on a settings_problem) and written atomically.
void save_pool_settings(state::state_dir& dir, const pool_settings& s);

}  // namespace sstpgw::pool
