#include "dataplane/rings/handoff.hh"

#include <rte_errno.h>

#include <stdexcept>

#include "dataplane/common/log.hh"

namespace sstpgw::rings {

handoff_mesh::handoff_mesh(std::string_view name, uint16_t n_workers, uint32_t ring_size, int socket)
    : n_(n_workers), ring_size_(ring_size), rings_(size_t{n_workers} * n_workers, nullptr) {
  if (n_ == 0) throw std::runtime_error("handoff: no workers");
  for (uint16_t from = 0; from < n_; ++from) {
    for (uint16_t to = 0; to < n_; ++to) {
      if (from == to) continue;
      const std::string rn = fmt::format("{}_{}_{}", name, from, to).substr(0, RTE_RING_NAMESIZE - 1);
      // SP/SC fixed at creation: exactly one producer and one consumer lcore.
      rte_ring* r =
          rte_ring_create(rn.c_str(), ring_size_, socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
      if (r == nullptr) {
        free_rings();
        throw std::runtime_error(fmt::format("handoff ring {}: {}", rn, rte_strerror(rte_errno)));
      }
      rings_[size_t{from} * n_ + to] = r;
    }
  }
}

handoff_mesh::~handoff_mesh() { free_rings(); }

void handoff_mesh::free_rings() {
  for (rte_ring*& r : rings_) {
    if (r == nullptr) continue;
    void* m;
    while (rte_ring_sc_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
    r = nullptr;
  }
}

handoff_port::handoff_port(handoff_mesh& mesh, uint16_t self)
    : mesh_(mesh), self_(self), stages_(mesh.n_workers()) {
  if (self >= mesh.n_workers()) throw std::runtime_error("handoff: worker index out of range");
}

handoff_port::~handoff_port() {
  for (auto& s : stages_) {
    if (s.n) rte_pktmbuf_free_bulk(s.pkts, s.n);
    s.n = 0;
  }
}

void handoff_port::push(uint16_t to) {
  stage& s = stages_[to];
  if (s.n == 0) return;
  const unsigned done =
      rte_ring_sp_enqueue_burst(mesh_.ring(self_, to), reinterpret_cast<void* const*>(s.pkts), s.n, nullptr);
  counters_.add(handoff_counter::enqueued, done);
  if (done < s.n) {
    rte_pktmbuf_free_bulk(s.pkts + done, s.n - done);
    counters_.add(handoff_counter::ring_full, s.n - done);
  }
  staged_total_ -= s.n;
  s.n = 0;
}

uint16_t handoff_port::send(const uint16_t* workers, rte_mbuf** pkts, uint16_t n) {
  uint16_t accepted = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t to = workers[i];
    if (to >= mesh_.n_workers() || to == self_) {
      rte_pktmbuf_free(pkts[i]);
      counters_.add(handoff_counter::bad_destination);
      continue;
    }
    stage& s = stages_[to];
    if (s.n == eal::kBurst) push(to);
    s.pkts[s.n++] = pkts[i];
    ++staged_total_;
    ++accepted;
  }
  return accepted;
}

void handoff_port::flush() {
  if (staged_total_ == 0) return;
  for (uint16_t to = 0; to < mesh_.n_workers(); ++to) push(to);
}

uint16_t handoff_port::receive(rte_mbuf** out, uint16_t cap) {
  const uint16_t n = mesh_.n_workers();
  uint16_t got = 0;
  for (uint16_t k = 0; k < n && got < cap; ++k) {
    const uint16_t from = static_cast<uint16_t>((next_source_ + k) % n);
    if (from == self_) continue;
    got = static_cast<uint16_t>(got + rte_ring_sc_dequeue_burst(mesh_.ring(from, self_),
                                                                reinterpret_cast<void**>(out + got),
                                                                cap - got, nullptr));
  }
  next_source_ = static_cast<uint16_t>((next_source_ + 1) % n);
  counters_.add(handoff_counter::dequeued, got);
  return got;
}

}  // namespace sstpgw::rings
