// The message channel between the control thread and the workers
// (gateway-protocol.md): per worker one SPSC ring control->worker and one
// worker->control, each with a fixed pool of messages, plus pktmbuf pools for
// the bytes each side copies into messages. Everything is created at start;
// nothing grows; nothing blocks. A message that does not fit its ring is a
// counted drop, and the session it belonged to is closed (the worker aborts
// the connection; the control side remembers the session and sends it a close
// as soon as the ring has room).
//
// Threads. The worker side (worker_end) is used by that worker's lcore only.
// The control side (control_end) is used by ONE control thread, which need not
// be an EAL thread: we do not call rte_thread_register. All pools are created
// without a per-lcore cache (cache_size 0), so rte_mempool_get/put go straight
// to the pool's multi-producer/multi-consumer ring from any thread, and no
// message or mbuf is ever stranded in a worker's cache where the control
// thread could not find it. Rings are SP/SC fixed at creation (one producer,
// one consumer each).
#pragma once

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/common/counters.hh"
#include "dataplane/session/messages.hh"

namespace sstpgw::session {

#define SSTPGW_CHANNEL_COUNTERS(X)                                        \
  X(sent, "messages enqueued")                                            \
  X(received, "messages dequeued")                                        \
  X(ring_full, "drop: the ring had no room (the session is closed)")      \
  X(pool_empty, "drop: no free message (the session is closed)")          \
  X(no_mbuf, "drop: no mbuf for the bytes of a message")                  \
  X(deferred_closes, "closes queued on the control side after a full ring")
SSTPGW_DEFINE_COUNTERS(channel_counter, SSTPGW_CHANNEL_COUNTERS)

struct channel_config {
  // Messages a ring holds. The worker drains at most worker_budget per loop.
  uint32_t ring_size = 4096;
  // Messages per direction per worker: the ring plus what either side holds
  // while working on them.
  uint32_t messages = 8191;
  // Mbufs for bytes copied into messages, per direction per worker
  // (control->worker: handshake flights, HTTP reply, SSTP/PPP control packets;
  // worker->control: HTTP plaintext and SSTP packets copied out of records).
  uint32_t mbufs = 8191;
  uint16_t mbuf_data_room = 2048 + RTE_PKTMBUF_HEADROOM;
  int socket = SOCKET_ID_ANY;
};

// One worker's rings and pools.
struct channel {
  rte_ring* to_worker = nullptr;
  rte_ring* to_control = nullptr;
  rte_mempool* worker_messages = nullptr;   // allocated by control, freed by the worker
  rte_mempool* control_messages = nullptr;  // allocated by the worker, freed by control
  rte_mempool* control_mbufs = nullptr;     // bytes control sends
  rte_mempool* worker_mbufs = nullptr;      // bytes the worker copies to control
};

// Frees the chain (if any), wipes keys and returns m to its pool. Any thread.
void release(message* m);

// Copies `bytes` into a fresh chain from pool; nullptr if the pool is short.
rte_mbuf* make_chain(rte_mempool* pool, std::span<const uint8_t> bytes);
// Appends a chain's bytes to out (control side helper).
void append_bytes(const rte_mbuf* chain, std::vector<uint8_t>& out);

// The worker's end: its lcore only.
class worker_end {
 public:
  worker_end() = default;
  worker_end(const channel& ch, uint16_t worker) : ch_(ch), worker_(worker) {}

  uint16_t worker() const { return worker_; }
  // A cleared message for the control thread; nullptr (counted) if none.
  message* alloc() {
    void* p = nullptr;
    if (rte_mempool_get(ch_.control_messages, &p) != 0) {
      counters_.add(channel_counter::pool_empty);
      return nullptr;
    }
    auto* m = static_cast<message*>(p);
    *m = message{};
    return m;
  }
  // Enqueues m. False (counted): the ring is full; the caller still owns m.
  bool send(message* m) {
    if (rte_ring_sp_enqueue(ch_.to_control, m) != 0) {
      counters_.add(channel_counter::ring_full);
      return false;
    }
    counters_.add(channel_counter::sent);
    return true;
  }
  // Up to budget messages from control.
  uint32_t receive(message** out, uint32_t budget) {
    const uint32_t n = rte_ring_sc_dequeue_burst(ch_.to_worker, reinterpret_cast<void**>(out), budget, nullptr);
    counters_.add(channel_counter::received, n);
    return n;
  }
  bool has_inbound() const { return !rte_ring_empty(ch_.to_worker); }
  rte_mempool* mbufs() const { return ch_.worker_mbufs; }
  counter_set<channel_counter>& counters() { return counters_; }
  const counter_set<channel_counter>& counters() const { return counters_; }

 private:
  channel ch_;
  uint16_t worker_ = 0;
  counter_set<channel_counter> counters_;
};

// The control thread's end, for all workers. One thread only (see above).
class control_end {
 public:
  // All sends return false when the message could not be queued (no message,
  // no mbuf, full ring): the bytes are freed, the failure counted, and the
  // session is closed (a close is queued for it and sent by flush_closes()).
  bool send_raw(session_id s, std::span<const uint8_t> bytes);
  bool send_plaintext(session_id s, std::span<const uint8_t> bytes);
  bool returned_bytes(session_id s, std::span<const uint8_t> bytes);
  // The same with a chain the caller built (from mbuf_pool(), or a received
  // message's bytes it took): ownership passes in every case.
  bool send_chain(session_id s, message_type t, rte_mbuf* chain);
  bool install_keys(session_id s, const tls::traffic_keys& read, const tls::traffic_keys& write,
                    uint64_t consumed, std::span<const uint8_t> returned);
  bool start_sstp(session_id s, uint64_t consumed, std::span<const uint8_t> returned);
  bool data_path_up(session_id s, uint32_t client_ip, ppp::header_form form, uint16_t max_send_frame);
  bool data_path_down(session_id s);
  bool close(session_id s, bool graceful);

  // Up to cap messages from the workers (round robin). Release each with
  // session::release() (or take its bytes first: m->bytes = nullptr).
  uint32_t receive(message** out, uint32_t cap);
  // Retries the closes a full ring deferred; call once per control loop.
  void flush_closes();
  size_t deferred_closes() const { return deferred_.size(); }

  rte_mempool* mbuf_pool(uint16_t worker) const { return ch_.at(worker).control_mbufs; }
  uint16_t n_workers() const { return static_cast<uint16_t>(ch_.size()); }
  const counter_set<channel_counter>& counters() const { return counters_; }

 private:
  friend class channel_set;
  message* alloc(session_id s, message_type t);
  bool enqueue(message* m);
  bool with_bytes(session_id s, message_type t, std::span<const uint8_t> bytes, uint64_t consumed);
  void defer_close(session_id s);
  bool deferred(session_id s) const;

  std::vector<channel> ch_;
  std::vector<session_id> deferred_;
  uint16_t next_ = 0;
  counter_set<channel_counter> counters_;
};

// Owns every worker's channel: created on the main thread at start, destroyed
// after the workers and the control thread stopped (frees what is in flight).
class channel_set {
 public:
  // Throws std::runtime_error (DPDK's reason) if a ring or pool cannot be made.
  channel_set(std::string_view name, uint16_t n_workers, const channel_config& cfg = {});
  ~channel_set();
  channel_set(const channel_set&) = delete;
  channel_set& operator=(const channel_set&) = delete;

  uint16_t n_workers() const { return static_cast<uint16_t>(ch_.size()); }
  const channel& get(uint16_t w) const { return ch_.at(w); }
  worker_end& worker(uint16_t w) { return *ends_.at(w); }
  control_end& control() { return control_; }

 private:
  void destroy();
  std::vector<channel> ch_;
  std::vector<std::unique_ptr<worker_end>> ends_;
  control_end control_;
};

}  // namespace sstpgw::session
