// sstp-client's tunnel against the stand-in gateway in memory, with simulated
// time: the client is configured the way the binary configures it (client
// options → client_setup, certificates and keys in PEM files), the server is
// server_session behind the stand-in worker. Bytes move until nothing moves.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "control/client/client_options.hh"
#include "control/client/client_setup.hh"
#include "control/client/tunnel_client.hh"
#include "tests/support/temp_dir.hh"
#include "tests/unit/client/stand_in_gateway.hh"

namespace sstpgw::testing {

// PEM files of a test PKI written to a temp dir, and client options naming them.
struct client_files {
  explicit client_files(const test_pki& pki);
  // Writes a certificate + key pair under `name` and returns {cert path, key path}.
  std::pair<std::string, std::string> write_pair(const std::string& name, const issued_cert& c);
  std::string write(const std::string& name, const std::string& text);

  temp_dir dir;
  std::string ca;    // the test root
  std::string cert;  // the test client certificate
  std::string key;
  client::client_options options;  // --server 127.0.0.1 --sni vpn.example.test --ca --cert --key
};

class memory_link {
 public:
  memory_link(gateway_env& env, const client::client_options& options,
              const gateway_behaviour& behaviour = {}, uint32_t slot = 7);

  // Moves bytes both ways until nothing moves.
  void run();
  // Advances the clock, fires due timers on both sides, runs.
  void advance(std::chrono::milliseconds d);
  // Advances in steps until the client finished or `limit` passed.
  void run_until_finished(std::chrono::seconds limit = std::chrono::seconds(120));
  // Advances until the server session ended too (after the client finished).
  void run_until_server_ended(std::chrono::seconds limit = std::chrono::seconds(30));

  sessions::time_point now;
  std::unique_ptr<client::client_setup> setup;
  std::unique_ptr<client::tunnel_client> client;
  std::unique_ptr<stand_in_gateway> gateway;
  bool client_closed_tcp = false;
  bool server_closed_tcp = false;
};

}  // namespace sstpgw::testing
