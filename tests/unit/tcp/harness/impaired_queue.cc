#include "tests/unit/tcp/harness/impaired_queue.hh"

#include "dataplane/eal/sizing.hh"

namespace sstpgw::tcp::testing {

void impaired_queue::send_due() {
  rte_mbuf* out[eal::kBurst];
  uint16_t n;
  while ((n = tx_.pull(out, eal::kBurst, now_)) > 0) {
    const uint16_t sent = inner_.transmit(out, n);
    if (sent < n) {
      rte_pktmbuf_free_bulk(out + sent, n - sent);
      tx_refused_ += n - sent;
    }
  }
}

uint16_t impaired_queue::receive_fn(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<impaired_queue*>(ctx);
  self->send_due();
  const uint16_t got = self->inner_.receive(pkts, n);
  if (got) self->rx_.push(pkts, got, self->now_);
  return self->rx_.pull(pkts, n, self->now_);
}

uint16_t impaired_queue::transmit_fn(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* self = static_cast<impaired_queue*>(ctx);
  self->tx_.push(pkts, n, self->now_);
  self->send_due();
  return n;
}

}  // namespace sstpgw::tcp::testing
