// The services a kernel-peer test runs on the stack, multiplexed by local
// port: echo (7, zero-copy: received chains are sent back as they are), a
// transfer service (5001: a 24-byte header {c2s, s2c, seed}, then s2c seeded
// bytes back and the SHA-256 of what arrived), a tiny HTTP responder (80), and
// the stack's own transfer client (to a kernel listener).
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp::testing {

inline constexpr uint16_t kEchoPort = 7;
inline constexpr uint16_t kHttpPort = 80;
inline constexpr uint16_t kTransferPort = 5001;

// The seeded byte stream both sides generate (splitmix64).
struct byte_stream {
  uint64_t state;
  explicit byte_stream(uint64_t seed) : state(seed) {}
  void fill(uint8_t* out, size_t n);
};

std::array<uint8_t, 32> sha256_of_stream(uint64_t seed, uint64_t n);

class services {
 public:
  explicit services(rte_mempool* pool, uint32_t max_conns);
  ~services();
  stack_events events();
  void attach(stack* s) { s_ = s; }
  void pump();  // sends what fits everywhere

  // The stack as a client of the transfer protocol (kernel listener).
  struct client_result {
    bool done = false;
    bool ok = false;
    std::string error;
  };
  conn_id start_client(uint32_t lip, uint32_t rip, uint16_t rport, uint64_t now, uint64_t c2s, uint64_t s2c,
                       uint64_t seed);
  const client_result& client(conn_id c) const { return results_.at(c); }
  uint32_t open() const { return open_; }
  uint64_t http_served = 0;

 private:
  struct conn;
  static bool on_accepted(void* ctx, conn_id c);
  static void on_connected(void* ctx, conn_id c);
  static uint32_t on_data(void* ctx, conn_id c, rte_mbuf* m);
  static void on_peer_closed(void* ctx, conn_id c);
  static void on_writable(void* ctx, conn_id c);
  static void on_closed(void* ctx, conn_id c, close_reason r);
  void pump_one(conn& k);
  conn* make(conn_id c, int kind);

  rte_mempool* pool_;
  stack* s_ = nullptr;
  std::vector<conn*> conns_;
  std::map<conn_id, client_result> results_;
  uint32_t open_ = 0;
};

}  // namespace sstpgw::tcp::testing
