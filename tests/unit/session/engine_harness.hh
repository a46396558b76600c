// A worker's session engine between a client TCP stack (tcp harness link, on
// a simulated clock) and a scripted control thread. The client protects its
// records with OpenSSL EVP (tests/support/evp_peer.hh), an implementation
// that shares no code with dataplane/tls.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dataplane/session/engine.hh"
#include "tests/unit/tcp/harness/eal.hh"
#include "tests/unit/tcp/harness/link.hh"
// GCC 12 reports a false array-bounds warning inside evp_peer's vector inserts
// when they are inlined here (-O2).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include "tests/support/evp_peer.hh"
#pragma GCC diagnostic pop

namespace sstpgw::session::test {

using bytes = std::vector<uint8_t>;
inline constexpr uint32_t kClientAddr = 0xac10c905;  // 172.16.201.5
inline constexpr uint32_t kVnetHost = 0x0a010009;    // 10.1.0.9
inline constexpr uint32_t kVnetGw = 0x0a010001;      // 10.1.0.1

inline bytes to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

// An SSTP packet around payload (control bit as given).
inline bytes sstp_packet(bool control, const bytes& payload) {
  bytes p(4 + payload.size());
  p[0] = 0x10;
  p[1] = control ? 1 : 0;
  p[2] = static_cast<uint8_t>((p.size() >> 8) & 0x0f);
  p[3] = static_cast<uint8_t>(p.size());
  std::memcpy(p.data() + 4, payload.data(), payload.size());
  return p;
}

// A minimal IPv4 packet (20-byte header, checksum) with a payload.
bytes ipv4(uint32_t src, uint32_t dst, uint8_t ttl, const bytes& payload, uint8_t proto = 17);
bool ipv4_checksum_ok(const bytes& ip);

struct client_app {
  bytes rx;
  bool connected = false;
  bool closed = false;
  tcp::close_reason why = tcp::close_reason::normal;
  static void on_connected(void* c, tcp::conn_id) { static_cast<client_app*>(c)->connected = true; }
  static uint32_t on_data(void* c, tcp::conn_id, rte_mbuf* m) {
    auto* a = static_cast<client_app*>(c);
    const uint32_t n = m->pkt_len;
    for (rte_mbuf* s = m; s; s = s->next) {
      const auto* p = rte_pktmbuf_mtod(s, const uint8_t*);
      a->rx.insert(a->rx.end(), p, p + s->data_len);
    }
    rte_pktmbuf_free(m);
    return n;
  }
  static void on_closed(void* c, tcp::conn_id, tcp::close_reason r) {
    static_cast<client_app*>(c)->closed = true;
    static_cast<client_app*>(c)->why = r;
  }
  tcp::stack_events events() {
    tcp::stack_events e;
    e.ctx = this;
    e.connected = &on_connected;
    e.data = &on_data;
    e.closed = &on_closed;
    return e;
  }
};

struct received {
  message_type type;
  session_id id;
  phase ph;
  close_reason reason;
  bytes data;
};

class EngineHarness : public ::testing::Test {
 protected:
  void SetUp() override { build({}); }
  void TearDown() override { teardown(); }
  void build(channel_config cc, uint32_t max_sessions = 8);
  void teardown();

  // Runs the link and the engine stages until done() or 5 s simulated.
  bool pump(const std::function<bool()>& done, uint64_t max_ns = 5'000'000'000ull);
  void stages();
  // Receives everything control has; keeps it in `inbox`.
  void drain_control();
  bool connect();
  void client_send(const bytes& b);
  // Client-side records under the client's keys.
  bytes client_record(const bytes& plain);
  // Opens every complete record in client_.rx (from offset opened_), appends
  // application data to `plain`, returns false on a bad record.
  bool client_open(bytes& plain, std::vector<uint8_t>* types = nullptr);
  void make_keys(tls::protocol_version v, tls::aead_algorithm a);
  // Control side: install keys with the hand-back values.
  void install(session_id id, uint64_t consumed, const bytes& returned);

  std::mt19937_64 rng_{7};
  rte_mempool* pool_ = nullptr;
  std::unique_ptr<channel_set> ch_;
  tls::aead_engine aead_;
  std::unique_ptr<owner_table> owners_;
  std::unique_ptr<engine> eng_;
  std::unique_ptr<tcp::testing::link> link_;
  client_app client_;
  tcp::conn_id cconn_ = tcp::kNoConn;
  std::deque<received> inbox_;
  std::vector<rte_mbuf*> vnet_;           // what the engine sent to the VNet port
  std::vector<rte_mbuf*> handed_;         // handed to another worker
  std::vector<uint16_t> handed_to_;
  // keys: server read = client write
  tls::traffic_keys c2s_, s2c_;
  std::unique_ptr<tls::test::evp_peer> client_seal_, client_open_;
  size_t opened_ = 0;
  static inline int counter_ = 0;
};

}  // namespace sstpgw::session::test
