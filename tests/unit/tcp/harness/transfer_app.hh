// Test support: an application for a TCP stack that moves seeded random data
// each way on every connection and hashes what it sends and what it receives
// with SHA-256 (OpenSSL EVP), so a test compares digests across the two ends.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp::testing {

struct flow_spec {
  uint64_t c2s = 0;  // bytes client -> server
  uint64_t s2c = 0;  // bytes server -> client
  uint64_t seed = 1;
  bool use_mbuf = false;  // send_mbuf() chains instead of send() copies
};

struct flow_result {
  uint64_t sent = 0;
  uint64_t received = 0;
  std::array<uint8_t, 32> tx_digest{};
  std::array<uint8_t, 32> rx_digest{};
  bool closed = false;
  close_reason reason = close_reason::normal;
  bool peer_fin = false;
};

class transfer_app {
 public:
  transfer_app(rte_mempool* pool, bool server, uint32_t max_conns);
  ~transfer_app();
  stack_events events();
  void attach(stack* s) { s_ = s; }

  // Client: opens a connection that follows spec. Returns its local port (0 on
  // failure). local_port 0: an ephemeral one.
  uint16_t open(uint32_t lip, uint32_t rip, uint16_t rport, uint64_t now, const flow_spec& spec,
                uint16_t local_port = 0);
  // Server: what the connection from client port `port` will do.
  void expect(uint16_t port, const flow_spec& spec) { specs_[port] = spec; }

  void pump();  // sends what fits on every open connection
  uint32_t open_count() const { return open_; }
  const std::map<uint16_t, flow_result>& results() const { return results_; }
  uint64_t bytes_received() const { return total_rx_; }

  // Zero-window tests: stop consuming (data stays counted in the window).
  bool hold = false;
  void release_all();
  bool close_when_done = false;  // close() instead of shutdown_write()

 private:
  struct flow;
  static bool on_accepted(void* ctx, conn_id c);
  static void on_connected(void* ctx, conn_id c);
  static uint32_t on_data(void* ctx, conn_id c, rte_mbuf* m);
  static void on_peer_closed(void* ctx, conn_id c);
  static void on_writable(void* ctx, conn_id c);
  static void on_closed(void* ctx, conn_id c, close_reason r);
  void start(conn_id c, uint16_t key, uint64_t tx, uint64_t seed, bool use_mbuf);
  void pump_one(flow& f);

  rte_mempool* pool_;
  bool server_;
  stack* s_ = nullptr;
  std::vector<flow*> flows_;
  std::map<uint16_t, flow_spec> specs_;
  std::map<uint16_t, flow_result> results_;
  uint32_t open_ = 0;
  uint64_t total_rx_ = 0;
};

}  // namespace sstpgw::tcp::testing
