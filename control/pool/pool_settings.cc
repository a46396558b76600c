#include "control/pool/pool_settings.hh"

#include <algorithm>

#include "control/state/json_state.hh"

namespace sstpgw::pool {
namespace {

using nlohmann::json;
constexpr std::string_view kFormat = "sstpgw-pool";
constexpr int kVersion = 1;

[[noreturn]] void refuse(std::string_view label, const std::string& problem) {
  throw state::state_error("state file " + std::string(label) + ": " + problem);
}

}  // namespace

uint64_t usable_in_prefix(const ipv4_prefix& p) {
  if (p.length >= 31) return p.size();
  return p.size() - 2;
}

bool is_network_or_broadcast(const ipv4_prefix& p, ipv4_address a) {
  return p.length <= 30 && (a == p.first() || a == p.last());
}

std::string settings_problem(const pool_settings& s) {
  if (s.ranges.empty()) return "the pool has no address range";
  if (s.ranges.size() > kMaxRanges) return "more than " + std::to_string(kMaxRanges) + " ranges";
  if (s.excluded.size() > kMaxExcluded)
    return "more than " + std::to_string(kMaxExcluded) + " excluded addresses";
  std::vector<ipv4_prefix> sorted = s.ranges;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i - 1].overlaps(sorted[i]))
      return "ranges " + sorted[i - 1].to_string() + " and " + sorted[i].to_string() + " overlap";
  uint64_t total = 0;
  for (const auto& r : s.ranges) {
    if (r.size() > kMaxPoolAddresses)
      return "range " + r.to_string() + " is larger than the limit of " + std::to_string(kMaxPoolAddresses) +
             " addresses";
    total += usable_in_prefix(r);
  }
  if (total > kMaxPoolAddresses)
    return "the ranges hold " + std::to_string(total) + " addresses, more than the limit of " +
           std::to_string(kMaxPoolAddresses);
  std::vector<ipv4_address> ex = s.excluded;
  std::sort(ex.begin(), ex.end());
  if (auto d = std::adjacent_find(ex.begin(), ex.end()); d != ex.end())
    return "excluded address " + d->to_string() + " is listed twice";
  uint64_t excluded_usable = 0;
  for (const auto& a : ex) {
    auto in =
        std::find_if(s.ranges.begin(), s.ranges.end(), [&](const ipv4_prefix& r) { return r.contains(a); });
    if (in == s.ranges.end()) return "excluded address " + a.to_string() + " is not in any range";
    if (!is_network_or_broadcast(*in, a)) ++excluded_usable;
  }
  if (excluded_usable >= total) return "no usable address is left after the exclusions";
  return {};
}

std::optional<pool_settings> make_settings(const std::vector<std::string>& ranges,
                                           const std::vector<std::string>& excluded, std::string* error) {
  pool_settings s;
  for (const auto& r : ranges) {
    auto p = parse_ipv4_prefix(r, error);
    if (!p) return std::nullopt;
    s.ranges.push_back(*p);
  }
  for (const auto& e : excluded) {
    auto a = parse_ipv4(e, error);
    if (!a) return std::nullopt;
    s.excluded.push_back(*a);
  }
  if (auto p = settings_problem(s); !p.empty()) {
    if (error) *error = p;
    return std::nullopt;
  }
  return s;
}

pool_settings parse_pool_settings(std::string_view label, std::string_view bytes) {
  json doc = state::parse_state_json(label, bytes, kFormat, kVersion);
  const json& ranges = state::require_field(label, doc, "ranges", json::value_t::array);
  pool_settings s;
  std::string error;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (!ranges[i].is_string()) refuse(label, "ranges[" + std::to_string(i) + "] must be a string");
    auto p = parse_ipv4_prefix(ranges[i].get<std::string>(), &error);
    if (!p) refuse(label, "ranges[" + std::to_string(i) + "]: " + error);
    s.ranges.push_back(*p);
  }
  if (auto it = doc.find("exclude"); it != doc.end()) {
    if (!it->is_array()) refuse(label, "field \"exclude\" must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      if (!e.is_string()) refuse(label, "exclude[" + std::to_string(i) + "] must be a string");
      auto a = parse_ipv4(e.get<std::string>(), &error);
      if (!a) refuse(label, "exclude[" + std::to_string(i) + "]: " + error);
      s.excluded.push_back(*a);
    }
  }
  if (auto p = settings_problem(s); !p.empty()) refuse(label, p);
  return s;
}

std::string serialize_pool_settings(const pool_settings& s) {
  json doc = state::make_state_json(kFormat, kVersion);
  json ranges = json::array(), excluded = json::array();
  for (const auto& r : s.ranges) ranges.push_back(r.to_string());
  for (const auto& a : s.excluded) excluded.push_back(a.to_string());
  doc["ranges"] = std::move(ranges);
  doc["exclude"] = std::move(excluded);
  return doc.dump(2) + "\n";
}

std::optional<pool_settings> load_pool_settings(const state::state_dir& dir) {
  auto bytes = dir.read(kPoolFile);
  if (!bytes) return std::nullopt;
  return parse_pool_settings(dir.file_path(kPoolFile), *bytes);
}

void save_pool_settings(state::state_dir& dir, const pool_settings& s) {
  if (auto p = settings_problem(s); !p.empty()) throw state::state_error("pool settings not saved: " + p);
  dir.write_atomic(kPoolFile, serialize_pool_settings(s));
}

}  // namespace sstpgw::pool
