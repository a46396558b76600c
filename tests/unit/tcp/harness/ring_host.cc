#include "tests/unit/tcp/harness/ring_host.hh"

namespace sstpgw::tcp::testing {

ring_host::ring_host(eal::port& port, const ring_host_config& cfg, const stack_events& events,
                     uint64_t now_ns)
    : io_(port.io(0)),
      tx_(std::make_unique<eal::tx_buffer>(io_)),
      now_ns_(now_ns),
      drain_ns_(uint64_t{cfg.drain_us} * 1000) {
  net::iface_config ic;
  ic.port_id = port.id();
  ic.mac.b = cfg.mac == std::array<uint8_t, 6>{} ? port.mac() : cfg.mac;
  ic.address = {cfg.ip, cfg.prefix_len};
  ic.mtu = port.mtu();
  ic.pool = port.pool(0);
  ic.tx_checksum_offload = port.caps().tx_checksum_offload;
  ic.rx_checksum = port.caps().rx_checksum;
  ic.multi_seg_tx = port.caps().multi_seg_tx;
  ic.worker = 0;
  ic.n_workers = 1;
  ic.hardware_steering = port.rss().hardware;
  ic.rss_key.assign(port.rss().key.begin(), port.rss().key.end());
  ic.reta = port.rss().reta;
  // No gratuitous ARP: the first packet to the peer resolves it with a request.
  ic.arp_speaker = false;
  ic.arp = cfg.arp;
  iface_ = std::make_unique<net::iface>(ic, *tx_);
  iface_->set_tcp_sink(net::burst_sink{&ring_host::to_tcp, this});

  stack_config sc = cfg.tcp;
  if (sc.pool == nullptr) sc.pool = port.pool(0);
  sc.tx_checksum_offload = port.caps().tx_checksum_offload;
  sc.tx = iface_->output_sink();
  stack_ = std::make_unique<tcp::stack>(sc, events, now_ns);
  iface_->start(now_ns / 1000);
}

// Members go in reverse order: the stack, then the iface (its ARP queues),
// then the TX buffer (whatever it still holds is freed, not sent).
ring_host::~ring_host() = default;

uint16_t ring_host::to_tcp(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<ring_host*>(ctx);
  self->stack_->input(pkts, n, self->now_ns_);
  return n;
}

uint16_t ring_host::run_once(uint64_t now_ns) {
  now_ns_ = now_ns;
  const uint64_t now_us = now_ns / 1000;
  iface_->set_now(now_us);
  rte_mbuf* burst[eal::kBurst];
  const uint16_t n = io_.receive(burst, eal::kBurst);
  if (n) iface_->input(burst, n, now_us);
  stack_->poll(now_ns);
  if (now_ns >= next_drain_) {
    next_drain_ = now_ns + drain_ns_;
    iface_->run_timers(now_us);
    tx_->flush();
  }
  return n;
}

}  // namespace sstpgw::tcp::testing
