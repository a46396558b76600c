#include "dataplane/worker/port_workers.hh"

#include <stdexcept>

namespace sstpgw::worker {

port_workers::port_workers(const eal::port& port, const net::iface_config& base,
                           std::vector<rings::handoff_port*> handoff)
    : port_(port) {
  const uint16_t n = port.n_queues();
  if (!handoff.empty() && handoff.size() != n)
    throw std::invalid_argument("port_workers: one handoff port per worker");
  entries_.resize(n);
  for (uint16_t w = 0; w < n; ++w) {
    net::iface_config c = base;
    c.port_id = port.id();
    c.mac = net::mac_addr{port.mac()};
    c.mtu = port.mtu();
    c.pool = port.pool(w);
    c.tx_checksum_offload = port.caps().tx_checksum_offload;
    c.rx_checksum = port.caps().rx_checksum;
    c.multi_seg_tx = port.caps().multi_seg_tx;
    c.worker = w;
    c.n_workers = n;
    c.hardware_steering = port.rss().hardware;
    c.rss_key = port.rss().key;
    c.reta = port.rss().reta;
    c.arp_speaker = base.arp_speaker && w == 0;
    entries_[w].tx = std::make_unique<eal::tx_buffer>(port.io(w));
    entries_[w].iface = std::make_unique<net::iface>(c, *entries_[w].tx);
    if (!handoff.empty()) entries_[w].iface->set_handoff(handoff[w]->sink());
  }
}

}  // namespace sstpgw::worker
