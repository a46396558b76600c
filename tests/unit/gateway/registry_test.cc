// The session registry between real control channels (channel_set under a
// --no-huge EAL, no ports) and a worker played by the stand-in worker of the
// sessions tests (the real record engine with the installed keys): whole
// sessions reach the data path through ring messages; the directory rows show
// identity, address, worker and the worker's figures; kill, trust withdrawn,
// the worker's closed report, stale actions, unknown and late messages, a full
// ring, timers and the hello-timer refresh from the worker's stats.
#include <gtest/gtest.h>

#include <map>

#include "control/sessions/session_registry.hh"
#include "dataplane/ppp/frame.hh"
#include "dataplane/ppp/protocol.hh"
#include "tests/unit/eal/eal_env.hh"
#include "tests/unit/sessions/session_harness.hh"

namespace sstpgw::testing {
namespace {

using namespace std::chrono_literals;
using sessions::registry_counter;
using sessions::session_id;
using sessions::stream_phase;

[[maybe_unused]] ::testing::Environment* const kEnv = test::register_eal({}, 1);

std::vector<uint8_t> bytes_of(const rte_mbuf* chain) {
  std::vector<uint8_t> out;
  session::append_bytes(chain, out);
  return out;
}

// The worker side of one connection: ring messages <-> stand-in worker.
struct channel_peer {
  channel_peer(session::worker_end& end, session_id id, tls::aead_engine& engine)
      : we(end), id(id), worker(engine) {}

  // Whatever the stand-in worker has for control goes onto the ring.
  void to_control() {
    for (auto& msg : worker.take_to_control()) {
      session::message* m = we.alloc();
      ASSERT_NE(m, nullptr);
      m->session = id;
      m->peer_ip = 0xc6336407;  // 198.51.100.7
      m->peer_port = 40001;
      std::visit(
          [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, stream_bytes_msg>) {
              m->type = session::message_type::stream_bytes;
              m->stream_phase = x.phase == stream_phase::raw    ? session::phase::raw
                                : x.phase == stream_phase::http ? session::phase::http
                                                                : session::phase::sstp;
              m->bytes = session::make_chain(we.mbufs(), x.bytes);
            } else if constexpr (std::is_same_v<T, sstp_packet_msg>) {
              m->type = session::message_type::sstp_packet;
              m->bytes = session::make_chain(we.mbufs(), x.bytes);
            } else {
              m->type = session::message_type::closed;
              m->reason = session::close_reason::close_requested;
            }
          },
          msg);
      ASSERT_TRUE(we.send(m));
    }
  }

  // Control's messages for this worker, turned back into actions.
  size_t from_control() {
    session::message* msgs[64];
    const uint32_t n = we.receive(msgs, 64);
    for (uint32_t i = 0; i < n; ++i) {
      session::message* m = msgs[i];
      received.push_back(m->type);
      if (m->session != id) {
        ++foreign;
        session::release(m);
        continue;
      }
      sessions::session_action a = sessions::send_raw{};
      switch (m->type) {
        case session::message_type::send_raw:
          a = sessions::send_raw{bytes_of(m->bytes)};
          break;
        case session::message_type::install_keys: {
          sessions::install_keys k;
          k.keys.read = m->read_keys;
          k.keys.write = m->write_keys;
          k.consumed = m->consumed;
          k.returned = bytes_of(m->bytes);
          a = std::move(k);
          break;
        }
        case session::message_type::send_plaintext:
          a = sessions::send_plaintext{bytes_of(m->bytes)};
          break;
        case session::message_type::start_sstp:
          a = sessions::start_sstp{m->consumed, bytes_of(m->bytes)};
          break;
        case session::message_type::returned_bytes:
          a = sessions::returned_bytes{bytes_of(m->bytes)};
          break;
        case session::message_type::data_path_up:
          a = sessions::data_path_up{ipv4_address{m->client_ip}, m->ppp_form, m->max_send_frame};
          max_send_frame = m->max_send_frame;
          form = m->ppp_form;
          break;
        case session::message_type::data_path_down:
          a = sessions::data_path_down{};
          break;
        case session::message_type::close:
          a = sessions::close_connection{m->graceful};
          break;
        default:
          ADD_FAILURE() << "worker got " << session::name_of(m->type);
          session::release(m);
          continue;
      }
      session::release(m);
      worker.on_action(a);
    }
    return n;
  }

  size_t count(session::message_type t) const {
    return static_cast<size_t>(std::count(received.begin(), received.end(), t));
  }

  session::worker_end& we;
  session_id id;
  stand_in_worker worker;
  std::vector<session::message_type> received;
  size_t foreign = 0;
  uint16_t max_send_frame = 0;  // of the last data_path_up
  ppp::header_form form{};
};

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest()
      : channels_("regtest", 1, {.ring_size = 256, .messages = 511, .mbufs = 1023}), owners_(pool_prefix()) {
    EXPECT_TRUE(engine_.init());
    sessions::registry_config rc;
    rc.channel = &channels_.control();
    rc.owners = &owners_;
    rc.stats = [this](session_id id) -> std::optional<session::session_stats> {
      auto it = stats_.find(id.value);
      if (it == stats_.end()) return std::nullopt;
      return it->second;
    };
    rc.now = [this] { return now_; };
    registry_ = std::make_unique<sessions::session_registry>(env_.config, std::move(rc));
  }

  static std::span<const net::ipv4_subnet> pool_prefix() {
    static const net::ipv4_subnet p{0xac10c900, 24};
    return {&p, 1};
  }

  std::unique_ptr<channel_peer> connect(uint32_t slot, const client_options& o = {}) {
    auto p = std::make_unique<channel_peer>(channels_.worker(0), session_id::make(0, slot, 1), engine_);
    clients_.push_back(std::make_unique<test_client>(env_, o, now_));
    client_of_[p.get()] = clients_.back().get();
    return p;
  }

  // Moves bytes until nothing moves.
  void run(channel_peer& p, int max_rounds = 4000) {
    test_client& c = *client_of_.at(&p);
    for (int round = 0; round < max_rounds; ++round) {
      bool moved = false;
      if (auto b = c.take_tcp(); !b.empty()) {
        p.worker.tcp_receive(b);
        moved = true;
      }
      p.to_control();
      if (registry_->drain(now_) > 0) moved = true;
      if (p.from_control() > 0) moved = true;
      if (auto out = p.worker.take_tcp_output(); !out.empty()) {
        c.tcp_receive(out, now_);
        moved = true;
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "did not settle";
  }

  test_client& client(channel_peer& p) { return *client_of_.at(&p); }
  uint64_t counter(registry_counter c) const { return registry_->counters().get(c); }

  // Sends one message for `id` straight onto the ring (unknown / late cases).
  void inject(session_id id, session::message_type t, session::phase ph = session::phase::raw,
              std::vector<uint8_t> b = {1, 2, 3}) {
    session::message* m = channels_.worker(0).alloc();
    ASSERT_NE(m, nullptr);
    m->session = id;
    m->type = t;
    m->stream_phase = ph;
    if (!b.empty()) m->bytes = session::make_chain(channels_.worker(0).mbufs(), b);
    ASSERT_TRUE(channels_.worker(0).send(m));
  }

  gateway_env env_;
  tls::aead_engine engine_;
  session::channel_set channels_;
  session::owner_table owners_;
  std::map<uint64_t, session::session_stats> stats_;
  sessions::time_point now_ = sessions::time_point{} + 1000s;
  std::unique_ptr<sessions::session_registry> registry_;
  std::vector<std::unique_ptr<test_client>> clients_;
  std::map<channel_peer*, test_client*> client_of_;
};

TEST_F(RegistryTest, WholeSessionThroughTheRingsAndItsDirectoryRow) {
  auto p = connect(5);
  stats_[p->id.value] = {.rx_packets = 3, .rx_bytes = 300, .tx_packets = 4, .tx_bytes = 400, .generation = 1};
  run(*p);
  ASSERT_TRUE(client(*p).session && client(*p).session->up());
  const auto* s = registry_->session(p->id);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->data_path_is_up());
  EXPECT_EQ(p->count(session::message_type::install_keys), 1u);
  EXPECT_EQ(p->count(session::message_type::start_sstp), 1u);
  EXPECT_EQ(p->count(session::message_type::data_path_up), 1u);
  // The worker is told the largest whole PPP frame: the client's MRU (the
  // information field, RFC 1661; the harness's client asks for 1400) plus the
  // PPP header in the form the link uses.
  EXPECT_EQ(p->max_send_frame, 1400 + ppp::header_length(p->form, ppp::kProtoIpv4));
  EXPECT_EQ(counter(registry_counter::sessions_started), 1u);
  EXPECT_EQ(counter(registry_counter::sessions_authenticated), 1u);
  EXPECT_EQ(counter(registry_counter::data_paths_up), 1u);

  const ipv4_address addr = *s->info().address;
  EXPECT_EQ(owners_.owner_of(addr.value), 0u);
  EXPECT_EQ(p->worker.client_ip(), addr);

  ASSERT_EQ(registry_->count(), 1u);
  const auto rows = registry_->list();
  ASSERT_EQ(rows.size(), 1u);
  const auto& r = rows[0];
  EXPECT_EQ(r.id, p->id.value);
  EXPECT_EQ(r.identity, "client1");
  EXPECT_EQ(r.address, addr.to_string());
  EXPECT_EQ(r.remote, "198.51.100.7:40001");
  EXPECT_EQ(r.state, "up");
  EXPECT_EQ(r.worker, 0u);
  EXPECT_EQ(r.rx_bytes, 300u);
  EXPECT_EQ(r.tx_bytes, 400u);
  EXPECT_EQ(r.rx_packets, 3u);
  EXPECT_EQ(r.tx_packets, 4u);
  EXPECT_EQ(r.root, env_.pki.root.sha1_thumbprint());
  EXPECT_EQ(r.leaf, env_.pki.client.sha1_thumbprint());
  EXPECT_GT(r.since, 1600000000);
  std::map<std::string, std::string> d(r.details.begin(), r.details.end());
  EXPECT_EQ(d["tls"], "TLSv1.3");
  EXPECT_EQ(d["eap_identity"], "client1");
  EXPECT_EQ(d["state"], "up");
  EXPECT_FALSE(d["binding_hash"].empty());
  ASSERT_TRUE(registry_->find(p->id.value).has_value());
  EXPECT_FALSE(registry_->find(p->id.value + 1).has_value());

  std::vector<control_thread::stat_counter> stats;
  registry_->count_stats(stats);
  auto value = [&](const std::string& n) {
    for (const auto& c : stats)
      if (c.name == n) return c.value;
    return ~uint64_t{0};
  };
  EXPECT_EQ(value("registry.live"), 1u);
  EXPECT_EQ(value("sstp_call.calls_connected"), 1u);
}

TEST_F(RegistryTest, KillDisconnectsPolitelyAndTheWorkersReportEndsIt) {
  auto p = connect(6);
  run(*p);
  ASSERT_TRUE(client(*p).session && client(*p).session->up());
  const ipv4_address addr = *registry_->session(p->id)->info().address;

  EXPECT_FALSE(registry_->kill(p->id.value + 1, "no such"));
  ASSERT_TRUE(registry_->kill(p->id.value, "maintenance"));
  EXPECT_EQ(counter(registry_counter::kills), 1u);
  EXPECT_EQ(owners_.owner_of(addr.value), session::kNoOwner);
  EXPECT_EQ(registry_->count(), 0u);    // ended: not a live session any more
  EXPECT_EQ(registry_->tracked(), 1u);  // until the worker reports closed
  EXPECT_FALSE(registry_->kill(p->id.value, "twice"));
  run(*p);
  EXPECT_EQ(p->count(session::message_type::data_path_down), 1u);
  EXPECT_EQ(p->count(session::message_type::close), 1u);
  EXPECT_TRUE(p->worker.tcp_closed());
  EXPECT_TRUE(p->worker.closed_gracefully());
  EXPECT_EQ(registry_->tracked(), 0u);
  EXPECT_EQ(counter(registry_counter::worker_closed), 1u);
  EXPECT_FALSE(env_.pool->is_leased(addr));
  // The client heard why: SSTP CALL_DISCONNECT / LCP Terminate, then close_notify.
  EXPECT_TRUE(client(*p).session->ended());
}

TEST_F(RegistryTest, TrustWithdrawnEndsOnlyTheSessionsItConcerns) {
  auto p = connect(7);
  run(*p);
  ASSERT_TRUE(client(*p).session && client(*p).session->up());
  certs::store_event other{certs::store_event::kind::thumbprint_revoked,
                           *certs::parse_thumbprint("00112233445566778899aabbccddeeff00112233"), "other"};
  EXPECT_EQ(registry_->on_trust_withdrawn(other), 0u);
  EXPECT_EQ(registry_->count(), 1u);

  certs::store_event revoked{certs::store_event::kind::thumbprint_revoked,
                             *certs::parse_thumbprint(env_.pki.client.sha1_thumbprint()), "stolen laptop"};
  EXPECT_EQ(registry_->on_trust_withdrawn(revoked), 1u);
  EXPECT_EQ(counter(registry_counter::trust_disconnects), 1u);
  EXPECT_EQ(registry_->count(), 0u);
  // Within this call: the close is already on the worker's ring.
  p->from_control();
  EXPECT_EQ(p->count(session::message_type::close), 1u);
  run(*p);
  EXPECT_EQ(registry_->tracked(), 0u);
  EXPECT_TRUE(client(*p).session->ended());
}

TEST_F(RegistryTest, WorkerClosedMakesLaterActionsStale) {
  auto p = connect(8);
  run(*p);
  ASSERT_TRUE(client(*p).session && client(*p).session->up());
  const ipv4_address addr = *registry_->session(p->id)->info().address;
  // The TCP connection is gone (peer RST): the worker reports it.
  inject(p->id, session::message_type::closed, session::phase::raw, {});
  registry_->drain(now_);
  // The session's data_path_down and close were not sent to the freed slot.
  EXPECT_EQ(counter(registry_counter::stale_actions), 2u);
  EXPECT_EQ(registry_->tracked(), 0u);
  EXPECT_EQ(owners_.owner_of(addr.value), session::kNoOwner);
  EXPECT_FALSE(env_.pool->is_leased(addr));
  p->from_control();
  EXPECT_EQ(p->count(session::message_type::close), 0u);
  EXPECT_EQ(p->count(session::message_type::data_path_down), 0u);
}

TEST_F(RegistryTest, UnknownAndLateMessagesStartNothing) {
  const session_id ghost = session_id::make(0, 40, 3);
  inject(ghost, session::message_type::sstp_packet);
  inject(ghost, session::message_type::stream_bytes, session::phase::http);
  inject(ghost, session::message_type::closed, session::phase::raw, {});
  inject(session_id::make(9, 1, 1), session::message_type::stream_bytes);  // no worker 9
  registry_->drain(now_);
  EXPECT_EQ(counter(registry_counter::unknown_session), 2u);
  EXPECT_EQ(counter(registry_counter::closed_before_data), 1u);
  EXPECT_EQ(counter(registry_counter::bad_worker), 1u);
  EXPECT_EQ(registry_->tracked(), 0u);

  // A session killed while bytes are still in flight: they are late, not a new session.
  auto p = connect(9);
  run(*p);
  ASSERT_TRUE(registry_->kill(p->id.value, "test"));
  inject(p->id, session::message_type::stream_bytes, session::phase::raw);
  registry_->drain(now_);
  EXPECT_EQ(counter(registry_counter::late_messages), 1u);
  EXPECT_EQ(counter(registry_counter::sessions_started), 1u);
}

TEST_F(RegistryTest, HandshakeTimeoutFiresFromTheRegistryTimers) {
  auto p = connect(10);
  // Half a ClientHello, then silence.
  auto hello = client(*p).take_tcp();
  ASSERT_GT(hello.size(), 10u);
  p->worker.tcp_receive(std::span<const uint8_t>(hello).first(10));
  p->to_control();
  registry_->drain(now_);
  EXPECT_EQ(registry_->count(), 1u);
  EXPECT_EQ(registry_->list().at(0).state, "handshake");
  now_ += 29s;
  registry_->drain(now_);
  EXPECT_EQ(registry_->count(), 1u);
  now_ += 2s;
  registry_->drain(now_);
  EXPECT_EQ(counter(registry_counter::timers_fired), 1u);
  EXPECT_EQ(registry_->count(), 0u);
  p->from_control();
  EXPECT_EQ(p->count(session::message_type::close), 1u);
  EXPECT_TRUE(p->worker.tcp_closed());
  EXPECT_FALSE(p->worker.closed_gracefully());  // nothing to say without keys: RST
}

TEST_F(RegistryTest, WorkerReceiveTimeRestartsTheHelloTimer) {
  auto p = connect(11);
  stats_[p->id.value] = {.last_rx_us = 1, .generation = 1};
  run(*p);
  ASSERT_TRUE(client(*p).session && client(*p).session->up());
  const uint64_t before = counter(registry_counter::activity_notes);
  const size_t sent_before = p->count(session::message_type::send_plaintext);
  // The client sends only data packets (the worker forwards them; control
  // sees nothing but the worker's receive time move): no ECHO_REQUEST is
  // due, however long it goes on.
  client(*p).mute = true;
  for (int i = 0; i < 150; ++i) {
    now_ += 1s;
    stats_[p->id.value].last_rx_us += 1'000'000;
    run(*p);
  }
  EXPECT_GE(counter(registry_counter::activity_notes) - before, 140u);
  EXPECT_EQ(registry_->count(), 1u);
  EXPECT_EQ(p->count(session::message_type::send_plaintext), sent_before);
  EXPECT_EQ(p->count(session::message_type::close), 0u);
  // A stats block of another generation is another connection's: ignored.
  stats_[p->id.value].generation = 2;
  const uint64_t notes = counter(registry_counter::activity_notes);
  now_ += 1s;
  stats_[p->id.value].last_rx_us += 1;
  registry_->drain(now_);
  EXPECT_EQ(counter(registry_counter::activity_notes), notes);
}

TEST_F(RegistryTest, SilentClientIsDroppedByTheHelloTimer) {
  auto p = connect(12);
  run(*p);
  ASSERT_TRUE(client(*p).session && client(*p).session->up());
  client(*p).mute = true;  // nothing more from the client, not even ECHO_RESPONSE
  for (int i = 0; i < 200 && registry_->count() == 1; ++i) {
    now_ += 1s;
    run(*p);
  }
  EXPECT_EQ(registry_->count(), 0u);
  EXPECT_EQ(registry_->tracked(), 0u);
}

TEST(RegistryCommonName, FromSubjectLines) {
  EXPECT_EQ(sessions::common_name_of("CN=alice, O=Contoso"), "alice");
  EXPECT_EQ(sessions::common_name_of("O=Contoso, CN=bob"), "bob");
  EXPECT_EQ(sessions::common_name_of("CN=a\\, b, O=x"), "a\\, b");
  EXPECT_EQ(sessions::common_name_of("O=NoName"), "O=NoName");
  EXPECT_EQ(sessions::common_name_of(""), "");
}

// A ring that cannot take the session's next message: the registry ends the
// session, drops what it still says, and control_end closes the connection
// once the ring has room.
TEST(RegistryRing, FullRingEndsTheSession) {
  gateway_env env;
  tls::aead_engine engine;
  ASSERT_TRUE(engine.init());
  session::channel_set ch("regfull", 1, {.ring_size = 1, .messages = 63, .mbufs = 255});
  sessions::registry_config rc;
  rc.channel = &ch.control();
  sessions::session_registry reg(env.config, std::move(rc));
  channel_peer p(ch.worker(0), session_id::make(0, 1, 1), engine);
  test_client c(env, {}, sessions::clock::now());
  // Fill the control->worker ring (one message) with a close for another session.
  ASSERT_TRUE(ch.control().close(session_id::make(0, 2, 1), false));
  p.worker.tcp_receive(c.take_tcp());
  p.to_control();
  reg.drain();  // the ServerHello flight does not fit
  EXPECT_EQ(reg.counters().get(registry_counter::send_failed), 1u);
  EXPECT_EQ(reg.count(), 0u);
  EXPECT_EQ(reg.tracked(), 1u);
  EXPECT_EQ(ch.control().deferred_closes(), 1u);
  p.from_control();  // the worker drains the ring: the deferred close follows
  reg.drain();
  EXPECT_EQ(ch.control().deferred_closes(), 0u);
  p.from_control();
  EXPECT_EQ(p.count(session::message_type::close), 2u);  // one for slot 2 (foreign), one for ours
  EXPECT_TRUE(p.worker.tcp_closed());
  p.to_control();
  reg.drain();
  EXPECT_EQ(reg.tracked(), 0u);
}

}  // namespace
}  // namespace sstpgw::testing
