// Fuzz target for the input path below TCP: Ethernet, ARP, IPv4 validation,
// reassembly, ICMP, and the output path (ARP queueing, fragmentation), over
// arbitrary frames. Memory stays bounded: every input gets a fresh iface with
// small tables, and after it is destroyed every mbuf must be back in the pool.
//
// Input: byte 0 = flags (bit 0: frames come from a handoff, bit 1: run timers
// between frames, bit 2: also send each frame minus 14 bytes as an IPv4 output
// packet), then records of [length: 2 bytes big-endian][frame bytes].
#include <rte_mbuf.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "dataplane/common/log.hh"
#include "dataplane/eal/eal.hh"
#include "dataplane/eal/mempool.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"

namespace {

using namespace sstpgw;

rte_mempool* pool() {
  static rte_mempool* p = [] {
    set_log_level(log_level::error);
    eal::eal_config cfg;
    cfg.program_name = "fuzz-net";
    cfg.hugepages = eal::hugepage_mode::never;
    cfg.memory_mb = 128;
    cfg.log_level = "error";
    eal::eal_start(cfg);
    // The target has no teardown hook: release EAL (and its runtime dir) at exit.
    std::atexit([] { eal::eal_stop(); });
    return eal::create_packet_pool("fuzz", 2047, 0, eal::data_room_for_mtu(1500), 0);
  }();
  return p;
}

uint16_t discard(void*, rte_mbuf** p, uint16_t n) {
  rte_pktmbuf_free_bulk(p, n);
  return n;
}
uint16_t take_all(void*, rte_mbuf** p, uint16_t n) {
  rte_pktmbuf_free_bulk(p, n);
  return n;
}
uint16_t handoff_drop(void*, const uint16_t*, rte_mbuf** p, uint16_t n) {
  rte_pktmbuf_free_bulk(p, n);
  return n;
}

rte_mbuf* mbuf_of(const uint8_t* data, size_t len) {
  rte_mbuf* head = nullptr;
  size_t off = 0;
  do {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    if (m == nullptr) break;
    const size_t k = std::min<size_t>(len - off, rte_pktmbuf_tailroom(m));
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(k)), data + off, k);
    off += k;
    if (head == nullptr) {
      head = m;
    } else if (rte_pktmbuf_chain(head, m) != 0) {
      rte_pktmbuf_free(m);
      break;
    }
  } while (off < len);
  return head;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rte_mempool* mp = pool();
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  {
    net::iface_config c;
    c.mac = net::mac_addr{{0x02, 0, 0, 0, 0, 0x01}};
    c.address = {0x0a000001, 24};
    c.gateway = 0x0a0000fe;
    c.pool = mp;
    c.n_workers = (flags & 8) ? 2 : 1;
    c.arp = {
        .max_entries = 8, .pending_per_entry = 4, .reachable_us = 1000, .retry_us = 10, .max_requests = 2};
    c.reassembly = {
        .max_datagrams = 4, .max_fragments = 8, .max_size = 8000, .max_held = 16, .timeout_us = 500};
    c.arp_scan_us = 1;
    eal::tx_buffer tx(eal::queue_io{nullptr, &discard, nullptr});
    net::iface f(c, tx);
    f.set_tcp_sink({&take_all, nullptr});
    if (flags & 8) f.set_handoff({&handoff_drop, nullptr});
    f.start(0);
    uint64_t now = 1;
    size_t pos = 1;
    for (int frames = 0; frames < 32 && pos + 2 <= size; ++frames) {
      size_t len = (size_t{data[pos]} << 8) | data[pos + 1];
      pos += 2;
      if (len > size - pos) len = size - pos;
      if (len > 9000) len = 9000;
      rte_mbuf* m = mbuf_of(data + pos, len);
      if (m) f.input(&m, 1, now, flags & 1);
      if ((flags & 4) && len > 14) {
        rte_mbuf* o = mbuf_of(data + pos + 14, len - 14);
        if (o && f.output(&o, 1) == 0) rte_pktmbuf_free(o);  // refused: still ours
      }
      pos += len;
      now += 7;
      if (flags & 2) f.run_timers(now);
      tx.flush();
    }
    f.run_timers(now + 1'000'000);
  }
  if (rte_mempool_in_use_count(mp) != 0) {
    std::fprintf(stderr, "mbuf leak: %u in use\n", rte_mempool_in_use_count(mp));
    std::abort();
  }
  return 0;
}
