#include "tests/integration/tcp/services.hh"

#include <cstring>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tcp::testing {

void byte_stream::fill(uint8_t* out, size_t n) {
  for (size_t k = 0; k < n; k += 8) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    std::memcpy(out + k, &z, n - k < 8 ? n - k : 8);
  }
}

std::array<uint8_t, 32> sha256_of_stream(uint64_t seed, uint64_t n) {
  byte_stream s(seed);
  EVP_MD_CTX* h = EVP_MD_CTX_new();
  EVP_DigestInit_ex(h, EVP_sha256(), nullptr);
  std::vector<uint8_t> buf(65536);
  while (n > 0) {
    const size_t k = n < buf.size() ? n : buf.size();
    s.fill(buf.data(), k);
    EVP_DigestUpdate(h, buf.data(), k);
    n -= k;
  }
  std::array<uint8_t, 32> d{};
  unsigned int len = 32;
  EVP_DigestFinal_ex(h, d.data(), &len);
  EVP_MD_CTX_free(h);
  return d;
}

namespace {
enum kind { echo, transfer_server, http, transfer_client };
}

struct services::conn {
  conn_id id = kNoConn;
  int kind = echo;
  // echo: chains waiting for send space (their bytes are not yet "consumed").
  std::deque<rte_mbuf*> backlog;
  bool peer_fin = false;
  bool fin_sent = false;
  // transfer: header, then data.
  uint8_t header[24];
  uint32_t header_got = 0;
  uint64_t c2s = 0, s2c = 0, seed = 0;
  uint64_t rx = 0, tx = 0;
  byte_stream gen{0};
  EVP_MD_CTX* rx_hash = nullptr;
  std::vector<uint8_t> out;  // bytes generated, not yet taken by send()
  size_t out_pos = 0;
  bool digest_queued = false;
  // transfer client: expects s2c bytes + 32-byte digest back.
  std::vector<uint8_t> tail;  // last bytes received (the digest)
  // http
  std::string request;
};

services::services(rte_mempool* pool, uint32_t max_conns) : pool_(pool), conns_(max_conns, nullptr) {}

services::~services() {
  for (conn* k : conns_) {
    if (k == nullptr) continue;
    for (rte_mbuf* m : k->backlog) rte_pktmbuf_free(m);
    EVP_MD_CTX_free(k->rx_hash);
    delete k;
  }
}

stack_events services::events() {
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

services::conn* services::make(conn_id c, int kind) {
  auto* k = new conn;
  k->id = c;
  k->kind = kind;
  k->rx_hash = EVP_MD_CTX_new();
  EVP_DigestInit_ex(k->rx_hash, EVP_sha256(), nullptr);
  conns_[c] = k;
  ++open_;
  return k;
}

bool services::on_accepted(void* ctx, conn_id c) {
  auto* self = static_cast<services*>(ctx);
  const uint16_t port = self->s_->info(c).tuple.local_port;
  if (port == kEchoPort)
    self->make(c, echo);
  else if (port == kTransferPort)
    self->make(c, transfer_server);
  else if (port == kHttpPort)
    self->make(c, http);
  else
    return false;
  return true;
}

conn_id services::start_client(uint32_t lip, uint32_t rip, uint16_t rport, uint64_t now, uint64_t c2s,
                               uint64_t s2c, uint64_t seed) {
  const conn_id c = s_->connect(lip, rip, rport, now);
  if (c == kNoConn) return c;
  conn* k = make(c, transfer_client);
  k->c2s = c2s;
  k->s2c = s2c;
  k->seed = seed;
  k->gen = byte_stream(seed);
  store_be64(k->header, c2s);
  store_be64(k->header + 8, s2c);
  store_be64(k->header + 16, seed + 1);
  k->out.assign(k->header, k->header + 24);
  results_[c] = client_result{};
  return c;
}

void services::on_connected(void* ctx, conn_id c) {
  auto* self = static_cast<services*>(ctx);
  if (conn* k = self->conns_[c]) self->pump_one(*k);
}

uint32_t services::on_data(void* ctx, conn_id c, rte_mbuf* m) {
  auto* self = static_cast<services*>(ctx);
  conn* k = self->conns_[c];
  const uint32_t len = m->pkt_len;
  if (k == nullptr) {
    rte_pktmbuf_free(m);
    return len;
  }
  switch (k->kind) {
    case echo:
      // Zero-copy echo: the received chain goes straight back out.
      if (k->backlog.empty() && self->s_->send_mbuf(c, m)) return len;
      k->backlog.push_back(m);
      return 0;  // consumed when it is sent
    case http: {
      for (rte_mbuf* s = m; s; s = s->next) k->request.append(rte_pktmbuf_mtod(s, const char*), s->data_len);
      rte_pktmbuf_free(m);
      if (!k->fin_sent && k->request.find("\r\n\r\n") != std::string::npos) {
        const std::string body = "hello from the sstpgw tcp stack\n";
        const std::string resp =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        self->s_->send(c, resp.data(), static_cast<uint32_t>(resp.size()));
        self->s_->close(c);
        k->fin_sent = true;
        ++self->http_served;
      }
      return len;
    }
    case transfer_server: {
      uint32_t off = 0;
      while (k->header_got < 24 && off < len) {
        uint8_t tmp;
        const auto* b = static_cast<const uint8_t*>(rte_pktmbuf_read(m, off, 1, &tmp));
        k->header[k->header_got++] = *b;
        ++off;
        if (k->header_got == 24) {
          k->c2s = load_be64(k->header);
          k->s2c = load_be64(k->header + 8);
          k->gen = byte_stream(load_be64(k->header + 16));
        }
      }
      uint32_t skip = off;
      for (rte_mbuf* s = m; s; s = s->next) {
        const uint32_t n = s->data_len;
        if (skip >= n) {
          skip -= n;
          continue;
        }
        EVP_DigestUpdate(k->rx_hash, rte_pktmbuf_mtod_offset(s, const uint8_t*, skip), n - skip);
        k->rx += n - skip;
        skip = 0;
      }
      rte_pktmbuf_free(m);
      self->pump_one(*k);
      return len;
    }
    case transfer_client: {
      for (rte_mbuf* s = m; s; s = s->next) {
        const uint8_t* p = rte_pktmbuf_mtod(s, const uint8_t*);
        uint32_t n = s->data_len;
        // Data first, the digest (last 32 bytes) after it.
        const uint64_t data_left = k->s2c > k->rx ? k->s2c - k->rx : 0;
        const uint32_t d = static_cast<uint32_t>(std::min<uint64_t>(n, data_left));
        if (d) EVP_DigestUpdate(k->rx_hash, p, d);
        k->rx += d;
        k->tail.insert(k->tail.end(), p + d, p + n);
      }
      rte_pktmbuf_free(m);
      return len;
    }
  }
  rte_pktmbuf_free(m);
  return len;
}

void services::pump_one(conn& k) {
  stack& s = *s_;
  if (k.kind == echo) {
    while (!k.backlog.empty()) {
      rte_mbuf* m = k.backlog.front();
      const uint32_t n = m->pkt_len;
      if (!s.send_mbuf(k.id, m)) return;
      k.backlog.pop_front();
      s.recv_consumed(k.id, n);
    }
    if (k.peer_fin && !k.fin_sent) {
      s.shutdown_write(k.id);
      k.fin_sent = true;
    }
    return;
  }
  if (k.kind == http) return;  // answers from on_data only
  if (k.kind == transfer_server && k.header_got < 24) return;
  // transfer server and client: generated data, then (server) the digest.
  const uint64_t total = k.kind == transfer_server ? k.s2c : k.c2s;
  for (;;) {
    if (k.out_pos == k.out.size()) {
      k.out.clear();
      k.out_pos = 0;
      if (k.tx < total) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(65536, total - k.tx));
        k.out.resize(n);
        k.gen.fill(k.out.data(), n);
        k.tx += n;
      } else if (k.kind == transfer_server && !k.digest_queued && k.rx >= k.c2s) {
        k.out.resize(32);
        unsigned int dl = 32;
        EVP_DigestFinal_ex(k.rx_hash, k.out.data(), &dl);
        k.digest_queued = true;
      } else {
        break;
      }
    }
    const uint32_t sent =
        s.send(k.id, k.out.data() + k.out_pos, static_cast<uint32_t>(k.out.size() - k.out_pos));
    k.out_pos += sent;
    if (k.out_pos < k.out.size()) return;
  }
  const bool finished = k.kind == transfer_server ? k.digest_queued : k.tx >= total;
  if (finished && !k.fin_sent) {
    s.shutdown_write(k.id);
    k.fin_sent = true;
  }
}

void services::pump() {
  for (conn* k : conns_)
    if (k != nullptr) pump_one(*k);
}

void services::on_peer_closed(void* ctx, conn_id c) {
  auto* self = static_cast<services*>(ctx);
  conn* k = self->conns_[c];
  if (k == nullptr) return;
  k->peer_fin = true;
  self->pump_one(*k);
}

void services::on_writable(void* ctx, conn_id c) {
  auto* self = static_cast<services*>(ctx);
  if (conn* k = self->conns_[c]) self->pump_one(*k);
}

void services::on_closed(void* ctx, conn_id c, close_reason r) {
  auto* self = static_cast<services*>(ctx);
  conn* k = self->conns_[c];
  if (k == nullptr) return;
  if (k->kind == transfer_client) {
    client_result& res = self->results_[c];
    res.done = true;
    std::array<uint8_t, 32> got{};
    unsigned int dl = 32;
    EVP_DigestFinal_ex(k->rx_hash, got.data(), &dl);
    const auto want_rx = sha256_of_stream(k->seed + 1, k->s2c);
    const auto want_digest = sha256_of_stream(k->seed, k->c2s);
    if (r != close_reason::normal)
      res.error = std::string("closed: ") + to_string(r);
    else if (k->rx != k->s2c)
      res.error = "received " + std::to_string(k->rx) + " of " + std::to_string(k->s2c);
    else if (got != want_rx)
      res.error = "data from the kernel differs";
    else if (k->tail.size() != 32 || std::memcmp(k->tail.data(), want_digest.data(), 32) != 0)
      res.error = "the kernel's digest of our data differs";
    else
      res.ok = true;
  }
  for (rte_mbuf* m : k->backlog) rte_pktmbuf_free(m);
  EVP_MD_CTX_free(k->rx_hash);
  delete k;
  self->conns_[c] = nullptr;
  --self->open_;
}

}  // namespace sstpgw::tcp::testing
