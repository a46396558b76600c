// The scripted-peer fixture of the TCP state-machine tests: crafted segments
// in, the stack's segments read back (checksums checked by an independent sum).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dataplane/net/tcp/stack.hh"
#include "tests/unit/tcp/harness/eal.hh"
#include "tests/unit/tcp/harness/packet.hh"

namespace sstpgw::tcp::state_testing {

using testing::craft;
using testing::wire_segment;

constexpr uint32_t kUs = 0x0a000002;
constexpr uint32_t kPeer = 0x0a000009;
constexpr uint16_t kPort = 80;
constexpr uint16_t kPeerPort = 40000;

struct recorder {
  std::vector<conn_id> accepted, connected, peer_closed, writable;
  std::vector<std::pair<conn_id, close_reason>> closed;
  std::string data;
  bool refuse = false;
  bool hold = false;
};

class Tcp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pool_ = testing::make_pool("tcp_state", 8191); }

  void SetUp() override { baseline_ = testing::in_use(pool_); }
  void TearDown() override {
    for (rte_mbuf* m : out_) rte_pktmbuf_free(m);
    out_.clear();
    s_.reset();
    EXPECT_EQ(testing::in_use(pool_), baseline_) << "mbufs leaked";
  }

  stack_config base_config() {
    stack_config c;
    c.max_connections = 16;
    c.max_half_open = 8;
    c.max_time_wait = 4;
    c.rcv_buf = 64 * 1024;
    c.snd_buf = 64 * 1024;
    c.pool = pool_;
    c.secret = {11, 22};
    c.time_wait_ns = 60'000'000'000;
    return c;
  }

  void make(stack_config c) {
    c.tx = net::burst_sink{[](void* ctx, rte_mbuf** p, uint16_t n) -> uint16_t {
                             auto* self = static_cast<Tcp*>(ctx);
                             for (uint16_t k = 0; k < n; ++k) self->out_.push_back(p[k]);
                             return n;
                           },
                           this};
    stack_events e;
    e.ctx = &rec_;
    e.accepted = [](void* x, conn_id c) {
      auto* r = static_cast<recorder*>(x);
      r->accepted.push_back(c);
      return !r->refuse;
    };
    e.connected = [](void* x, conn_id c) { static_cast<recorder*>(x)->connected.push_back(c); };
    e.data = [](void* x, conn_id, rte_mbuf* m) -> uint32_t {
      auto* r = static_cast<recorder*>(x);
      for (rte_mbuf* s = m; s; s = s->next) r->data.append(rte_pktmbuf_mtod(s, const char*), s->data_len);
      const uint32_t n = m->pkt_len;
      rte_pktmbuf_free(m);
      return r->hold ? 0 : n;
    };
    e.peer_closed = [](void* x, conn_id c) { static_cast<recorder*>(x)->peer_closed.push_back(c); };
    e.writable = [](void* x, conn_id c) { static_cast<recorder*>(x)->writable.push_back(c); };
    e.closed = [](void* x, conn_id c, close_reason r) {
      static_cast<recorder*>(x)->closed.emplace_back(c, r);
    };
    s_ = std::make_unique<stack>(c, e, now_);
    cfg_ = c;
  }

  wire_segment seg(uint32_t seq, uint32_t ack, uint8_t flags, std::string payload = {}) {
    wire_segment w;
    w.src_ip = kPeer;
    w.dst_ip = kUs;
    w.src_port = kPeerPort;
    w.dst_port = kPort;
    w.seq = seq;
    w.ack = ack;
    w.flags = flags;
    w.window = 65535;
    w.payload.assign(payload.begin(), payload.end());
    if (ts_) w.options = testing::opt_ts(peer_ts_++, echo_);
    return w;
  }

  void feed(const wire_segment& w, bool corrupt = false) {
    rte_mbuf* m = craft(pool_, w, corrupt);
    ASSERT_NE(m, nullptr);
    s_->input(&m, 1, now_);
  }

  std::vector<wire_segment> take() {
    std::vector<wire_segment> r;
    for (rte_mbuf* m : out_) {
      r.push_back(testing::read(m));
      EXPECT_TRUE(r.back().checksums_ok) << testing::describe(r.back());
      if (r.back().opt.has_timestamps) echo_ = r.back().opt.ts_val;
      rte_pktmbuf_free(m);
    }
    out_.clear();
    return r;
  }

  void advance(uint64_t ns) {
    const uint64_t end = now_ + ns;
    while (now_ < end) {
      now_ = std::min(end, now_ + 1'000'000);
      s_->poll(now_);
    }
  }

  // A full passive open from the peer; returns the connection id.
  conn_id establish(bool with_options = true) {
    if (!s_->listen(kPort)) {
      ADD_FAILURE() << "listen";
      return kNoConn;
    }
    wire_segment syn = seg(peer_seq_, 0, flag::syn);
    if (with_options) {
      syn.options = testing::cat({testing::opt_mss(1460), testing::opt_sack_ok(),
                                  testing::opt_ts(peer_ts_++, 0), testing::opt_ws(7)});
      ts_ = true;
    }
    feed(syn);
    auto o = take();
    EXPECT_EQ(o.size(), 1u);
    if (o.empty()) return kNoConn;
    our_seq_ = o[0].seq + 1;
    ++peer_seq_;
    feed(seg(peer_seq_, our_seq_, flag::ack));
    EXPECT_EQ(rec_.accepted.size(), 1u);
    return rec_.accepted.empty() ? kNoConn : rec_.accepted.back();
  }

  static inline rte_mempool* pool_ = nullptr;
  uint32_t baseline_ = 0;
  std::unique_ptr<stack> s_;
  stack_config cfg_;
  recorder rec_;
  std::vector<rte_mbuf*> out_;
  uint64_t now_ = 5'000'000'000;
  uint32_t peer_seq_ = 1000;
  uint32_t our_seq_ = 0;
  bool ts_ = false;
  uint32_t peer_ts_ = 100;
  uint32_t echo_ = 0;
};


}  // namespace sstpgw::tcp::state_testing
