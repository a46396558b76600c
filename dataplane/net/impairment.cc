#include "dataplane/net/impairment.hh"

#include <algorithm>

namespace sstpgw::net {

namespace {

bool later(const auto& a, const auto& b) { return a.due != b.due ? a.due > b.due : a.order > b.order; }

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

impairment::impairment(const impairment_config& cfg, rte_mempool* copy_pool) : cfg_(cfg), pool_(copy_pool) {
  uint64_t s = cfg.seed;
  state_[0] = splitmix(s);
  state_[1] = splitmix(s);
  heap_.reserve(cfg.capacity);
  side_.reserve(cfg.reorder_window + 64);
}

impairment::~impairment() {
  for (auto& it : heap_) rte_pktmbuf_free(it.m);
  for (auto& h : side_) rte_pktmbuf_free(h.m);
}

void impairment::set_config(const impairment_config& cfg) {
  const uint64_t s0 = state_[0], s1 = state_[1];
  cfg_ = cfg;
  state_[0] = s0;
  state_[1] = s1;
}

// xoroshiro128+: fast, seeded, the same sequence on every run.
uint64_t impairment::next_random() {
  const uint64_t s0 = state_[0];
  uint64_t s1 = state_[1];
  const uint64_t r = s0 + s1;
  s1 ^= s0;
  state_[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
  state_[1] = (s1 << 37) | (s1 >> 27);
  return r;
}

void impairment::enqueue(rte_mbuf* m, uint64_t due) {
  if (heap_.size() >= cfg_.capacity) {
    ++stats_.overflow;
    rte_pktmbuf_free(m);
    return;
  }
  heap_.push_back(item{due, order_++, m});
  std::push_heap(heap_.begin(), heap_.end(), [](const item& a, const item& b) { return later(a, b); });
}

void impairment::push(rte_mbuf** pkts, uint16_t n, uint64_t now_ns) {
  for (uint16_t k = 0; k < n; ++k) {
    rte_mbuf* m = pkts[k];
    ++stats_.in;
    ++ordinal_;
    if (cfg_.drop > 0 && uniform() < cfg_.drop) {
      ++stats_.dropped;
      rte_pktmbuf_free(m);
      continue;
    }
    const uint64_t jitter = cfg_.jitter_ns ? next_random() % (cfg_.jitter_ns + 1) : 0;
    const uint64_t due = now_ns + cfg_.delay_ns + jitter;
    if (cfg_.duplicate > 0 && uniform() < cfg_.duplicate && pool_ != nullptr) {
      // A deep copy: the receiver edits its packets in place.
      rte_mbuf* dup = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
      if (dup != nullptr) {
        ++stats_.duplicated;
        enqueue(dup, due + (cfg_.jitter_ns ? next_random() % (cfg_.jitter_ns + 1) : 0));
      }
    }
    if (cfg_.reorder > 0 && cfg_.reorder_window > 0 && uniform() < cfg_.reorder &&
        side_.size() < side_.capacity()) {
      ++stats_.reordered;
      const uint64_t wait = 1 + next_random() % cfg_.reorder_window;
      // Never held much longer than the path delay plus a millisecond.
      side_.push_back(held_back{ordinal_ + wait, due + 1'000'000, m});
      continue;
    }
    enqueue(m, due);
    release_side(now_ns, false);
  }
}

// Moves held-back packets whose turn came (enough later packets queued) or
// whose deadline passed into the timed queue, right behind the newest packet.
void impairment::release_side(uint64_t now_ns, bool all_due) {
  for (size_t k = 0; k < side_.size();) {
    held_back& h = side_[k];
    if (ordinal_ >= h.release_after || (all_due && h.deadline <= now_ns)) {
      const uint64_t due = heap_.empty() ? h.deadline : std::max(now_ns + cfg_.delay_ns, now_ns);
      enqueue(h.m, all_due ? now_ns : due);
      side_[k] = side_.back();
      side_.pop_back();
    } else {
      ++k;
    }
  }
}

uint16_t impairment::pull(rte_mbuf** out, uint16_t max, uint64_t now_ns) {
  release_side(now_ns, true);
  uint16_t n = 0;
  const auto cmp = [](const item& a, const item& b) { return later(a, b); };
  while (n < max && !heap_.empty() && heap_.front().due <= now_ns) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    out[n++] = heap_.back().m;
    heap_.pop_back();
  }
  stats_.out += n;
  return n;
}

uint64_t impairment::next_due() const {
  uint64_t d = heap_.empty() ? UINT64_MAX : heap_.front().due;
  for (const auto& h : side_) d = std::min(d, h.deadline);
  return d;
}

uint16_t impairment::sink_fn(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<impairment*>(ctx);
  self->push(pkts, n, self->now_);
  return n;
}

}  // namespace sstpgw::net
