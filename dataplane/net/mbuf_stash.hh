// A handful of mbufs taken from a pool ahead of use, their headers prefetched,
// for a stage that allocates one mbuf per packet (a TCP segment header, a copy
// of a client packet for the VNet). Mbufs freed a window ago come back from
// the pool cold; rte_pktmbuf_alloc then stalls on the header it resets (the
// first and second cache lines), once per packet. Taking kSize at once and
// prefetching them all overlaps those misses: perf_worker measured
// rte_pktmbuf_alloc at over a third of the VNet->client worker time before.
//
// One lcore only (like the stage that owns it). Holds at most kSize mbufs out
// of the pool: a burst, within the mempool formula's per-lcore allowance
// (dataplane/eal/mempool.hh). Everything held goes back on destruction.
#pragma once

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include <cstdint>

namespace sstpgw::net {

class mbuf_stash {
 public:
  static constexpr uint32_t kSize = 32;

  mbuf_stash() = default;
  explicit mbuf_stash(rte_mempool* pool) : pool_(pool) {}
  ~mbuf_stash() { release(); }
  mbuf_stash(const mbuf_stash&) = delete;
  mbuf_stash& operator=(const mbuf_stash&) = delete;

  // Before first use; gives back what was taken from a previous pool.
  void set_pool(rte_mempool* pool) {
    release();
    pool_ = pool;
  }
  rte_mempool* pool() const { return pool_; }

  // A reset mbuf (as rte_pktmbuf_alloc returns), or nullptr if the pool is empty.
  rte_mbuf* alloc() {
    if (next_ == count_ && !refill()) return rte_pktmbuf_alloc(pool_);
    rte_mbuf* m = held_[next_++];
    rte_pktmbuf_reset(m);
    return m;
  }

  // Returns every mbuf not handed out to the pool.
  void release() {
    if (next_ < count_) rte_mempool_put_bulk(pool_, reinterpret_cast<void**>(held_ + next_), count_ - next_);
    next_ = count_ = 0;
  }

  uint32_t held() const { return count_ - next_; }

 private:
  bool refill() {
    next_ = count_ = 0;
    if (pool_ == nullptr || rte_mempool_get_bulk(pool_, reinterpret_cast<void**>(held_), kSize) != 0) return false;
    count_ = kSize;
    // In the order they are handed out: the first lands first.
    for (uint32_t i = 0; i < kSize; ++i) {
      rte_prefetch0(held_[i]);
      rte_prefetch0(reinterpret_cast<const uint8_t*>(held_[i]) + RTE_CACHE_LINE_SIZE);
    }
    return true;
  }

  rte_mempool* pool_ = nullptr;
  uint32_t next_ = 0;
  uint32_t count_ = 0;
  rte_mbuf* held_[kSize];
};

}  // namespace sstpgw::net
