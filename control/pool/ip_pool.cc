#include "control/pool/ip_pool.hh"

#include <algorithm>

namespace sstpgw::pool {

ip_pool::ip_pool(pool_settings settings, uint32_t workers, const worker_of_fn& worker_of)
    : settings_(std::move(settings)) {
  if (auto p = settings_problem(settings_); !p.empty()) throw pool_error("address pool: " + p);
  if (workers == 0) throw pool_error("address pool: needs at least one worker");

  for (const auto& r : settings_.ranges) ranges_.push_back({r, 0});
  std::sort(ranges_.begin(), ranges_.end(),
            [](const range_slots& a, const range_slots& b) { return a.prefix < b.prefix; });
  uint64_t total_slots = 0;
  for (auto& r : ranges_) {
    r.first_slot = static_cast<uint32_t>(total_slots);
    total_slots += r.prefix.size();
  }
  // settings_problem() bounds every range to kMaxPoolAddresses and their usable sum
  // too; slots also count network/broadcast, so at most kMaxRanges * 2 more.
  slots_.resize(static_cast<size_t>(total_slots));

  std::vector<ipv4_address> excluded = settings_.excluded;
  std::sort(excluded.begin(), excluded.end());
  std::vector<std::vector<uint32_t>> lists(workers);
  for (const auto& r : ranges_) {
    for (uint64_t off = 0; off < r.prefix.size(); ++off) {
      const ipv4_address a{static_cast<uint32_t>(r.prefix.first().value + off)};
      if (is_network_or_broadcast(r.prefix, a)) continue;
      if (std::binary_search(excluded.begin(), excluded.end(), a)) continue;
      const uint32_t w = worker_of ? worker_of(a) : 0;
      if (w >= workers)
        throw pool_error("address pool: worker_of(" + a.to_string() + ") returned " + std::to_string(w) +
                         " but there are " + std::to_string(workers) + " workers");
      const uint32_t s = r.first_slot + static_cast<uint32_t>(off);
      slots_[s] = {0, w, kFree};
      lists[w].push_back(s);
    }
  }
  free_.resize(workers);
  capacity_per_worker_.resize(workers);
  for (uint32_t w = 0; w < workers; ++w) {
    capacity_per_worker_[w] = lists[w].size();
    capacity_ += lists[w].size();
    free_[w].buf = std::move(lists[w]);
    free_[w].count = free_[w].buf.size();
  }
}

std::optional<uint32_t> ip_pool::slot_of(ipv4_address addr) const {
  // Last range starting at or before addr.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                             [](ipv4_address a, const range_slots& r) { return a < r.prefix.first(); });
  if (it == ranges_.begin()) return std::nullopt;
  --it;
  if (!it->prefix.contains(addr)) return std::nullopt;
  return it->first_slot + (addr.value - it->prefix.first().value);
}

ipv4_address ip_pool::addr_of(uint32_t slot) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), slot,
                             [](uint32_t s, const range_slots& r) { return s < r.first_slot; });
  --it;
  return {it->prefix.first().value + (slot - it->first_slot)};
}

allocation ip_pool::allocate(uint32_t preferred_worker, uint64_t owner) {
  allocation out;
  uint32_t w = preferred_worker;
  if (w >= workers() || free_[w].count == 0) {
    // Fallback: the worker with the most free addresses (keeps the others' lists long).
    uint32_t best = 0;
    for (uint32_t k = 1; k < workers(); ++k)
      if (free_[k].count > free_[best].count) best = k;
    if (free_[best].count == 0) {
      ++exhausted_;
      out.status = alloc_status::exhausted;
      out.note = "address pool exhausted: all " + std::to_string(capacity_) + " addresses are leased";
      return out;
    }
    if (preferred_worker != kAnyWorker) {
      out.note = preferred_worker >= workers()
                     ? "no worker " + std::to_string(preferred_worker) + "; took an address of worker " +
                           std::to_string(best)
                     : "no free address maps to worker " + std::to_string(preferred_worker) +
                           "; took one of worker " + std::to_string(best) + " (return traffic is handed off)";
      ++fallbacks_;
    }
    w = best;
  } else {
    ++preferred_hits_;
  }
  const uint32_t s = free_[w].pop();
  slots_[s].state = kLeased;
  slots_[s].owner = owner;
  ++in_use_;
  ++allocations_;
  out.status = alloc_status::ok;
  out.addr = addr_of(s);
  out.worker = w;
  out.on_preferred = w == preferred_worker;
  return out;
}

bool ip_pool::release(ipv4_address addr) {
  auto s = slot_of(addr);
  if (!s || slots_[*s].state != kLeased) {
    ++bad_releases_;
    return false;
  }
  slots_[*s].state = kFree;
  slots_[*s].owner = 0;
  free_[slots_[*s].worker].push(*s);
  --in_use_;
  ++releases_;
  return true;
}

bool ip_pool::is_leased(ipv4_address addr) const {
  auto s = slot_of(addr);
  return s && slots_[*s].state == kLeased;
}

std::optional<uint64_t> ip_pool::owner_of(ipv4_address addr) const {
  auto s = slot_of(addr);
  if (!s || slots_[*s].state != kLeased) return std::nullopt;
  return slots_[*s].owner;
}

bool ip_pool::is_usable(ipv4_address addr) const {
  auto s = slot_of(addr);
  return s && slots_[*s].state != kUnusable;
}

std::optional<uint32_t> ip_pool::worker_of(ipv4_address addr) const {
  auto s = slot_of(addr);
  if (!s || slots_[*s].state == kUnusable) return std::nullopt;
  return slots_[*s].worker;
}

pool_stats ip_pool::stats() const {
  pool_stats st;
  st.capacity = capacity_;
  st.in_use = in_use_;
  st.capacity_per_worker = capacity_per_worker_;
  for (const auto& f : free_) st.free_per_worker.push_back(f.count);
  st.allocations = allocations_;
  st.preferred_hits = preferred_hits_;
  st.fallbacks = fallbacks_;
  st.exhausted = exhausted_;
  st.releases = releases_;
  st.bad_releases = bad_releases_;
  return st;
}

std::vector<lease> ip_pool::leases() const {
  std::vector<lease> out;
  out.reserve(static_cast<size_t>(in_use_));
  for (uint32_t s = 0; s < slots_.size(); ++s)
    if (slots_[s].state == kLeased) out.push_back({addr_of(s), slots_[s].owner, slots_[s].worker});
  return out;
}

}  // namespace sstpgw::pool
