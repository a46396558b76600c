// A per-queue software TX buffer. Packets are appended in order; a full burst is
// sent at once, the rest on flush (the worker's drain timer). What the PMD does
// not take stays at the front and is resumed on the next flush; packets are
// dropped (and counted) only when the buffer itself overflows.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

#include "dataplane/common/counters.hh"
#include "dataplane/eal/queue_io.hh"
#include "dataplane/eal/sizing.hh"

namespace sstpgw::eal {

#define SSTPGW_TX_COUNTERS(X)                                          \
  X(sent, "packets the PMD accepted")                                  \
  X(partial_bursts, "tx bursts the PMD took only part of (rest kept)") \
  X(overflow_drops, "packets dropped because the tx buffer was full")
SSTPGW_DEFINE_COUNTERS(tx_counter, SSTPGW_TX_COUNTERS)

class tx_buffer {
 public:
  static constexpr uint16_t kCapacity = kTxBufferSlots;

  tx_buffer() = default;
  explicit tx_buffer(queue_io io) : io_(io) {}
  tx_buffer(const tx_buffer&) = delete;
  tx_buffer& operator=(const tx_buffer&) = delete;
  ~tx_buffer() { discard(); }

  void set_io(queue_io io) { io_ = io; }
  const queue_io& io() const { return io_; }

  // Takes ownership of all n packets (sends, keeps, or drops and counts).
  void enqueue(rte_mbuf** pkts, uint16_t n) {
    if (count_ + n > kCapacity) flush();
    uint16_t room = static_cast<uint16_t>(kCapacity - count_);
    uint16_t take = n < room ? n : room;
    std::memcpy(buf_ + count_, pkts, take * sizeof(rte_mbuf*));
    count_ = static_cast<uint16_t>(count_ + take);
    if (take < n) {
      rte_pktmbuf_free_bulk(pkts + take, n - take);
      counters_.add(tx_counter::overflow_drops, n - take);
    }
    if (count_ >= kBurst) flush();
  }
  void enqueue(rte_mbuf* m) { enqueue(&m, 1); }

  // Sends what is buffered; keeps what the PMD refuses.
  void flush() {
    if (count_ == 0) return;
    const uint16_t sent = io_.transmit(buf_, count_);
    counters_.add(tx_counter::sent, sent);
    if (sent < count_) {
      counters_.add(tx_counter::partial_bursts);
      std::memmove(buf_, buf_ + sent, (count_ - sent) * sizeof(rte_mbuf*));
    }
    count_ = static_cast<uint16_t>(count_ - sent);
  }

  // Frees whatever is still buffered (at shutdown).
  void discard() {
    if (count_) rte_pktmbuf_free_bulk(buf_, count_);
    count_ = 0;
  }

  uint16_t pending() const { return count_; }
  const counter_set<tx_counter>& counters() const { return counters_; }

 private:
  queue_io io_{};
  uint16_t count_ = 0;
  counter_set<tx_counter> counters_;
  rte_mbuf* buf_[kCapacity];
};

}  // namespace sstpgw::eal
