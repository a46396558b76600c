// GCC 12 reports false array-bounds / stringop warnings inside evp_peer's
// vector inserts once they are inlined into this file (-O2).
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#include "tests/unit/session/engine_harness.hh"

#include "dataplane/common/byte_order.hh"

namespace sstpgw::session::test {

namespace {
uint16_t sum16(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t{p[i]} << 8 | p[i + 1];
  if (n & 1) s += uint32_t{p[n - 1]} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}
}  // namespace

bytes ipv4(uint32_t src, uint32_t dst, uint8_t ttl, const bytes& payload, uint8_t proto) {
  bytes p(20 + payload.size());
  p[0] = 0x45;
  store_be16(p.data() + 2, static_cast<uint16_t>(p.size()));
  store_be16(p.data() + 4, 0x1234);
  p[8] = ttl;
  p[9] = proto;
  store_be32(p.data() + 12, src);
  store_be32(p.data() + 16, dst);
  store_be16(p.data() + 10, sum16(p.data(), 20));
  std::memcpy(p.data() + 20, payload.data(), payload.size());
  return p;
}

bool ipv4_checksum_ok(const bytes& ip) { return ip.size() >= 20 && sum16(ip.data(), 20) == 0; }

void EngineHarness::build(channel_config cc, uint32_t max_sessions) {
  tcp::testing::ensure_eal();
  pool_ = tcp::testing::make_pool("sess_test", 16383);
  const int n = counter_++;
  ch_ = std::make_unique<channel_set>("se" + std::to_string(n), 1, cc);
  if (!aead_.ready()) {
    ASSERT_TRUE(aead_.init());
  }
  const net::ipv4_subnet pool_prefix{0xac10c900, 24};
  owners_ = std::make_unique<owner_table>(std::span<const net::ipv4_subnet>(&pool_prefix, 1));
  engine_config ec;
  ec.worker = 0;
  ec.max_sessions = max_sessions;
  ec.record_pool = pool_;
  ec.vnet_pool = pool_;
  ec.owners = owners_.get();
  ec.vnet_prefixes = {{0x0a010000, 16}};
  ec.vnet_address = kVnetGw;
  eng_ = std::make_unique<engine>(ec, ch_->worker(0), aead_);
  eng_->set_vnet_output({[](void* c, rte_mbuf** p, uint16_t k) -> uint16_t {
                           auto* v = static_cast<std::vector<rte_mbuf*>*>(c);
                           v->insert(v->end(), p, p + k);
                           return k;
                         },
                         &vnet_});
  eng_->set_handoff({[](void* c, const uint16_t* w, rte_mbuf** p, uint16_t k) -> uint16_t {
                       auto* h = static_cast<EngineHarness*>(c);
                       h->handed_.insert(h->handed_.end(), p, p + k);
                       h->handed_to_.insert(h->handed_to_.end(), w, w + k);
                       return k;
                     },
                     this});
  tcp::stack_config a, b;
  a.max_connections = b.max_connections = 64;
  a.pool = b.pool = pool_;
  b.max_connections = max_sessions;
  link_ = std::make_unique<tcp::testing::link>(a, client_.events(), b, eng_->events(), net::impairment_config{},
                                               net::impairment_config{}, pool_);
  eng_->attach(link_->b());
  ASSERT_TRUE(link_->b().listen(443));
}

void EngineHarness::teardown() {
  for (auto& r : inbox_) (void)r;
  inbox_.clear();
  drain_control();
  inbox_.clear();
  for (rte_mbuf* m : vnet_) rte_pktmbuf_free(m);
  for (rte_mbuf* m : handed_) rte_pktmbuf_free(m);
  vnet_.clear();
  handed_.clear();
  eng_.reset();  // frees what the slots hold before the stack goes
  link_.reset();
  ch_.reset();
  EXPECT_EQ(tcp::testing::in_use(pool_), 0u) << "mbuf leak";
}

void EngineHarness::stages() {
  const uint64_t us = link_->now() / 1000;
  eng_->control_stage(us);
  eng_->rx_stage(us);
  eng_->tx_stage(us);
  link_->b().poll(link_->now());
}

bool EngineHarness::pump(const std::function<bool()>& done, uint64_t max_ns) {
  return link_->run_until(done, max_ns, [&] { stages(); });
}

void EngineHarness::drain_control() {
  message* m[64];
  uint32_t n;
  while ((n = ch_->control().receive(m, 64)) > 0) {
    for (uint32_t k = 0; k < n; ++k) {
      received r{m[k]->type, m[k]->session, m[k]->stream_phase, m[k]->reason, {}};
      if (m[k]->bytes) append_bytes(m[k]->bytes, r.data);
      inbox_.push_back(std::move(r));
      release(m[k]);
    }
  }
}

bool EngineHarness::connect() {
  cconn_ = link_->a().connect(tcp::testing::kClientIp, tcp::testing::kServerIp, 443, link_->now());
  return pump([&] { return client_.connected; });
}

void EngineHarness::client_send(const bytes& b) {
  size_t off = 0;
  while (off < b.size()) {
    off += link_->a().send(cconn_, b.data() + off, static_cast<uint32_t>(b.size() - off));
    if (off < b.size()) pump([] { return false; }, 1'000'000);
  }
  link_->a().poll(link_->now());
}

void EngineHarness::make_keys(tls::protocol_version v, tls::aead_algorithm a) {
  c2s_ = tls::test::random_keys(v, a, rng_, v == tls::protocol_version::tls12 ? 1 : 0);
  s2c_ = tls::test::random_keys(v, a, rng_, v == tls::protocol_version::tls12 ? 1 : 0);
  client_seal_ = std::make_unique<tls::test::evp_peer>(c2s_);
  client_open_ = std::make_unique<tls::test::evp_peer>(s2c_);
}

bytes EngineHarness::client_record(const bytes& plain) {
  return client_seal_->seal(23, plain.data(), plain.size(), 0, rng_);
}

bool EngineHarness::client_open(bytes& plain, std::vector<uint8_t>* types) {
  const bytes& rx = client_.rx;
  while (rx.size() - opened_ >= 5) {
    const size_t len = size_t{rx[opened_ + 3]} << 8 | rx[opened_ + 4];
    if (rx.size() - opened_ < 5 + len) break;
    uint8_t type = 0;
    bytes content;
    if (!client_open_->open(rx.data() + opened_, 5 + len, type, content)) return false;
    if (types) types->push_back(type);
    if (type == 23) plain.insert(plain.end(), content.begin(), content.end());
    opened_ += 5 + len;
  }
  return true;
}

void EngineHarness::install(session_id id, uint64_t consumed, const bytes& returned) {
  ASSERT_TRUE(ch_->control().install_keys(id, c2s_, s2c_, consumed, returned));
}

}  // namespace sstpgw::session::test
