// The gateway's configuration file (TOML): what the operator writes once per
// host. State the operator changes at run time (roots, revocations) lives in the
// state directory instead (control/state), so it survives restarts without
// editing this file. Every field has a sane default except the server identity.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sstpgw::config {

// A configuration problem: the message names the file, line and key.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct port_config {
  std::string device;     // DPDK device: a PCI address ("0000:3b:00.0") or a vdev ("net_af_packet0,iface=eth1")
  std::string address;    // our IPv4 address with prefix length on this port, "192.0.2.10/24"
  std::string gateway;    // next hop for destinations off this subnet ("" = none)
  uint16_t mtu = 1500;
};

struct gateway_config {
  // [gateway]
  std::string name = "sstpgw";             // VPN profile name in client packages, log prefix
  std::string server_name;                 // DNS name clients dial; required
  std::string state_dir = "/var/lib/sstpgw";
  std::string log_level = "info";

  // [tls]: the outer HTTPS/SSTP TLS
  std::string certificate;                 // server chain, PEM, leaf first; required
  std::string private_key;                 // PEM; required
  std::string ca_certificate;              // CA that issued the server certificate (client package); "" = last of the chain
  std::string tls_min_version = "1.2";
  std::string tls_max_version = "1.3";
  std::string keylog_file;                 // NSS key log for tshark; "" = off
  uint16_t listen_port = 443;

  // [eap_tls]: the inner certificate authentication
  std::string eap_tls_max_version = "1.2";

  // [sstp]
  std::vector<std::string> hash_protocols = {"sha256", "sha1"};
  uint32_t negotiation_timeout_s = 60;
  uint32_t hello_timeout_s = 60;

  // [ppp]
  uint16_t mru = 1400;
  std::vector<std::string> dns_servers;

  // [pool]
  std::vector<std::string> pool_ranges = {"172.16.201.0/24"};
  std::vector<std::string> pool_exclude;

  // [vnet]
  std::vector<std::string> vnet_prefixes;  // address spaces reached through the gateway

  // [dataplane]
  uint32_t workers = 1;
  std::string hugepages = "auto";          // "auto" | "on" | "off" (--no-huge)
  std::vector<std::string> eal_args;       // extra EAL arguments, appended last
  port_config client_port;                 // [dataplane.client_port]: where clients connect
  port_config vnet_port;                   // [dataplane.vnet_port]: the VNet side
  uint32_t max_sessions = 4096;

  // [control]
  std::string control_socket = "/run/sstpgw/sstpgw.sock";
  uint32_t control_socket_mode = 0660;
  std::string control_socket_owner;
  std::string control_socket_group;
};

// Parses and validates; throws config_error. Unknown keys are errors (a typo
// must not silently fall back to a default).
gateway_config parse_config(const std::string& toml_text, const std::string& source_name = "config");
gateway_config load_config(const std::string& path);

}  // namespace sstpgw::config
