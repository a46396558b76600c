#include "tests/unit/sessions/session_harness.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::testing {

using namespace std::chrono_literals;
using sessions::session_event_kind;

namespace {

tls::aead_engine& ready(tls::aead_engine& e) {
  if (!e.init()) ADD_FAILURE() << "ipsec-mb manager";
  return e;
}

ipv4_address addr(uint8_t d) { return ipv4_address::from_octets(172, 16, 201, d); }

handshake::tls_context outer_server(const test_pki& pki, const gateway_options& o) {
  handshake::server_tls_config c;
  c.protocol.min_version = o.outer_min;
  c.protocol.max_version = o.outer_max;
  c.certificate_chain.pem = pki.server.cert_pem();
  c.private_key.pem = pki.server.key_pem();
  return handshake::tls_context::make_server(c);
}

handshake::tls_context outer_client(const test_pki& pki, const client_options& o) {
  handshake::client_tls_config c;
  c.protocol.max_version = o.outer_max;
  c.protocol.records = handshake::record_protection::keep;
  c.trust_roots.pem = o.trust_root_pem.empty() ? pki.root.cert_pem() : o.trust_root_pem;
  c.server_name = "vpn.example.test";
  return handshake::tls_context::make_client(c);
}

}  // namespace

gateway_env::gateway_env(const gateway_options& o)
    : pki(make_test_pki()), config{.outer_tls = outer_server(pki, o)}, options(o) {
  const auto added = store.add_roots("test-root", pki.root.cert_pem(), std::time(nullptr));
  EXPECT_TRUE(added.ok) << added.message;
  // 172.16.201.0/28 minus the gateway's .1: .2 .. .14; smaller pools by exclusion.
  pool::pool_settings ps;
  ps.ranges.push_back({addr(0), 28});
  ps.excluded.push_back(addr(1));
  for (int i = 2 + o.pool_size; i <= 14; ++i) ps.excluded.push_back(addr(static_cast<uint8_t>(i)));
  pool = std::make_unique<pool::ip_pool>(ps, o.workers);
  eap.emplace(auth::eap_tls_server_settings{.certificate_chain = {.pem = pki.server.cert_pem()},
                                            .private_key = {.pem = pki.server.key_pem()},
                                            .max_version = o.eap_max},
              store);
  config.eap_tls = &*eap;
  config.pool = pool.get();
  config.http.server_name = "vpn.example.test";
  config.gateway_address = addr(1);
  config.dns_primary = ipv4_address::from_octets(10, 1, 0, 53);
  config.dns_secondary = ipv4_address::from_octets(10, 1, 0, 54);
}

test_client::test_client(const gateway_env& env, const client_options& o, sessions::time_point)
    : tls(outer_client(env.pki, o)),
      eap_ctx(auth::make_eap_tls_client_context(
          {.certificate_chain = {.pem = (o.certificate ? *o.certificate : env.pki.client).cert_pem() +
                                        (o.intermediate ? o.intermediate->cert_pem() : std::string())},
           .private_key = {.pem = (o.certificate ? *o.certificate : env.pki.client).key_pem()},
           .trust_roots = {.pem = env.pki.root.cert_pem()},
           .server_name = "vpn.example.test",
           .max_version = o.eap_max})) {
  config.host = "vpn.example.test";
  config.correlation_id = "{5A433D4B-1A52-4B4B-9C4C-6E0C1C2C3D4E}";
  config.eap_identity = o.identity;
  config.eap_tls = &eap_ctx;
  config.hlak = o.hlak;
  config.call_connected_before_eap_success = o.early_call_connected;
  config.pipeline_connect_request = o.pipeline;
  if (o.sha1_only) config.call.supported_hashes = sstp::kHashSha1;
  raw_http = o.raw_http;
  tcp_out = tls.take_output();  // ClientHello
}

void test_client::tcp_receive(std::span<const uint8_t> bytes, sessions::time_point now) {
  if (tls.state() == handshake::handshake_state::failed) return;
  tls.feed(bytes);
  std::vector<uint8_t> out = tls.take_output();
  tcp_out.insert(tcp_out.end(), out.begin(), out.end());
  if (tls.state() != handshake::handshake_state::complete) return;
  if (raw_http) {
    if (!raw_http->empty()) {
      const std::vector<uint8_t> request(raw_http->begin(), raw_http->end());
      raw_http->clear();
      tls.write_app(request);
      out = tls.take_output();
      tcp_out.insert(tcp_out.end(), out.begin(), out.end());
    }
    tls.read_app(received);
    peer_closed = peer_closed || tls.peer_closed();
    return;
  }
  if (!session) {
    std::vector<uint8_t> der(static_cast<size_t>(i2d_X509(tls.peer_chain().at(0).get(), nullptr)));
    uint8_t* p = der.data();
    i2d_X509(tls.peer_chain().at(0).get(), &p);
    session.emplace(config, der, now);
  }
  std::vector<uint8_t> plaintext;
  tls.read_app(plaintext);
  if (!plaintext.empty()) session->on_stream_bytes(plaintext, now);
  if (tls.peer_closed() && !peer_closed) {
    peer_closed = true;
    session->on_closed("server sent close_notify", now);
  }
  if (tls.state() == handshake::handshake_state::failed && !session->ended())
    session->on_closed("TLS failed: " + tls.failure().describe(), now);
  flush();
}

void test_client::flush() {
  if (!session || tls.state() != handshake::handshake_state::complete || peer_closed) return;
  std::vector<uint8_t> pt = session->take_output();
  if (pt.empty()) return;
  tls.write_app(pt);
  std::vector<uint8_t> out = tls.take_output();
  tcp_out.insert(tcp_out.end(), out.begin(), out.end());
}

std::vector<uint8_t> test_client::take_tcp() {
  flush();
  if (mute) tcp_out.clear();
  return std::exchange(tcp_out, {});
}

session_harness::session_harness(gateway_env& e, const client_options& o, uint32_t worker_index)
    : env(e), worker(ready(engine)), now(sessions::time_point{} + 1000s) {
  server = std::make_unique<sessions::server_session>(
      env.config, sessions::session_id::make(worker_index, 7, 1), now, std::chrono::system_clock::now());
  client = std::make_unique<test_client>(env, o, now);
}

void session_harness::deliver(std::vector<to_control_msg> msgs) {
  for (to_control_msg& m : msgs) {
    if (tamper_to_control) tamper_to_control(m);
    std::visit(
        [this](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, stream_bytes_msg>) server->on_stream_bytes(x.phase, x.bytes, now);
          if constexpr (std::is_same_v<T, sstp_packet_msg>) server->on_sstp_packet(x.bytes, now);
          if constexpr (std::is_same_v<T, closed_msg>) server->on_closed(x.reason, now);
        },
        m);
  }
}

void session_harness::run(int max_rounds, const std::function<bool()>& stop) {
  for (int round = 0; round < max_rounds; ++round) {
    if (stop && stop()) return;
    bool moved = false;
    if (std::vector<uint8_t> c2s = client->take_tcp(); !c2s.empty()) {
      client_flushes.push_back(c2s.size());
      worker.tcp_receive(c2s);
      moved = true;
    }
    if (auto msgs = worker.take_to_control(); !msgs.empty()) {
      deliver(std::move(msgs));
      moved = true;
    }
    for (sessions::session_action& a : server->take_actions()) {
      action_log.emplace_back(sessions::action_name(a));
      worker.on_action(a);
      moved = true;
    }
    for (sessions::session_event& ev : server->take_events()) events.push_back(std::move(ev));
    if (std::vector<uint8_t> s2c = worker.take_tcp_output(); !s2c.empty()) {
      client->tcp_receive(s2c, now);
      moved = true;
    }
    for (auto& p : worker.take_vnet()) {
      vnet.push_back(std::move(p));
      moved = true;
    }
    if (!moved) return;
  }
  ADD_FAILURE() << "the session did not settle in " << max_rounds << " rounds";
}

void session_harness::advance(std::chrono::milliseconds d) {
  now += d;
  if (server->next_deadline() <= now) server->on_timer(now);
  if (client->session && client->session->next_deadline() <= now) {
    client->session->on_timer(now);
  }
  run();
}

void session_harness::run_timers_until_ended(std::chrono::seconds limit) {
  const sessions::time_point end = now + limit;
  while (!server->ended() && now < end) advance(500ms);
}

void session_harness::inject_sstp(std::span<const uint8_t> packet) {
  server->on_sstp_packet(packet, now);
  run();
}

bool session_harness::up() const {
  return server->data_path_is_up() && client->session && client->session->up();
}

size_t session_harness::count_actions(std::string_view name) const {
  return static_cast<size_t>(std::count(action_log.begin(), action_log.end(), name));
}

size_t session_harness::count_events(session_event_kind k) const {
  return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                           [k](const sessions::session_event& e) { return e.kind == k; }));
}

const sessions::session_event* session_harness::last_event(session_event_kind k) const {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (it->kind == k) return &*it;
  return nullptr;
}

std::vector<uint8_t> ipv4_packet(ipv4_address src, ipv4_address dst, uint8_t marker) {
  // IPv4 header (20) + UDP header (8) + 4 bytes of payload.
  std::vector<uint8_t> p(32, 0);
  p[0] = 0x45;
  store_be16(p.data() + 2, static_cast<uint16_t>(p.size()));
  p[8] = 64;
  p[9] = 17;
  store_be32(p.data() + 12, src.value);
  store_be32(p.data() + 16, dst.value);
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += load_be16(p.data() + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  store_be16(p.data() + 10, static_cast<uint16_t>(~sum));
  store_be16(p.data() + 20, 40000);
  store_be16(p.data() + 22, 9);
  store_be16(p.data() + 24, 12);
  p[28] = marker;
  return p;
}

}  // namespace sstpgw::testing
