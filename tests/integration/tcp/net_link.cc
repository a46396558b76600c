#include "tests/integration/tcp/net_link.hh"

#include <stdexcept>

#include "dataplane/eal/eal.hh"

namespace sstpgw::tcp::testing {

namespace {
std::unique_ptr<eal::port> g_port;
}

void net_link::start(const std::string& vdev) {
  if (g_port) return;
  eal::eal_config cfg;
  cfg.program_name = "sstpgw-tcp-kernel-test";
  cfg.vdevs = {vdev};
  cfg.n_lcores = 1;
  cfg.hugepages = eal::hugepage_mode::never;
  cfg.memory_mb = 768;
  cfg.log_level = "error";
  eal::eal_start(cfg);
  eal::port_config pc;
  pc.port_id = eal::port::find(vdev.substr(0, vdev.find(',')));
  pc.n_queues = 1;
  pc.rx_desc = 1024;
  pc.tx_desc = 1024;
  pc.reassembly_mbufs = 256;
  pc.arp_pending_mbufs = 2048;
  pc.extra_mbufs = 8192;
  g_port = std::make_unique<eal::port>(pc);
}

void net_link::stop() {
  g_port.reset();
  if (eal::eal_started()) eal::eal_stop();
}

bool net_link::tx_checksum_offload() { return g_port && g_port->caps().tx_checksum_offload; }

net_link::net_link(uint32_t our_ip, rte_mempool* pool) : pool_(pool) {
  if (!g_port) throw std::runtime_error("net_link::start first");
  tx_ = std::make_unique<eal::tx_buffer>(g_port->io(0));
  net::iface_config c;
  c.port_id = g_port->id();
  c.mac.b = g_port->mac();
  c.address = {our_ip, 24};
  c.pool = pool;
  c.tx_checksum_offload = g_port->caps().tx_checksum_offload;
  c.rx_checksum = g_port->caps().rx_checksum;
  c.multi_seg_tx = g_port->caps().multi_seg_tx;
  c.worker = 0;
  c.n_workers = 1;
  c.rss_key.assign(g_port->rss().key.begin(), g_port->rss().key.end());
  c.reta = g_port->rss().reta;
  iface_ = std::make_unique<net::iface>(c, *tx_);
  iface_->set_tcp_sink(net::burst_sink{&net_link::tcp_fn, this});
}

net_link::~net_link() {
  tx_->flush();
  tx_->discard();
}

void net_link::set_impairment(const net::impairment_config& in, const net::impairment_config& out) {
  rx_imp_ = std::make_unique<net::impairment>(in, pool_);
  tx_imp_ = std::make_unique<net::impairment>(out, pool_);
}

uint16_t net_link::tcp_fn(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<net_link*>(ctx);
  if (self->stack_ != nullptr) {
    self->stack_->input(pkts, n, self->now_);
  } else {
    rte_pktmbuf_free_bulk(pkts, n);
  }
  return n;
}

uint16_t net_link::tx_fn(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<net_link*>(ctx);
  if (self->tx_imp_) {
    self->tx_imp_->push(pkts, n, self->now_);
    return n;
  }
  const uint16_t took = self->iface_->output(pkts, n);
  // iface.output() never pushes back: a full TX buffer drops. Flush as we go
  // so a burst of output from many connections is not cut at the buffer size.
  if (self->tx_->pending() >= kBurst) self->tx_->flush();
  return took;
}

void net_link::poll(uint64_t now_ns) {
  now_ = now_ns;
  const uint64_t now_us = now_ns / 1000;
  iface_->set_now(now_us);
  rte_mbuf* burst[kBurst];
  uint16_t n = g_port->io(0).receive(burst, kBurst);
  if (rx_imp_) {
    if (n) rx_imp_->push(burst, n, now_ns);
    n = rx_imp_->pull(burst, kBurst, now_ns);
  }
  if (n) iface_->input(burst, n, now_us);
  if (stack_) stack_->poll(now_ns);
  if (tx_imp_) {
    const uint16_t t = tx_imp_->pull(burst, kBurst, now_ns);
    if (t) {
      iface_->output(burst, t);
      if (tx_->pending() >= kBurst) tx_->flush();
    }
  }
  iface_->run_timers(now_us);
  tx_->flush();
}

}  // namespace sstpgw::tcp::testing
