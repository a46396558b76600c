#include "dataplane/net/arp_table.hh"

#include <algorithm>
#include <stdexcept>

namespace sstpgw::net {
namespace {

uint32_t home_slot(uint32_t ip, uint32_t mask) { return (ip * 0x9e3779b1u) >> 7 & mask; }

}  // namespace

arp_table::arp_table(const arp_config& cfg) : cfg_(cfg) {
  if (cfg_.max_entries == 0 || cfg_.max_entries > (1u << 20))
    throw std::invalid_argument("arp: max_entries out of range");
  if (cfg_.pending_per_entry == 0 || cfg_.pending_per_entry > kMaxPendingPerEntry)
    throw std::invalid_argument("arp: pending_per_entry must be 1..64");
  if (cfg_.max_requests == 0) throw std::invalid_argument("arp: max_requests must be at least 1");
  entries_ = std::make_unique<entry[]>(cfg_.max_entries);
  uint32_t slots = 1;
  while (slots < 2 * cfg_.max_entries) slots <<= 1;  // load factor <= 1/2
  index_mask_ = slots - 1;
  index_ = std::make_unique<int32_t[]>(slots);
  std::fill(index_.get(), index_.get() + slots, -1);
  pending_ = std::make_unique<rte_mbuf*[]>(size_t{cfg_.max_entries} * cfg_.pending_per_entry);
  free_list_.reserve(cfg_.max_entries);
  for (uint32_t i = cfg_.max_entries; i-- > 0;) free_list_.push_back(i);
}

arp_table::~arp_table() {
  for (uint32_t i = 0; i < cfg_.max_entries; ++i) {
    entry& e = entries_[i];
    if (e.st != state::free && e.n_pending) rte_pktmbuf_free_bulk(pending(i), e.n_pending);
  }
}

int32_t arp_table::find(uint32_t ip) const {
  for (uint32_t i = home_slot(ip, index_mask_);; i = (i + 1) & index_mask_) {
    const int32_t idx = index_[i];
    if (idx < 0) return -1;
    if (entries_[static_cast<uint32_t>(idx)].ip == ip) return idx;
  }
}

int32_t arp_table::allocate(uint32_t ip, uint64_t now) {
  if (free_list_.empty()) {
    // Evict the least recently confirmed resolved entry; never an incomplete one
    // (its packets and requests are in flight).
    int32_t victim = -1;
    for (uint32_t i = 0; i < cfg_.max_entries; ++i) {
      const entry& e = entries_[i];
      if (e.st != state::reachable && e.st != state::stale) continue;
      if (victim < 0 || e.confirmed < entries_[static_cast<uint32_t>(victim)].confirmed)
        victim = static_cast<int32_t>(i);
    }
    if (victim < 0) {
      counters_.add(arp_table_counter::table_full);
      return -1;
    }
    counters_.add(arp_table_counter::evicted);
    erase(static_cast<uint32_t>(victim));
  }
  const uint32_t idx = free_list_.back();
  free_list_.pop_back();
  entries_[idx] = entry{.ip = ip, .st = state::incomplete, .confirmed = now};
  uint32_t i = home_slot(ip, index_mask_);
  while (index_[i] >= 0) i = (i + 1) & index_mask_;
  index_[i] = static_cast<int32_t>(idx);
  ++used_;
  counters_.add(arp_table_counter::created);
  return static_cast<int32_t>(idx);
}

void arp_table::drop_pending(entry& e, uint32_t idx) {
  if (e.n_pending) {
    rte_pktmbuf_free_bulk(pending(idx), e.n_pending);
    counters_.add(arp_table_counter::pending_dropped, e.n_pending);
    e.n_pending = 0;
  }
}

void arp_table::erase(uint32_t idx) {
  entry& e = entries_[idx];
  drop_pending(e, idx);
  // Remove from the index with backward-shift deletion (no tombstones).
  uint32_t i = home_slot(e.ip, index_mask_);
  while (index_[i] != static_cast<int32_t>(idx)) i = (i + 1) & index_mask_;
  index_[i] = -1;
  for (uint32_t j = (i + 1) & index_mask_; index_[j] >= 0; j = (j + 1) & index_mask_) {
    const uint32_t k = home_slot(entries_[static_cast<uint32_t>(index_[j])].ip, index_mask_);
    // Move j back to the hole at i unless its home k lies cyclically in (i, j].
    const bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      index_[i] = index_[j];
      index_[j] = -1;
      i = j;
    }
  }
  e = entry{};
  free_list_.push_back(idx);
  --used_;
}

arp_table::verdict arp_table::resolve(uint32_t next_hop, rte_mbuf* m, uint64_t now, mac_addr& mac) {
  int32_t found = find(next_hop);
  if (found >= 0) {
    const auto idx = static_cast<uint32_t>(found);
    entry& e = entries_[idx];
    if (e.st == state::reachable && now - e.confirmed > cfg_.reachable_us) {
      e.st = state::stale;
      counters_.add(arp_table_counter::went_stale);
    }
    if (e.st == state::reachable || e.st == state::stale) {
      if (e.st == state::stale) e.used_while_stale = true;  // run_timers starts the probe
      mac = e.mac;
      return verdict::resolved;
    }
    if (e.n_pending >= cfg_.pending_per_entry) {
      counters_.add(arp_table_counter::pending_full);
      return verdict::dropped;
    }
    pending(idx)[e.n_pending++] = m;
    return verdict::queued;
  }
  found = allocate(next_hop, now);
  if (found < 0) return verdict::dropped;
  const auto idx = static_cast<uint32_t>(found);
  entry& e = entries_[idx];
  e.requests = 1;
  e.next_request = now + cfg_.retry_us;
  pending(idx)[e.n_pending++] = m;
  return verdict::queued_request;
}

bool arp_table::lookup(uint32_t ip, mac_addr& mac, state* st) const {
  const int32_t idx = find(ip);
  if (idx < 0) return false;
  const entry& e = entries_[static_cast<uint32_t>(idx)];
  if (st) *st = e.st;
  if (e.st == state::incomplete) return false;
  mac = e.mac;
  return true;
}

int arp_table::learn(uint32_t ip, const mac_addr& mac, bool create, uint64_t now,
                     std::span<rte_mbuf*> released) {
  int32_t found = find(ip);
  if (found < 0) {
    if (!create) return -1;
    found = allocate(ip, now);
    if (found < 0) return -1;
  }
  const auto idx = static_cast<uint32_t>(found);
  entry& e = entries_[idx];
  if (e.st == state::incomplete) counters_.add(arp_table_counter::resolved);
  e.mac = mac;
  e.st = state::reachable;
  e.confirmed = now;
  e.requests = 0;
  e.next_request = 0;
  e.used_while_stale = false;
  const uint16_t k = static_cast<uint16_t>(std::min<size_t>(e.n_pending, released.size()));
  std::copy(pending(idx), pending(idx) + k, released.begin());
  if (k < e.n_pending) {
    // Only with a too-small span (a caller bug): never lose packets silently.
    rte_pktmbuf_free_bulk(pending(idx) + k, e.n_pending - k);
    counters_.add(arp_table_counter::pending_dropped, e.n_pending - k);
  }
  e.n_pending = 0;
  return k;
}

uint16_t arp_table::run_timers(uint64_t now, std::span<uint32_t> requests) {
  uint16_t n = 0;
  auto emit = [&](entry& e) {
    if (n >= requests.size()) return false;  // due again next call
    requests[n++] = e.ip;
    ++e.requests;
    e.next_request = now + (cfg_.retry_us << (e.requests - 1));
    return true;
  };
  for (uint32_t i = 0; i < cfg_.max_entries; ++i) {
    entry& e = entries_[i];
    switch (e.st) {
      case state::free:
        break;
      case state::reachable:
        if (now - e.confirmed > cfg_.reachable_us) {
          e.st = state::stale;
          counters_.add(arp_table_counter::went_stale);
        }
        break;
      case state::stale:
        if (!e.used_while_stale) {
          if (now - e.confirmed > 2 * cfg_.reachable_us) {
            counters_.add(arp_table_counter::aged_out);
            erase(i);
          }
          break;
        }
        if (e.requests == 0) {
          emit(e);
          break;
        }
        [[fallthrough]];
      case state::incomplete:
        if (now < e.next_request) break;
        if (e.requests >= cfg_.max_requests) {
          counters_.add(arp_table_counter::resolve_failed);
          erase(i);
          break;
        }
        emit(e);
        break;
    }
  }
  return n;
}

bool arp_table::remove(uint32_t ip) {
  const int32_t idx = find(ip);
  if (idx < 0) return false;
  erase(static_cast<uint32_t>(idx));
  return true;
}

}  // namespace sstpgw::net
