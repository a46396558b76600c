// Fuzz target: arbitrary TCP segments (bad checksums, options, flags,
// out-of-window numbers) into a listening stack and into one with an
// established connection. Checks: no crash (sanitizers), and no mbuf leaked
// once the stacks are gone (memory stays bounded).
//
// Input: records of [ctrl u8][len u8][len bytes: TCP header + payload].
//   ctrl bit 0: 1 = the established connection's stack, 0 = the listener's
//   ctrl bit 1: write a correct checksum (else keep the input's)
//   ctrl bit 2: add the connection's RCV.NXT / SND.UNA to seq / ack
//   ctrl bit 3: use the connection's addresses and ports
//   ctrl bits 4-5: advance the clock 0, 1 ms, 200 ms or 3 s, then poll
//   ctrl bit 6: the application sends 3000 bytes on the connection
//   ctrl bit 7: the application calls shutdown_write / close alternately
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/tcp/stack.hh"
#include "tests/unit/tcp/harness/eal.hh"
#include "tests/unit/tcp/harness/packet.hh"

using namespace sstpgw;
using namespace sstpgw::tcp;

namespace {

constexpr uint32_t kA = 0x0a000001, kB = 0x0a000002;
constexpr uint16_t kPort = 80;

struct wire {
  std::vector<rte_mbuf*> q;
  static uint16_t push(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* w = static_cast<wire*>(ctx);
    if (w->q.size() > 4096) return 0;  // refuse: exercises the stack's held-back queue
    for (uint16_t k = 0; k < n; ++k) w->q.push_back(p[k]);
    return n;
  }
  void drain_into(stack* s, uint64_t now) {
    std::vector<rte_mbuf*> v;
    v.swap(q);
    for (size_t k = 0; k < v.size(); k += kBurst) {
      const auto n = static_cast<uint16_t>(std::min<size_t>(kBurst, v.size() - k));
      if (s)
        s->input(v.data() + k, n, now);
      else
        for (uint16_t j = 0; j < n; ++j) rte_pktmbuf_free(v[k + j]);
    }
  }
  ~wire() {
    for (rte_mbuf* m : q) rte_pktmbuf_free(m);
  }
};

struct app {
  stack* s = nullptr;
  conn_id conn = kNoConn;
  static bool accepted(void* x, conn_id c) {
    static_cast<app*>(x)->conn = c;
    return true;
  }
  static void connected(void* x, conn_id c) { static_cast<app*>(x)->conn = c; }
  static uint32_t data(void* x, conn_id c, rte_mbuf* m) {
    auto* a = static_cast<app*>(x);
    uint8_t buf[64];
    const uint32_t n = std::min<uint32_t>(m->pkt_len, sizeof buf);
    rte_pktmbuf_read(m, 0, n, buf);
    a->s->send(c, buf, n);  // echo a little
    const uint32_t len = m->pkt_len;
    rte_pktmbuf_free(m);
    return len;
  }
  static void closed(void* x, conn_id c, close_reason) {
    auto* a = static_cast<app*>(x);
    if (a->conn == c) a->conn = kNoConn;
  }
  stack_events events() {
    stack_events e;
    e.ctx = this;
    e.accepted = &accepted;
    e.connected = &connected;
    e.data = &data;
    e.closed = &closed;
    return e;
  }
};

rte_mempool* pool() { return testing::make_pool("tcp_fuzz", 16383); }

stack_config config(wire* w) {
  stack_config c;
  c.max_connections = 8;
  c.max_half_open = 2;
  c.max_time_wait = 2;
  c.reassembly_nodes = 64;
  c.reassembly_max_segments = 16;
  c.rcv_buf = 16384;
  c.snd_buf = 16384;
  c.tx_queue = 64;
  c.pool = pool();
  c.secret = {1, 2};
  c.tx = net::burst_sink{&wire::push, w};
  c.keepalive = true;
  c.keepalive_idle_ns = 5'000'000'000;
  c.keepalive_interval_ns = 1'000'000'000;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rte_mempool* p = pool();
  const uint32_t base = testing::in_use(p);
  {
    uint64_t now = 10'000'000'000;
    wire to_a, to_b, sink;  // to_a: B's output; to_b: A's output
    app aa, ab;
    // A: listener and the server side of one established connection with B.
    auto a = std::make_unique<stack>(config(&to_b), aa.events(), now);
    auto b = std::make_unique<stack>(config(&to_a), ab.events(), now);
    aa.s = a.get();
    ab.s = b.get();
    a->listen(kPort);
    b->connect(kB, kA, kPort, now);
    for (int i = 0; i < 6; ++i) {
      now += 100'000;
      b->poll(now);
      a->poll(now);
      to_b.drain_into(a.get(), now);
      to_a.drain_into(b.get(), now);
    }
    // Now fuzz A. Its output goes nowhere except through `sink` (freed).
    size_t off = 0;
    while (off + 2 <= size) {
      const uint8_t ctrl = data[off];
      const size_t len = data[off + 1];
      off += 2;
      const size_t n = std::min(len, size - off);
      std::vector<uint8_t> tcp(data + off, data + off + n);
      off += n;
      if (tcp.size() < 20) tcp.resize(20, 0);
      const conn_info ci = a->info(aa.conn);
      const bool conn_ok = aa.conn != kNoConn;
      if ((ctrl & 8) && conn_ok) {
        store_be16(tcp.data(), ci.tuple.remote_port);
        store_be16(tcp.data() + 2, ci.tuple.local_port);
      }
      if ((ctrl & 4) && conn_ok) {
        // Rebase: the input's seq / ack become offsets from the live values.
        store_be32(tcp.data() + 4, load_be32(tcp.data() + 4) + ci.rcv_nxt);
        store_be32(tcp.data() + 8, load_be32(tcp.data() + 8) + ci.snd_una);
      }
      // Build the IPv4 packet per packet_io.hh.
      rte_mbuf* m = rte_pktmbuf_alloc(p);
      if (m == nullptr) break;
      const size_t total = 20 + tcp.size();
      if (total > rte_pktmbuf_tailroom(m)) {
        rte_pktmbuf_free(m);
        continue;
      }
      auto* ip = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
      if (ip == nullptr) {
        rte_pktmbuf_free(m);
        continue;
      }
      for (int k = 0; k < 20; ++k) ip[k] = 0;
      ip[0] = 0x45;
      store_be16(ip + 2, static_cast<uint16_t>(total));
      ip[8] = 64;
      ip[9] = 6;
      store_be32(ip + 12, (ctrl & 8) ? kB : kB + (ctrl >> 4));
      store_be32(ip + 16, kA);
      std::memcpy(ip + 20, tcp.data(), tcp.size());
      if (ctrl & 2) {
        store_be16(ip + 20 + 16, 0);
        std::vector<uint8_t> ph(12 + tcp.size());
        std::memcpy(ph.data(), ip + 12, 8);
        ph[9] = 6;
        store_be16(ph.data() + 10, static_cast<uint16_t>(tcp.size()));
        std::memcpy(ph.data() + 12, ip + 20, tcp.size());
        store_be16(ip + 20 + 16, testing::rfc1071(ph));
      }
      m->l3_len = 20;
      a->input(&m, 1, now);
      if (ctrl & 0x40 && conn_ok) {
        static uint8_t junk[3000];
        a->send(aa.conn, junk, sizeof junk);
      }
      if (ctrl & 0x80 && conn_ok) {
        if (ctrl & 1)
          a->close(aa.conn);
        else
          a->shutdown_write(aa.conn);
      }
      static constexpr uint64_t kSteps[4] = {0, 1'000'000, 200'000'000, 3'000'000'000};
      now += kSteps[(ctrl >> 4) & 3];
      a->poll(now);
      // Half of A's output reaches B (which answers), the rest is lost.
      if (ctrl & 1) to_b.drain_into(a.get(), now);
      to_a.drain_into(b.get(), now);
      to_b.drain_into(nullptr, now);
      sink.drain_into(nullptr, now);
    }
    for (int i = 0; i < 4; ++i) {
      now += 1'000'000'000;
      a->poll(now);
      b->poll(now);
      to_b.drain_into(a.get(), now);
      to_a.drain_into(b.get(), now);
    }
    if (a->connections_in_use() > 8 || a->half_open() > 2 || a->time_wait() > 2) std::abort();
  }
  if (testing::in_use(p) != base) {
    std::fprintf(stderr, "mbuf leak: %u in use, %u before\n", testing::in_use(p), base);
    std::abort();
  }
  return 0;
}
