// A seeded, reproducible impairment stage for bursts of packets: drop,
// duplicate, reorder and delay (fixed + jitter), with time passed in. It sits
// between two in-process TCP stacks in tests, and between a port and the stack
// for the kernel-peer tests (the kernel here has no netem).
//
//   impairment imp(cfg, pool);     // pool: where duplicates are copied to
//   imp.push(pkts, n, now);        // takes ownership of all n packets
//   n = imp.pull(out, kBurst, now); // packets due by now, in release order
//
// Reordering: with probability `reorder`, a packet is held back until
// 1..reorder_window later packets have passed (or until a release deadline).
// Jitter reorders too (packets are released by their own due time).
// A full queue drops (counted), so memory is bounded by `capacity`.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

#include "dataplane/net/packet_io.hh"

namespace sstpgw::net {

struct impairment_config {
  uint64_t seed = 1;
  double drop = 0.0;       // probability 0..1
  double duplicate = 0.0;  // probability 0..1
  double reorder = 0.0;    // probability 0..1
  uint32_t reorder_window = 3;
  uint64_t delay_ns = 0;
  uint64_t jitter_ns = 0;  // uniform extra 0..jitter_ns
  uint32_t capacity = 65536;
};

struct impairment_stats {
  uint64_t in = 0;
  uint64_t out = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
  uint64_t overflow = 0;
};

class impairment {
 public:
  impairment(const impairment_config& cfg, rte_mempool* copy_pool);
  ~impairment();
  impairment(const impairment&) = delete;
  impairment& operator=(const impairment&) = delete;

  void push(rte_mbuf** pkts, uint16_t n, uint64_t now_ns);
  uint16_t pull(rte_mbuf** out, uint16_t max, uint64_t now_ns);

  // Earliest due time of a held packet, or UINT64_MAX.
  uint64_t next_due() const;
  uint32_t held() const { return static_cast<uint32_t>(heap_.size() + side_.size()); }
  const impairment_stats& stats() const { return stats_; }
  void set_config(const impairment_config& cfg);  // keeps the random stream

  // A burst_sink that pushes at the time given by set_now() (for stages that
  // only know the burst_sink interface).
  burst_sink sink() { return burst_sink{&impairment::sink_fn, this}; }
  void set_now(uint64_t now_ns) { now_ = now_ns; }

 private:
  struct item {
    uint64_t due;
    uint64_t order;
    rte_mbuf* m;
  };
  struct held_back {
    uint64_t release_after;  // ordinal of the packet it waits for
    uint64_t deadline;
    rte_mbuf* m;
  };
  static uint16_t sink_fn(void* ctx, rte_mbuf** pkts, uint16_t n);
  uint64_t next_random();
  double uniform() { return static_cast<double>(next_random() >> 11) * 0x1.0p-53; }
  void enqueue(rte_mbuf* m, uint64_t due);
  void release_side(uint64_t now_ns, bool all_due);

  impairment_config cfg_;
  rte_mempool* pool_;
  uint64_t state_[2];
  uint64_t order_ = 0;
  uint64_t ordinal_ = 0;
  uint64_t now_ = 0;
  std::vector<item> heap_;  // min-heap on (due, order)
  std::vector<held_back> side_;
  impairment_stats stats_;
};

}  // namespace sstpgw::net
