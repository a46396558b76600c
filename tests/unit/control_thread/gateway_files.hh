// A gateway configuration for tests of the control thread: a server chain (leaf,
// then the root that issued it) and key written into a scratch directory, and
// the TOML text naming them, a state directory and a control socket there.
#pragma once

#include <fmt/format.h>

#include <string>

#include "tests/support/temp_dir.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::testing {

struct gateway_files {
  std::string chain;  // server leaf + root, PEM
  std::string key;
  std::string state_dir;
  std::string socket;
  std::string toml;    // the configuration
  std::string config;  // ... written to this file
};

struct gateway_files_options {
  std::string extra_control;  // more lines for [control] (socket_mode, socket_group)
  std::string pool_ranges = R"(["172.16.201.0/29"])";
  std::string ca_certificate;  // [tls] ca_certificate, "" = none
  bool leaf_only_chain = false;
};

// The configuration text for a gateway with these files.
inline std::string gateway_toml(const std::string& state_dir, const std::string& chain,
                                const std::string& key, const std::string& socket,
                                const gateway_files_options& o = {}) {
  return fmt::format(R"([gateway]
name = "contoso-vnet"
server_name = "vpn.example.test"
state_dir = "{}"

[tls]
certificate = "{}"
private_key = "{}"
{}
listen_port = 8443

[ppp]
dns_servers = ["10.1.0.4"]

[pool]
ranges = {}

[vnet]
prefixes = ["10.1.0.0/16", "192.168.50.0/24"]

[dataplane]
workers = 2

[dataplane.client_port]
device = "net_null0"
address = "192.0.2.10/24"

[dataplane.vnet_port]
device = "net_null1"
address = "10.1.255.4/16"

[control]
socket = "{}"
{}
)",
                     state_dir, chain, key,
                     o.ca_certificate.empty() ? "" : fmt::format("ca_certificate = \"{}\"", o.ca_certificate),
                     o.pool_ranges, socket, o.extra_control);
}

inline gateway_files write_gateway_files(const temp_dir& tmp, const test_pki& pki,
                                         const gateway_files_options& o = {}) {
  gateway_files f;
  f.chain = tmp.file("server.chain.pem");
  f.key = tmp.file("server.key");
  f.state_dir = tmp.file("state");
  f.socket = tmp.file("run/sstpgw.sock");
  f.config = tmp.file("sstpgw.toml");
  write_file(f.chain, pki.server.cert_pem() + (o.leaf_only_chain ? "" : pki.root.cert_pem()));
  write_file(f.key, pki.server.key_pem());
  f.toml = gateway_toml(f.state_dir, f.chain, f.key, f.socket, o);
  write_file(f.config, f.toml);
  return f;
}

}  // namespace sstpgw::testing
