#include "tests/unit/client/memory_link.hh"

#include <gtest/gtest.h>

namespace sstpgw::testing {

using namespace std::chrono_literals;

client_files::client_files(const test_pki& pki) {
  ca = write("ca.pem", pki.root.cert_pem());
  std::tie(cert, key) = write_pair("client", pki.client);
  options.server = "127.0.0.1";
  options.sni = "vpn.example.test";
  options.ca_file = ca;
  options.cert_file = cert;
  options.key_file = key;
}

std::string client_files::write(const std::string& name, const std::string& text) {
  const std::string path = dir.file(name);
  write_file(path, text);
  return path;
}

std::pair<std::string, std::string> client_files::write_pair(const std::string& name, const issued_cert& c) {
  return {write(name + ".crt", c.cert_pem()), write(name + ".key", c.key_pem())};
}

memory_link::memory_link(gateway_env& env, const client::client_options& options,
                         const gateway_behaviour& behaviour, uint32_t slot)
    : now(sessions::time_point{} + 1000s) {
  setup = std::make_unique<client::client_setup>(options);
  gateway = std::make_unique<stand_in_gateway>(env, behaviour, slot, now);
  client = std::make_unique<client::tunnel_client>(setup->tunnel(), now);
}

void memory_link::run() {
  for (int round = 0; round < 5000; ++round) {
    bool moved = false;
    if (std::vector<uint8_t> c2s = client->take_tcp_output(); !c2s.empty() && !server_closed_tcp) {
      gateway->tcp_receive(c2s, now);
      moved = true;
    }
    if (std::vector<uint8_t> s2c = gateway->take_tcp_output(); !s2c.empty() && !client_closed_tcp) {
      client->on_tcp_bytes(s2c, now);
      moved = true;
    }
    // The owner closes the socket once the client finished and its output is out.
    if (client->finished() && !client->has_tcp_output() && !client_closed_tcp) {
      client_closed_tcp = true;
      gateway->tcp_gone("client closed the TCP connection", now);
      moved = true;
    }
    if (gateway->closed() && !server_closed_tcp) {
      server_closed_tcp = true;
      // Whatever the worker sent before closing was taken above; the FIN follows.
      if (std::vector<uint8_t> s2c = gateway->take_tcp_output(); !s2c.empty() && !client_closed_tcp)
        client->on_tcp_bytes(s2c, now);
      client->on_tcp_closed("the server closed the TCP connection", now);
      moved = true;
    }
    if (!moved) return;
  }
  ADD_FAILURE() << "the memory link did not settle";
}

void memory_link::advance(std::chrono::milliseconds d) {
  now += d;
  if (client->next_deadline() <= now) client->on_timer(now);
  gateway->on_timer(now);
  run();
}

void memory_link::run_until_finished(std::chrono::seconds limit) {
  run();
  const sessions::time_point end = now + limit;
  while (!client->finished() && now < end) advance(250ms);
}

void memory_link::run_until_server_ended(std::chrono::seconds limit) {
  const sessions::time_point end = now + limit;
  while (!gateway->server().ended() && now < end) advance(250ms);
}

}  // namespace sstpgw::testing
