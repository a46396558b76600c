// Worker-to-worker handoff (VPP-style): one single-producer/single-consumer
// rte_ring per ordered pair of workers, created at start. A worker that
// received a packet owned by another worker (a port without RSS, a reassembled
// datagram, an ARP frame every cache should learn from) stages it per
// destination and pushes whole bursts; the owner drains its incoming rings
// once per loop iteration. Ring naming follows DPDK: enqueue_burst takes as
// many as fit; what does not fit is dropped here and counted (ring_full),
// never retried, so a slow worker cannot stall the one feeding it.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/common/counters.hh"
#include "dataplane/eal/sizing.hh"
#include "dataplane/net/packet_io.hh"

namespace sstpgw::rings {

#define SSTPGW_HANDOFF_COUNTERS(X)                                   \
  X(enqueued, "packets queued to another worker")                    \
  X(ring_full, "drop: packets the destination ring had no room for") \
  X(dequeued, "packets received from other workers")                 \
  X(bad_destination, "drop: destination is not a worker of the mesh")
SSTPGW_DEFINE_COUNTERS(handoff_counter, SSTPGW_HANDOFF_COUNTERS)

// The rings of all workers. Created and destroyed on the main thread.
class handoff_mesh {
 public:
  static constexpr uint32_t kDefaultRingSize = 1024;

  // Throws std::runtime_error (DPDK's reason) if a ring cannot be created.
  handoff_mesh(std::string_view name, uint16_t n_workers, uint32_t ring_size = kDefaultRingSize,
               int socket = SOCKET_ID_ANY);
  ~handoff_mesh();  // frees rings and any packets still in them
  handoff_mesh(const handoff_mesh&) = delete;
  handoff_mesh& operator=(const handoff_mesh&) = delete;

  uint16_t n_workers() const { return n_; }
  rte_ring* ring(uint16_t from, uint16_t to) const { return rings_[size_t{from} * n_ + to]; }
  // Mbufs the rings can hold in total, for the mempool formula.
  uint32_t slots() const { return uint32_t{n_} * (n_ - 1u) * ring_size_; }

 private:
  void free_rings();

  uint16_t n_;
  uint32_t ring_size_;
  std::vector<rte_ring*> rings_;  // [from * n + to]; nullptr on the diagonal
};

// One worker's end of the mesh: used only by that worker's lcore.
class handoff_port {
 public:
  handoff_port(handoff_mesh& mesh, uint16_t self);
  ~handoff_port();  // frees staged packets
  handoff_port(const handoff_port&) = delete;
  handoff_port& operator=(const handoff_port&) = delete;

  // pkts[i] to worker workers[i]; takes all n, returns how many were staged or
  // queued (the rest dropped and counted). A full stage is pushed at once.
  uint16_t send(const uint16_t* workers, rte_mbuf** pkts, uint16_t n);
  net::handoff_sink sink() { return {&send_thunk, this}; }
  // Pushes every staged burst (once per loop iteration).
  void flush();
  bool has_staged() const { return staged_total_ != 0; }
  // Up to cap packets from the other workers, round-robin over sources.
  uint16_t receive(rte_mbuf** out, uint16_t cap);

  uint16_t self() const { return self_; }
  const counter_set<handoff_counter>& counters() const { return counters_; }

 private:
  static uint16_t send_thunk(void* ctx, const uint16_t* w, rte_mbuf** p, uint16_t n) {
    return static_cast<handoff_port*>(ctx)->send(w, p, n);
  }
  void push(uint16_t to);

  struct stage {
    uint16_t n = 0;
    rte_mbuf* pkts[eal::kBurst];
  };
  handoff_mesh& mesh_;
  uint16_t self_;
  uint16_t next_source_ = 0;
  uint32_t staged_total_ = 0;
  std::vector<stage> stages_;  // per destination
  counter_set<handoff_counter> counters_;
};

}  // namespace sstpgw::rings
