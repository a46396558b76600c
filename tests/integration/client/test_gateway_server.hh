// A small SSTP server for sstp-client's integration tests, from the existing
// pieces over real kernel TCP: a listening socket on 127.0.0.1 and, per
// accepted connection, a stand_in_gateway (server_session behind the
// sessions tests' stand-in worker with the real record engine, plus a VNet
// that answers ICMP echo). One thread owns all of it; the test thread only
// starts it, reads the PKI, and collects what each session ended with.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control/client/tun_device.hh"
#include "tests/unit/client/stand_in_gateway.hh"

namespace sstpgw::testing {

// A real VNet host: a TUN device in another network namespace, so that
// kernel's stack (ping replies, TCP servers) answers the clients' packets.
struct vnet_host_options {
  std::string netns;     // a name under /var/run/netns
  std::string device;    // the TUN device made there
  ipv4_address address;  // the host's address on it
  ipv4_prefix clients;   // routed back through the device (the client pool)
  ipv4_address gateway;  // the device's peer address
};

struct test_server_options {
  gateway_options gateway;
  gateway_behaviour behaviour;
  bool silent = false;  // accept connections but never read or answer
  // Listen on 127.0.0.1 inside this network namespace (a name under
  // /var/run/netns) instead of the test's own; needs root.
  std::string netns;
  // VNet packets go to this host instead of the in-test echo responder (needs root).
  std::optional<vnet_host_options> vnet_host;
  // Runs on the gateway's state before the server starts (trust another root, revoke a certificate).
  std::function<void(gateway_env&)> prepare;
};

// What one session ended with, as the server saw it.
struct server_session_record {
  bool was_up = false;
  std::string end_reason;
  std::string tls_version;
  std::optional<ipv4_address> address;  // the one the data path came up with
  std::optional<sstp::hash_protocol> binding_hash;
  std::optional<sstp::hlak_form> hlak_form;
  std::string eap_identity;
  uint64_t echoes_answered = 0;
  std::vector<std::vector<uint8_t>> vnet;  // IPv4 packets for the VNet that were not echo requests
};

class test_gateway_server {
 public:
  explicit test_gateway_server(const test_server_options& options = {});
  ~test_gateway_server();
  test_gateway_server(const test_gateway_server&) = delete;
  test_gateway_server& operator=(const test_gateway_server&) = delete;

  uint16_t port() const { return port_; }
  // The certificates (immutable once made; safe to read from the test thread).
  const test_pki& pki() const { return env_->pki; }

  // Waits until at least n sessions ended (or the timeout) and returns all records so far.
  std::vector<server_session_record> wait_for_ended(size_t n, std::chrono::seconds timeout);
  // The n-th session to end (1-based), waiting up to 20 s; a test failure and
  // an empty record if it did not end.
  server_session_record ended_session(size_t n = 1);

 private:
  struct connection;
  void loop();
  void accept_all();
  void service(connection& c);
  void flush(connection& c);
  void read_vnet_host();

  test_server_options options_;
  std::unique_ptr<gateway_env> env_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  std::unique_ptr<client::tun_device> vnet_tun_;
  uint16_t port_ = 0;
  uint32_t next_slot_ = 1;
  std::vector<std::unique_ptr<connection>> connections_;  // server thread only

  std::mutex mutex_;
  std::condition_variable ended_cv_;
  std::vector<server_session_record> ended_;  // guarded by mutex_

  std::thread thread_;
};

}  // namespace sstpgw::testing
