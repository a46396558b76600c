// The client configuration package: everything a user installs on a Windows or
// Linux computer to connect to this gateway with certificate authentication. The
// gateway builds it (it knows its name, its CA and the VNet routes); sstpctl
// writes the files. Pure text generation, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sstpgw::package {

struct client_package_input {
  std::string connection_name = "sstpgw";  // the VPN profile's name on the client
  std::string server_name;                 // DNS name clients dial; must match the server certificate
  uint16_t port = 443;
  std::string ca_pem;                      // the CA that signed the server's certificate (PEM)
  std::vector<std::string> routes;         // VNet prefixes reached through the tunnel, "10.1.0.0/16"
  std::vector<std::string> dns_servers;    // handed out by IPCP too; listed for the README
  std::string eap_tls_max_version = "1.2"; // pppd 2.4.9's EAP-TLS is solid on 1.2 only
};

struct package_file {
  std::string path;     // relative, e.g. "windows/Install-VpnProfile.ps1"
  std::string content;  // may be binary (the DER certificate)
  bool executable = false;
};

// Throws std::invalid_argument with a one-line reason for an input the clients
// would choke on (empty or malformed server name, bad route prefix, no CA,
// characters that would break the generated scripts).
std::vector<package_file> build_client_package(const client_package_input& in);

}  // namespace sstpgw::package
