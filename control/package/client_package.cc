#include "control/package/client_package.hh"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

#include "control/common/ossl.hh"
#include "dataplane/common/ipv4_address.hh"

namespace sstpgw::package {
namespace {

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument(why); }

bool is_ipv4(const std::string& s) { return parse_ipv4(s).has_value(); }

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t label = 0;
  char prev = '.';
  for (char c : s) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && label > 0)) {
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

bool is_profile_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::string pem_to_der(const std::string& pem) {
  ossl::bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) refuse("the CA certificate is not a PEM certificate");
  int n = i2d_X509(cert.get(), nullptr);
  std::string der(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert.get(), &p);
  return der;
}

std::string join(const std::vector<std::string>& items, const char* quote, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + std::string(quote) + i + quote;
  return out;
}

std::string server_address(const client_package_input& in) {
  return in.port == 443 ? in.server_name : fmt::format("{}:{}", in.server_name, in.port);
}

std::string windows_script(const client_package_input& in) {
  return fmt::format(R"(# Installs the "{name}" SSTP VPN profile: certificate authentication (EAP-TLS)
# to {server}, split tunnel to the VNet routes below.
#
#   powershell -ExecutionPolicy Bypass -File .\Install-VpnProfile.ps1 -ClientCertificate .\client.p12
#   (add -AllUsers, in an elevated PowerShell, for a machine-wide profile and CA)
param(
  [string]$ClientCertificate = "",
  [switch]$AllUsers
)
$ErrorActionPreference = "Stop"
$Name = '{name}'
$Server = '{server}'
$Routes = @({routes})

# SSTP checks the gateway's certificate chain: trust the CA that issued it.
$CaFile = Join-Path $PSScriptRoot '..\ca.cer'
$RootStore = if ($AllUsers) {{ 'Cert:\LocalMachine\Root' }} else {{ 'Cert:\CurrentUser\Root' }}
Import-Certificate -FilePath $CaFile -CertStoreLocation $RootStore | Out-Null

# Your client certificate (issued by a root the gateway trusts) goes to your personal store.
if ($ClientCertificate -ne "") {{
  $Password = Read-Host -AsSecureString "Password for $ClientCertificate"
  Import-PfxCertificate -FilePath $ClientCertificate -CertStoreLocation Cert:\CurrentUser\My -Password $Password | Out-Null
}}

$Scope = @{{}}
if ($AllUsers) {{ $Scope['AllUserConnection'] = $true }}
if (Get-VpnConnection -Name $Name @Scope -ErrorAction SilentlyContinue) {{
  Remove-VpnConnection -Name $Name @Scope -Force
}}
$Eap = New-EapConfiguration -Tls -VerifyServerIdentity -UserCertificate
Add-VpnConnection -Name $Name -ServerAddress $Server -TunnelType Sstp -AuthenticationMethod Eap `
  -EapConfigXmlStream $Eap.EapConfigXmlStream -EncryptionLevel Required -SplitTunneling `
  -RememberCredential -Force @Scope
foreach ($Route in $Routes) {{
  Add-VpnConnectionRoute -ConnectionName $Name -DestinationPrefix $Route @Scope
}}
Write-Host "Installed VPN profile '$Name' for $Server. Connect from Settings > Network & internet > VPN."
)",
                     fmt::arg("name", in.connection_name), fmt::arg("server", server_address(in)),
                     fmt::arg("routes", join(in.routes, "'", ", ")));
}

std::string pppd_peer(const client_package_input& in) {
  return fmt::format(R"(# pppd peer file for the "{name}" SSTP VPN: sstp-client carries PPP over TLS to
# {server}; pppd authenticates with your certificate (EAP-TLS).
# Install: /etc/ppp/peers/{name}, with ca.crt, client.crt and client.key in
# /etc/sstpgw/{name}/ (key mode 0600); set "name" to your certificate's
# subject CN. Connect: pon {name}   Disconnect: poff {name}
pty "sstpc --ipparam {name} --nolaunchpppd --ca-cert /etc/sstpgw/{name}/ca.crt {server}"
name client
remotename {name}
linkname {name}
ipparam {name}
plugin sstp-pppd-plugin.so
sstp-sock /var/run/sstpc/sstpc-{name}
ca /etc/sstpgw/{name}/ca.crt
cert /etc/sstpgw/{name}/client.crt
key /etc/sstpgw/{name}/client.key
max-tls-version {tls}
need-peer-eap
refuse-pap
refuse-chap
refuse-mschap
refuse-mschap-v2
noauth
nodefaultroute
usepeerdns
noipdefault
nobsdcomp
nodeflate
novj
)",
                     fmt::arg("name", in.connection_name), fmt::arg("server", server_address(in)),
                     fmt::arg("tls", in.eap_tls_max_version));
}

std::string pppd_routes_hook(const client_package_input& in) {
  std::string routes;
  for (const auto& r : in.routes) routes += fmt::format("ip route replace {} dev \"$PPP_IFACE\"\n", r);
  return fmt::format(R"(#!/bin/sh
# /etc/ppp/ip-up.d/{name}-routes: routes to the VNet through the "{name}" tunnel.
# pppd runs every ip-up.d script for every link; act only on ours.
[ "$PPP_IPPARAM" = "{name}" ] || exit 0
{routes})",
                     fmt::arg("name", in.connection_name), fmt::arg("routes", routes));
}

std::string networkmanager_profile(const client_package_input& in) {
  std::string routes;
  for (size_t i = 0; i < in.routes.size(); ++i) routes += fmt::format("route{}={}\n", i + 1, in.routes[i]);
  return fmt::format(R"([connection]
id={name}
type=vpn
autoconnect=false

[vpn]
service-type=org.freedesktop.NetworkManager.sstp
gateway={server}
connection-type=tls
ca-cert=/etc/sstpgw/{name}/ca.crt
tls-ca-cert=/etc/sstpgw/{name}/ca.crt
tls-user-cert=/etc/sstpgw/{name}/client.crt
tls-user-key=/etc/sstpgw/{name}/client.key
tls-user-key-secret-flags=0
tls-max-version={tls}
refuse-pap=yes
refuse-chap=yes
refuse-mschap=yes
refuse-mschapv2=yes

[ipv4]
method=auto
never-default=true
{routes}
[ipv6]
method=ignore
)",
                     fmt::arg("name", in.connection_name), fmt::arg("server", server_address(in)),
                     fmt::arg("tls", in.eap_tls_max_version), fmt::arg("routes", routes));
}

std::string readme(const client_package_input& in) {
  return fmt::format(R"(VPN client package for "{name}"
================================

Server:      {server} (SSTP, TCP {port})
Routes:      {routes}
DNS servers: {dns}
Sign-in:     your client certificate (EAP-TLS); it must be issued by a root
             certificate the gateway operator has added, and carry the
             "Client Authentication" extended key usage.

Files
  ca.cer / ca.crt          the CA that issued the gateway's certificate (DER / PEM)
  windows/Install-VpnProfile.ps1
                           creates the Windows VPN profile (Windows 10/11)
  linux/ppp/peers/{name}   pppd + sstp-client peer file
  linux/ppp/ip-up.d/{name}-routes
                           adds the VNet routes when the tunnel comes up
  linux/{name}.nmconnection
                           NetworkManager profile (network-manager-sstp)
  routes.txt               the VNet prefixes, one per line

Windows
  1. Get your client certificate as a password-protected .p12 from your administrator.
  2. powershell -ExecutionPolicy Bypass -File windows\Install-VpnProfile.ps1 -ClientCertificate C:\path\client.p12
  3. Connect from Settings > Network & internet > VPN > {name}.

Linux (Debian/Ubuntu: apt install sstp-client ppp)
  1. mkdir -p /etc/sstpgw/{name}; copy ca.crt there, and your client.crt and
     client.key (chmod 600 client.key).
  2. cp linux/ppp/peers/{name} /etc/ppp/peers/; set "name" in it to your
     certificate's CN.
  3. install -m 755 linux/ppp/ip-up.d/{name}-routes /etc/ppp/ip-up.d/
  4. pon {name}     (or import linux/{name}.nmconnection into NetworkManager:
     install -m 600 it to /etc/NetworkManager/system-connections/ and run
     nmcli connection reload; nmcli connection up {name})

Troubleshooting
  - The server name you connect to must match the gateway certificate's name.
  - sstp-client sometimes reports "The event loop terminated unsuccessfully"
    right after "Connected" on fast links (a client-side race); connect again.
)",
                     fmt::arg("name", in.connection_name), fmt::arg("server", in.server_name),
                     fmt::arg("port", in.port), fmt::arg("routes", in.routes.empty() ? "(none)" : join(in.routes, "", ", ")),
                     fmt::arg("dns", in.dns_servers.empty() ? "(none)" : join(in.dns_servers, "", ", ")));
}

}  // namespace

std::vector<package_file> build_client_package(const client_package_input& in) {
  if (!is_profile_name(in.connection_name))
    refuse("connection name \"" + in.connection_name + "\" must be 1-64 letters, digits, '-', '_' or '.'");
  if (!is_host_name(in.server_name) && !is_ipv4(in.server_name))
    refuse("server name \"" + in.server_name + "\" is not a DNS name or IPv4 address");
  if (in.port == 0) refuse("server port must not be 0");
  for (const auto& r : in.routes)
    if (!parse_ipv4_prefix(r)) refuse("route \"" + r + "\" is not an IPv4 prefix like 10.1.0.0/16 (host bits must be 0)");
  for (const auto& d : in.dns_servers)
    if (!is_ipv4(d)) refuse("DNS server \"" + d + "\" is not an IPv4 address");
  if (in.eap_tls_max_version != "1.2" && in.eap_tls_max_version != "1.3")
    refuse("EAP-TLS version must be 1.2 or 1.3");
  if (in.ca_pem.empty()) refuse("no CA certificate: the gateway's server certificate chain is not configured");
  const std::string der = pem_to_der(in.ca_pem);

  std::string routes_txt;
  for (const auto& r : in.routes) routes_txt += r + "\n";
  const std::string& n = in.connection_name;
  return {
      {"README.txt", readme(in)},
      {"ca.cer", der},
      {"ca.crt", in.ca_pem},
      {"routes.txt", routes_txt},
      {"windows/Install-VpnProfile.ps1", windows_script(in)},
      {"linux/ppp/peers/" + n, pppd_peer(in)},
      {"linux/ppp/ip-up.d/" + n + "-routes", pppd_routes_hook(in), true},
      {"linux/" + n + ".nmconnection", networkmanager_profile(in)},
  };
}

}  // namespace sstpgw::package
