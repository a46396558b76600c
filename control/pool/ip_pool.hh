// The client address pool: one /32 per session from the configured ranges, never
// the same address to two live sessions, network/broadcast/excluded addresses
// never, freed on release; exhaustion is a result, not a hang or an exception.
//
// Worker affinity: `worker_of(address)` says which worker the data plane will
// see return traffic for that address on (for a VNet port hashing on the
// destination address, make_dst_rss_worker_of() in return_worker.hh). At configure
// time every usable address is sorted into its worker's free list, so an
// allocation for worker k is a pop from list k: O(1). If list k is empty the
// allocation falls back to the worker with the most free addresses, and says so.
//
// Free lists are FIFO: a released address goes to the back, so it is handed out
// again as late as possible (stale packets for a departed client do not reach a
// new one). Leases are not persisted (see pool_settings.hh). Owned by the control
// thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/common/ipv4_address.hh"
#include "control/pool/pool_settings.hh"

namespace sstpgw::pool {

// No preference: take from the worker with the most free addresses.
inline constexpr uint32_t kAnyWorker = UINT32_MAX;

using worker_of_fn = std::function<uint32_t(ipv4_address)>;

class pool_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class alloc_status { ok, exhausted };

struct allocation {
  alloc_status status = alloc_status::exhausted;
  ipv4_address addr;
  uint32_t worker = 0;        // the worker `addr` maps to
  bool on_preferred = false;  // worker is the one asked for
  std::string note;           // one line when not on the preferred worker or exhausted; else empty

  bool ok() const { return status == alloc_status::ok; }
};

struct lease {
  ipv4_address addr;
  uint64_t owner = 0;  // the caller's tag, e.g. a session id
  uint32_t worker = 0;
};

struct pool_stats {
  uint64_t capacity = 0;  // addresses the pool hands out
  uint64_t in_use = 0;
  std::vector<uint64_t> capacity_per_worker;
  std::vector<uint64_t> free_per_worker;
  uint64_t allocations = 0;     // successful
  uint64_t preferred_hits = 0;  // of which on the preferred worker
  uint64_t fallbacks = 0;       // of which on another worker
  uint64_t exhausted = 0;       // refused: no address left
  uint64_t releases = 0;
  uint64_t bad_releases = 0;  // release of an address not leased
};

class ip_pool {
 public:
  // Builds the tables. Throws pool_error if the settings have a settings_problem(),
  // `workers` is 0, or worker_of returns a worker >= workers. An empty worker_of
  // maps every address to worker 0.
  ip_pool(pool_settings settings, uint32_t workers, const worker_of_fn& worker_of = {});

  // An address for a new session, preferably one that maps to `preferred_worker`
  // (kAnyWorker: no preference). `owner` is kept with the lease.
  allocation allocate(uint32_t preferred_worker, uint64_t owner = 0);
  // Frees a leased address. False, and nothing changes, if it is not leased
  // (released twice, or not the pool's).
  bool release(ipv4_address addr);

  bool is_leased(ipv4_address addr) const;
  std::optional<uint64_t> owner_of(ipv4_address addr) const;
  // Whether the pool would ever hand out `addr` (in a range, not network,
  // broadcast or excluded).
  bool is_usable(ipv4_address addr) const;
  // The worker an address maps to (as computed at configure time), if usable.
  std::optional<uint32_t> worker_of(ipv4_address addr) const;

  uint64_t capacity() const { return capacity_; }
  uint64_t in_use() const { return in_use_; }
  uint32_t workers() const { return static_cast<uint32_t>(free_.size()); }
  const pool_settings& settings() const { return settings_; }
  pool_stats stats() const;
  // Live leases in address order.
  std::vector<lease> leases() const;

 private:
  enum : uint8_t { kUnusable = 0, kFree = 1, kLeased = 2 };
  struct slot {
    uint64_t owner = 0;
    uint32_t worker = 0;
    uint8_t state = kUnusable;
  };
  struct range_slots {
    ipv4_prefix prefix;
    uint32_t first_slot = 0;  // slot of prefix.first(); one slot per address of the prefix
  };
  // A fixed-capacity FIFO of slot numbers.
  struct free_ring {
    std::vector<uint32_t> buf;
    size_t head = 0;
    size_t count = 0;
    void push(uint32_t s) {
      buf[(head + count) % buf.size()] = s;
      ++count;
    }
    uint32_t pop() {
      uint32_t s = buf[head];
      head = (head + 1) % buf.size();
      --count;
      return s;
    }
  };

  std::optional<uint32_t> slot_of(ipv4_address addr) const;
  ipv4_address addr_of(uint32_t slot) const;

  pool_settings settings_;
  std::vector<range_slots> ranges_;  // sorted by address
  std::vector<slot> slots_;
  std::vector<free_ring> free_;  // one per worker
  std::vector<uint64_t> capacity_per_worker_;
  uint64_t capacity_ = 0;
  uint64_t in_use_ = 0;
  uint64_t allocations_ = 0, preferred_hits_ = 0, fallbacks_ = 0, exhausted_ = 0, releases_ = 0,
           bad_releases_ = 0;
};

}  // namespace sstpgw::pool
