// A gtest fixture around one iface: its own mempool, a TX queue that captures
// frames as bytes, a TCP sink that keeps what it gets, and a leak check (every
// mbuf back in the pool) after each test.
#pragma once

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/eal/mempool.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"
#include "tests/unit/net/frames.hh"

namespace sstpgw::test {

inline net::mac_addr to_mac(const mac& m) { return net::mac_addr{m}; }

inline bytes mbuf_bytes(const rte_mbuf* m) {
  bytes b(m->pkt_len);
  const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, b.data());
  if (p != b.data()) std::memcpy(b.data(), p, m->pkt_len);
  return b;
}

struct frame_capture {
  std::vector<bytes> frames;
  static uint16_t tx(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* c = static_cast<frame_capture*>(ctx);
    for (uint16_t i = 0; i < n; ++i) c->frames.push_back(mbuf_bytes(p[i]));
    rte_pktmbuf_free_bulk(p, n);
    return n;
  }
};

struct mbuf_sink {
  std::vector<rte_mbuf*> pkts;
  uint16_t limit = 0xffff;
  static uint16_t take(void* ctx, rte_mbuf** p, uint16_t n) {
    auto* s = static_cast<mbuf_sink*>(ctx);
    const uint16_t k = n < s->limit ? n : s->limit;
    s->pkts.insert(s->pkts.end(), p, p + k);
    return k;
  }
  ~mbuf_sink() { clear(); }
  void clear() {
    for (auto* m : pkts) rte_pktmbuf_free(m);
    pkts.clear();
  }
};

class StackTest : public ::testing::Test {
 protected:
  static net::iface_config default_config(rte_mempool* pool) {
    net::iface_config c;
    c.mac = to_mac(kGwMac);
    c.address = {kGwIp, 24};
    c.pool = pool;
    c.arp.retry_us = 1000;
    c.arp.reachable_us = 100'000;
    c.arp.max_requests = 3;
    c.arp_speaker = false;
    c.arp_scan_us = 1;
    return c;
  }
  virtual void configure(net::iface_config&) {}

  void SetUp() override {
    static int n = 0;
    pool_ = eal::create_packet_pool("stk" + std::to_string(n++), 4095, 0, eal::data_room_for_mtu(1500), 0);
    cfg_ = default_config(pool_);
    configure(cfg_);
    tx_ = std::make_unique<eal::tx_buffer>(eal::queue_io{nullptr, &frame_capture::tx, &cap_});
    stack_ = std::make_unique<net::iface>(cfg_, *tx_);
    stack_->set_tcp_sink({&mbuf_sink::take, &tcp_});
    stack_->start(0);
  }
  void TearDown() override {
    stack_.reset();
    tx_.reset();
    tcp_.clear();
    EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u) << "mbufs leaked";
    rte_mempool_free(pool_);
  }

  // An mbuf holding b, chained over several segments when it does not fit one.
  rte_mbuf* mbuf_of(const bytes& b) {
    rte_mbuf* head = nullptr;
    size_t off = 0;
    do {
      rte_mbuf* m = rte_pktmbuf_alloc(pool_);
      EXPECT_NE(m, nullptr);
      const size_t k = std::min<size_t>(b.size() - off, rte_pktmbuf_tailroom(m));
      auto* p = rte_pktmbuf_append(m, static_cast<uint16_t>(k));
      if (k) std::memcpy(p, b.data() + off, k);
      off += k;
      if (head == nullptr) {
        head = m;
      } else {
        EXPECT_EQ(rte_pktmbuf_chain(head, m), 0);
      }
    } while (off < b.size());
    head->port = cfg_.port_id;
    return head;
  }
  // Feeds one frame at time `now` and returns what was transmitted.
  std::vector<bytes> feed(const bytes& f, uint64_t now = 1) {
    rte_mbuf* m = mbuf_of(f);
    stack_->input(&m, 1, now);
    return sent();
  }
  std::vector<bytes> sent() {
    tx_->flush();
    auto out = std::move(cap_.frames);
    cap_.frames.clear();
    return out;
  }
  std::vector<bytes> timers(uint64_t now) {
    stack_->run_timers(now);
    return sent();
  }
  // Output of an IPv4 packet (as TCP would give it).
  std::vector<bytes> send_ip(const bytes& ip) {
    rte_mbuf* m = mbuf_of(ip);
    stack_->output(&m, 1);
    return sent();
  }
  uint64_t ipc(net::ipv4_counter c) const { return stack_->ipv4_counters().get(c); }
  uint64_t arpc(net::arp_counter c) const { return stack_->arp_counters().get(c); }
  uint64_t icmpc(net::icmp_counter c) const { return stack_->icmp_counters().get(c); }
  uint64_t reasmc(net::reassembly_counter c) const { return stack_->reassembly().counters().get(c); }
  // Teaches the cache that the peer is at kPeerMac (a request from it for us).
  void learn_peer(uint64_t now = 1) {
    auto out = feed(arp_frame(1, kBroadcast, kPeerMac, kPeerIp, {}, kGwIp), now);
    ASSERT_EQ(out.size(), 1u);
  }

  rte_mempool* pool_ = nullptr;
  net::iface_config cfg_;
  frame_capture cap_;
  mbuf_sink tcp_;
  std::unique_ptr<eal::tx_buffer> tx_;
  std::unique_ptr<net::iface> stack_;
};

}  // namespace sstpgw::test
