// Fuzzes a worker's session engine from both of its inputs: arbitrary
// plaintext (sealed by a client with the installed keys, cut into records
// anywhere) after install_keys / start_sstp, and arbitrary control messages
// with stale or current generations and nonsense hand-back counts. Each input
// is one client connection over the tcp harness link; afterwards the
// connection is closed and every mbuf must be back in the pool.
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

#include "dataplane/session/engine.hh"
#include "tests/unit/tcp/harness/eal.hh"
#include "tests/unit/tcp/harness/link.hh"
#include "tests/support/evp_peer.hh"

using namespace sstpgw;
using namespace sstpgw::session;

namespace {

struct client {
  bool connected = false, closed = false;
  static void on_connected(void* c, tcp::conn_id) { static_cast<client*>(c)->connected = true; }
  static uint32_t on_data(void*, tcp::conn_id, rte_mbuf* m) {
    const uint32_t n = m->pkt_len;
    rte_pktmbuf_free(m);
    return n;
  }
  static void on_closed(void* c, tcp::conn_id, tcp::close_reason) { static_cast<client*>(c)->closed = true; }
};

struct world {
  rte_mempool* pool;
  std::unique_ptr<channel_set> ch;
  tls::aead_engine aead;
  std::unique_ptr<owner_table> owners;
  std::unique_ptr<engine> eng;
  std::unique_ptr<tcp::testing::link> link;
  client cl;
  std::vector<rte_mbuf*> out;

  world() {
    pool = tcp::testing::make_pool("fz_sess", 8191);
    ch = std::make_unique<channel_set>("fzs", 1, channel_config{.ring_size = 64, .messages = 255, .mbufs = 1023});
    if (!aead.init()) std::abort();
    const net::ipv4_subnet p{0xac10c900, 24};
    owners = std::make_unique<owner_table>(std::span<const net::ipv4_subnet>(&p, 1));
    engine_config ec;
    ec.max_sessions = 4;
    ec.record_pool = pool;
    ec.vnet_pool = pool;
    ec.owners = owners.get();
    eng = std::make_unique<engine>(ec, ch->worker(0), aead);
    eng->set_vnet_output({[](void* c, rte_mbuf** p, uint16_t k) -> uint16_t {
                            auto* v = static_cast<std::vector<rte_mbuf*>*>(c);
                            v->insert(v->end(), p, p + k);
                            return k;
                          },
                          &out});
    tcp::stack_config a, b;
    a.pool = b.pool = pool;
    a.max_connections = 8;
    b.max_connections = 4;
    tcp::stack_events ea;
    ea.ctx = &cl;
    ea.connected = &client::on_connected;
    ea.data = &client::on_data;
    ea.closed = &client::on_closed;
    link = std::make_unique<tcp::testing::link>(a, ea, b, eng->events(), net::impairment_config{},
                                                net::impairment_config{}, pool);
    eng->attach(link->b());
    link->b().listen(443);
  }
  void stages() {
    const uint64_t us = link->now() / 1000;
    eng->control_stage(us);
    eng->rx_stage(us);
    eng->tx_stage(us);
    link->b().poll(link->now());
    for (rte_mbuf* m : out) rte_pktmbuf_free(m);
    out.clear();
  }
  bool pump(const std::function<bool()>& done, uint64_t ns) { return link->run_until(done, ns, [&] { stages(); }); }
  std::vector<session_id> drain() {
    std::vector<session_id> ids;
    message* m[64];
    uint32_t n;
    while ((n = ch->control().receive(m, 64)) > 0)
      for (uint32_t k = 0; k < n; ++k) {
        ids.push_back(m[k]->session);
        release(m[k]);
      }
    return ids;
  }
};

world* g = nullptr;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (g == nullptr) {
    tcp::testing::ensure_eal();
    g = new world();
  }
  world& w = *g;
  const uint32_t baseline = tcp::testing::in_use(w.pool);
  std::mt19937_64 rng(size);
  w.cl = client{};
  const tcp::conn_id c = w.link->a().connect(tcp::testing::kClientIp, tcp::testing::kServerIp, 443, w.link->now());
  w.pump([&] { return w.cl.connected; }, 1'000'000'000);
  const uint8_t hello[3] = {1, 2, 3};
  w.link->a().send(c, hello, 3);
  std::vector<session_id> ids;
  w.pump([&] {
    auto got = w.drain();
    ids.insert(ids.end(), got.begin(), got.end());
    return !ids.empty();
  }, 1'000'000'000);
  if (!ids.empty() && size > 0) {
    const session_id id = ids.front();
    const auto v = (data[0] & 1) ? tls::protocol_version::tls12 : tls::protocol_version::tls13;
    const tls::traffic_keys k = tls::test::random_keys(v, tls::aead_algorithm::aes_128_gcm, rng, 0);
    tls::test::evp_peer seal(k);
    control_end& ctl = w.ch->control();
    size_t i = 1;
    while (i < size) {
      const uint8_t op = data[i++];
      const size_t len = std::min<size_t>(size - i, op >> 3);
      std::span<const uint8_t> chunk(data + i, len);
      i += len;
      const uint32_t gen_delta = (op & 0x80) ? 1 : 0;  // stale (or future) generation
      const session_id target = session_id::make(0, id.slot(), id.generation() + gen_delta);
      switch (op & 7) {
        case 0: ctl.install_keys(target, k, k, len, chunk); break;
        case 1: ctl.start_sstp(target, len, chunk); break;
        case 2: ctl.returned_bytes(target, chunk); break;
        case 3: ctl.send_plaintext(target, chunk); break;
        case 4: ctl.data_path_up(target, 0xac10c905, {bool(op & 8), bool(op & 16)}, 1500); break;
        case 5: ctl.send_raw(target, chunk); break;
        default: {
          // Client plaintext as a record (any bytes: HTTP, SSTP framing, PPP).
          const auto rec = seal.seal(23, chunk.data(), chunk.size(), 0, rng);
          w.link->a().send(c, rec.data(), static_cast<uint32_t>(rec.size()));
          break;
        }
      }
      w.pump([] { return false; }, 2'000'000);
      w.drain();
    }
  }
  // Close from the client and let everything drain.
  w.link->a().abort(c);
  if (!ids.empty()) w.ch->control().close(ids.front(), false);
  w.pump([&] { return w.eng->sessions_in_use() == 0; }, 2'000'000'000);
  w.ch->control().flush_closes();
  w.pump([] { return false; }, 10'000'000);
  w.drain();
  if (w.eng->sessions_in_use() != 0 || tcp::testing::in_use(w.pool) > baseline + 64) {
    std::fprintf(stderr, "session leak: sessions %u mbufs %u (baseline %u)\n", w.eng->sessions_in_use(),
                 tcp::testing::in_use(w.pool), baseline);
    std::abort();
  }
  return 0;
}
