#include "tests/unit/tcp/harness/transfer_app.hh"

#include <cstring>
#include <stdexcept>

namespace sstpgw::tcp::testing {

struct transfer_app::flow {
  conn_id id = kNoConn;
  uint16_t key = 0;
  uint64_t tx_total = 0;
  uint64_t tx_done = 0;
  uint64_t gen = 0;
  bool use_mbuf = false;
  bool fin_sent = false;
  uint8_t buf[16384];
  uint32_t buf_pos = 0;
  uint32_t buf_len = 0;
  rte_mbuf* chain = nullptr;
  EVP_MD_CTX* tx_hash = nullptr;
  EVP_MD_CTX* rx_hash = nullptr;
  uint64_t held = 0;
  flow_result r;

  void fill(uint8_t* out, uint32_t n) {  // splitmix64 stream
    for (uint32_t k = 0; k < n; k += 8) {
      uint64_t z = (gen += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      std::memcpy(out + k, &z, n - k < 8 ? n - k : 8);
    }
    EVP_DigestUpdate(tx_hash, out, n);
  }
};

transfer_app::transfer_app(rte_mempool* pool, bool server, uint32_t max_conns)
    : pool_(pool), server_(server), flows_(max_conns, nullptr) {}

transfer_app::~transfer_app() {
  for (flow* f : flows_) {
    if (f == nullptr) continue;
    if (f->chain) rte_pktmbuf_free(f->chain);
    EVP_MD_CTX_free(f->tx_hash);
    EVP_MD_CTX_free(f->rx_hash);
    delete f;
  }
}

stack_events transfer_app::events() {
  stack_events e;
  e.ctx = this;
  e.accepted = &on_accepted;
  e.connected = &on_connected;
  e.data = &on_data;
  e.peer_closed = &on_peer_closed;
  e.writable = &on_writable;
  e.closed = &on_closed;
  return e;
}

void transfer_app::start(conn_id c, uint16_t key, uint64_t tx, uint64_t seed, bool use_mbuf) {
  if (flows_[c] != nullptr) throw std::logic_error("connection id reused while open");
  auto* f = new flow;
  f->id = c;
  f->key = key;
  f->tx_total = tx;
  f->gen = seed * 2 + (server_ ? 1 : 0);
  f->use_mbuf = use_mbuf;
  f->tx_hash = EVP_MD_CTX_new();
  f->rx_hash = EVP_MD_CTX_new();
  EVP_DigestInit_ex(f->tx_hash, EVP_sha256(), nullptr);
  EVP_DigestInit_ex(f->rx_hash, EVP_sha256(), nullptr);
  flows_[c] = f;
  ++open_;
}

uint16_t transfer_app::open(uint32_t lip, uint32_t rip, uint16_t rport, uint64_t now, const flow_spec& spec,
                            uint16_t local_port) {
  const conn_id c = s_->connect(lip, rip, rport, now, local_port);
  if (c == kNoConn) return 0;
  const uint16_t port = s_->info(c).tuple.local_port;
  start(c, port, spec.c2s, spec.seed, spec.use_mbuf);
  return port;
}

bool transfer_app::on_accepted(void* ctx, conn_id c) {
  auto* self = static_cast<transfer_app*>(ctx);
  const uint16_t port = self->s_->info(c).tuple.remote_port;
  auto it = self->specs_.find(port);
  if (it == self->specs_.end()) return false;  // not part of the test
  self->start(c, port, it->second.s2c, it->second.seed, it->second.use_mbuf);
  self->pump_one(*self->flows_[c]);
  return true;
}

void transfer_app::on_connected(void* ctx, conn_id c) {
  auto* self = static_cast<transfer_app*>(ctx);
  if (self->flows_[c]) self->pump_one(*self->flows_[c]);
}

uint32_t transfer_app::on_data(void* ctx, conn_id c, rte_mbuf* m) {
  auto* self = static_cast<transfer_app*>(ctx);
  flow* f = self->flows_[c];
  const uint32_t len = m->pkt_len;
  if (f != nullptr) {
    for (rte_mbuf* s = m; s != nullptr; s = s->next)
      EVP_DigestUpdate(f->rx_hash, rte_pktmbuf_mtod(s, const uint8_t*), s->data_len);
    f->r.received += len;
  }
  self->total_rx_ += len;
  rte_pktmbuf_free(m);
  if (self->hold && f != nullptr) {
    f->held += len;
    return 0;
  }
  return len;
}

void transfer_app::release_all() {
  for (flow* f : flows_) {
    if (f != nullptr && f->held > 0) {
      s_->recv_consumed(f->id, static_cast<uint32_t>(f->held));
      f->held = 0;
    }
  }
}

void transfer_app::on_peer_closed(void* ctx, conn_id c) {
  auto* self = static_cast<transfer_app*>(ctx);
  if (flow* f = self->flows_[c]) f->r.peer_fin = true;
}

void transfer_app::on_writable(void* ctx, conn_id c) {
  auto* self = static_cast<transfer_app*>(ctx);
  if (flow* f = self->flows_[c]) self->pump_one(*f);
}

void transfer_app::on_closed(void* ctx, conn_id c, close_reason r) {
  auto* self = static_cast<transfer_app*>(ctx);
  flow* f = self->flows_[c];
  if (f == nullptr) return;
  f->r.closed = true;
  f->r.reason = r;
  f->r.sent = f->tx_done;
  unsigned int n = 32;
  EVP_DigestFinal_ex(f->tx_hash, f->r.tx_digest.data(), &n);
  EVP_DigestFinal_ex(f->rx_hash, f->r.rx_digest.data(), &n);
  self->results_[f->key] = f->r;
  if (f->chain) rte_pktmbuf_free(f->chain);
  EVP_MD_CTX_free(f->tx_hash);
  EVP_MD_CTX_free(f->rx_hash);
  delete f;
  self->flows_[c] = nullptr;
  --self->open_;
}

void transfer_app::pump_one(flow& f) {
  while (f.tx_done < f.tx_total) {
    if (f.use_mbuf) {
      if (f.chain == nullptr) {
        // A chain of up to 3 segments of odd sizes, to exercise slicing.
        rte_mbuf* head = nullptr;
        uint64_t left = f.tx_total - f.tx_done;
        for (int k = 0; k < 3 && left > 0; ++k) {
          rte_mbuf* m = rte_pktmbuf_alloc(pool_);
          if (m == nullptr) break;
          uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(left, 1000 + 333 * k));
          f.fill(reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(n))), n);
          left -= n;
          if (head == nullptr)
            head = m;
          else
            rte_pktmbuf_chain(head, m);
        }
        if (head == nullptr) return;
        f.chain = head;
      }
      const uint32_t n = f.chain->pkt_len;
      if (!s_->send_mbuf(f.id, f.chain)) return;
      f.chain = nullptr;
      f.tx_done += n;
    } else {
      if (f.buf_pos == f.buf_len) {
        f.buf_len = static_cast<uint32_t>(std::min<uint64_t>(sizeof f.buf, f.tx_total - f.tx_done));
        f.buf_pos = 0;
        f.fill(f.buf, f.buf_len);
      }
      const uint32_t n = s_->send(f.id, f.buf + f.buf_pos, f.buf_len - f.buf_pos);
      f.buf_pos += n;
      f.tx_done += n;
      if (f.buf_pos < f.buf_len) return;
    }
  }
  if (!f.fin_sent) {
    f.fin_sent = true;
    if (close_when_done)
      s_->close(f.id);
    else
      s_->shutdown_write(f.id);
  }
}

void transfer_app::pump() {
  for (flow* f : flows_)
    if (f != nullptr && !f->fin_sent) pump_one(*f);
}

}  // namespace sstpgw::tcp::testing
