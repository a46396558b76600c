// One whole SSTP connection in memory: a test client (the outer TLS by a
// client tls_endpoint in keep mode, client_session above it) ⇄ the stand-in
// worker (record engine with the installed keys, SSTP framing, hand-back) ⇄
// server_session, with real certificates (test_pki), a certificate store, an
// address pool and the EAP-TLS server factory. Time is simulated.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/auth/eap_tls_context.hh"
#include "control/certs/cert_store.hh"
#include "control/handshake/tls_endpoint.hh"
#include "control/pool/ip_pool.hh"
#include "control/sessions/client_session.hh"
#include "control/sessions/server_session.hh"
#include "tests/support/test_pki.hh"
#include "tests/unit/sessions/stand_in_worker.hh"

namespace sstpgw::testing {

using handshake::tls_version;

struct gateway_options {
  tls_version outer_max = tls_version::tls1_3;
  tls_version outer_min = tls_version::tls1_2;
  tls_version eap_max = tls_version::tls1_2;
  int pool_size = 13;  // 172.16.201.2 ..
  uint32_t workers = 1;
};

// What every session of a test shares: the gateway's configuration and state.
struct gateway_env {
  explicit gateway_env(const gateway_options& o = {});

  test_pki pki;
  certs::cert_store store;
  std::unique_ptr<pool::ip_pool> pool;
  std::optional<auth::eap_tls_server_factory> eap;
  sessions::server_session_config config;
  gateway_options options;
};

struct client_options {
  tls_version outer_max = tls_version::tls1_3;
  tls_version eap_max = tls_version::tls1_3;
  const issued_cert* certificate = nullptr;   // default: pki.client
  const issued_cert* intermediate = nullptr;  // sent after the client certificate
  sstp::hlak_form hlak = sstp::hlak_form::eap_tls_msk;
  bool early_call_connected = false;
  bool pipeline = false;
  bool sha1_only = false;  // the client supports only SHA-1 for the binding
  std::string identity = "client1";
  // Instead of client_session: send these plaintext bytes once the outer TLS
  // is up and collect what comes back (HTTP negatives). Empty string: send nothing.
  std::optional<std::string> raw_http;
  std::string trust_root_pem;  // the client's outer trust root; default: the test root
};

// The client: outer TLS (keep mode) + client_session on the plaintext.
class test_client {
 public:
  test_client(const gateway_env& env, const client_options& o, sessions::time_point now);

  void tcp_receive(std::span<const uint8_t> bytes, sessions::time_point now);
  std::vector<uint8_t> take_tcp();
  void flush();

  handshake::tls_endpoint tls;
  handshake::tls_context eap_ctx;
  sessions::client_session_config config;
  std::optional<sessions::client_session> session;
  bool peer_closed = false;
  bool mute = false;  // drops everything the client would send (a silent client)
  std::optional<std::string> raw_http;
  std::vector<uint8_t> received;  // plaintext from the server (raw_http mode)
  std::vector<uint8_t> tcp_out;
};

class session_harness {
 public:
  session_harness(gateway_env& env, const client_options& o = {}, uint32_t worker = 0);

  // Moves everything until nothing moves (or `stop` says so).
  void run(int max_rounds = 2000, const std::function<bool()>& stop = {});
  // Advances the clock by d, fires due timers on both sides, runs.
  void advance(std::chrono::milliseconds d);
  // Advances in steps until the server session ended or `limit` passed.
  void run_timers_until_ended(std::chrono::seconds limit);

  // Delivers an SSTP packet to the server session as the worker would (e.g.
  // a crafted one) and runs.
  void inject_sstp(std::span<const uint8_t> packet);
  void deliver(std::vector<to_control_msg> msgs);

  bool up() const;
  size_t count_actions(std::string_view name) const;
  size_t count_events(sessions::session_event_kind k) const;
  const sessions::session_event* last_event(sessions::session_event_kind k) const;

  gateway_env& env;
  tls::aead_engine engine;
  stand_in_worker worker;
  sessions::time_point now;
  std::unique_ptr<sessions::server_session> server;
  std::unique_ptr<test_client> client;
  std::vector<std::string> action_log;  // names, in order
  std::vector<size_t> client_flushes;   // sizes of what the client sent, flush by flush
  std::vector<sessions::session_event> events;
  std::vector<std::vector<uint8_t>> vnet;  // IPv4 packets the worker sent to the VNet
  // Lets a test see (and change) what goes to the server session.
  std::function<void(to_control_msg&)> tamper_to_control;
};

// A minimal IPv4/UDP packet from src to dst.
std::vector<uint8_t> ipv4_packet(ipv4_address src, ipv4_address dst, uint8_t marker);

}  // namespace sstpgw::testing
