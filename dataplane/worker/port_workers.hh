// Wires one started port to its workers: for each queue (= worker) a TX buffer
// and an iface configured from what the port reports (MAC, MTU, pool of that
// queue's socket, checksum offloads, RSS key and table, whether the port's RSS
// already steers TCP flows), plus the port_binding the worker's poll loop
// takes. Built on the main thread at start; each worker then touches only its
// own entry.
#pragma once

#include <memory>
#include <vector>

#include "dataplane/eal/port.hh"
#include "dataplane/eal/tx_buffer.hh"
#include "dataplane/net/iface.hh"
#include "dataplane/rings/handoff.hh"
#include "dataplane/worker/poll_loop.hh"

namespace sstpgw::worker {

class port_workers {
 public:
  // `base` gives the address, gateway and table bounds; port-derived fields
  // are filled in. Worker 0 sends the gratuitous ARP. With a mesh, every
  // iface hands packets through handoff port w (which must outlive this).
  port_workers(const eal::port& port, const net::iface_config& base,
               std::vector<rings::handoff_port*> handoff = {});

  uint16_t n_workers() const { return static_cast<uint16_t>(entries_.size()); }
  net::iface& iface(uint16_t w) { return *entries_.at(w).iface; }
  eal::tx_buffer& tx(uint16_t w) { return *entries_.at(w).tx; }
  port_binding binding(uint16_t w) {
    return {port_.io(w), entries_.at(w).iface.get(), entries_.at(w).tx.get()};
  }

 private:
  struct entry {
    std::unique_ptr<eal::tx_buffer> tx;
    std::unique_ptr<net::iface> iface;
  };
  const eal::port& port_;
  std::vector<entry> entries_;
};

}  // namespace sstpgw::worker
