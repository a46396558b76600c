#include "control/client/client_options.hh"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#ifndef SSTPGW_VERSION
#define SSTPGW_VERSION "unknown"
#endif

namespace sstpgw::client {

namespace {

constexpr const char* kDescription =
    "sstp-client: the sstpgw test client. Connects to an SSTP server over TLS, authenticates with\n"
    "EAP-TLS and a client certificate, binds the call (crypto binding) and gets an IPv4 address by\n"
    "IPCP; then carries packets through a TUN device (--tun, root), sends ICMP echo requests itself\n"
    "(--ping, no root needed), or just holds the tunnel up.";

constexpr const char* kExamples =
    "Examples:\n"
    "  sstp-client --server 192.0.2.1 --sni vpn.example.test --ca ca.pem --cert c.crt --key c.key \\\n"
    "      --ping 172.16.201.1 --count 3\n"
    "  sstp-client --server vpn.example.test --ca ca.pem --p12 client.p12 --password-env P12_PASS \\\n"
    "      --tun sstp0 --route 10.1.0.0/16\n";

struct raw_options {
  std::string tls_max = "1.3";
  std::string eap_tls_max = "1.3";
  std::string hlak = "msk";
  int timeout = 30;
  int count = 3;
  double interval = 1.0;
  std::string ping;
  std::vector<std::string> routes;
};

// Adds every option to app, bound to o and r. Shared by parsing and --help.
void describe(CLI::App& app, client_options& o, raw_options& r) {
  app.description(kDescription);
  app.footer(std::string("\n") + kExamples + "\n" + exit_status_help());
  app.set_version_flag("--version", SSTPGW_VERSION);
  app.get_formatter()->column_width(34);

  app.add_option("--server", o.server, "SSTP server: host name or IPv4 address")->required();
  app.add_option("--port", o.port, "TCP port")->default_val(443);
  app.add_option("--sni", o.sni,
                 "server name for SNI, certificate check and the Host header (default: --server)");
  app.add_option("--ca", o.ca_file, "PEM file with the root(s) the server certificate must chain to")
      ->required();
  auto* cert = app.add_option("--cert", o.cert_file, "client certificate (PEM; chain may follow)");
  auto* key = app.add_option("--key", o.key_file, "client private key (PEM, unencrypted)");
  auto* p12 = app.add_option("--p12", o.p12_file, "client certificate and key as PKCS#12");
  auto* pass =
      app.add_option("--password-env", o.password_env, "environment variable with the PKCS#12 password");
  cert->needs(key);
  key->needs(cert);
  p12->excludes(cert)->excludes(key);
  pass->needs(p12);
  app.add_option("--identity", o.identity, "EAP identity (default: the client certificate's CN)");
  app.add_option("--tls-max", r.tls_max, "highest outer TLS version")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->default_val("1.3");
  app.add_option("--eap-tls-max", r.eap_tls_max, "highest EAP-TLS version")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->default_val("1.3");
  app.add_option("--hlak", r.hlak,
                 "crypto binding key: msk = MSK[0..31] (MS-SSTP), legacy = MSK[0..15]||MSK[32..47] (pppd)")
      ->check(CLI::IsMember({"msk", "legacy"}))
      ->default_val("msk");
  app.add_option("--keylog", o.keylog_file, "append TLS secrets (NSS key log) to FILE, for tshark");
  app.add_option("--timeout", r.timeout, "seconds to get the tunnel up")
      ->check(CLI::Range(1, 3600))
      ->default_val(30);
  auto* tun =
      app.add_option("--tun", o.tun_name, "create TUN device NAME and route packets through it (root)");
  auto* route =
      app.add_option("--route", r.routes, "with --tun: route PREFIX (a.b.c.d/n) through the tunnel");
  auto* ping =
      app.add_option("--ping", r.ping, "send ICMP echo requests to ADDR through the tunnel (no TUN)");
  auto* count = app.add_option("--count", r.count, "with --ping: number of echo requests")
                    ->check(CLI::Range(1, 100000))
                    ->default_val(3);
  auto* interval = app.add_option("--interval", r.interval, "with --ping: seconds between echo requests")
                       ->check(CLI::Range(0.01, 60.0))
                       ->default_val(1.0);
  route->needs(tun);
  tun->excludes(ping);
  count->needs(ping);
  interval->needs(ping);
  app.add_flag("--once", o.once, "disconnect as soon as the tunnel is up (after --ping: when it is done)");
  app.add_flag("-v,--verbose", o.verbose, "log every protocol step to stderr");
}

run_result usage(std::string line) { return {exit_status::usage, std::move(line)}; }

}  // namespace

std::string help_text() {
  CLI::App app("sstp-client", "sstp-client");
  client_options o;
  raw_options r;
  describe(app, o, r);
  return app.help();
}

parse_outcome parse_command_line(int argc, const char* const* argv) {
  CLI::App app("sstp-client", "sstp-client");
  client_options o;
  raw_options r;
  describe(app, o, r);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return run_result{exit_status::ok, app.help()};
  } catch (const CLI::CallForVersion&) {
    return run_result{exit_status::ok, std::string("sstp-client ") + SSTPGW_VERSION + "\n"};
  } catch (const CLI::ParseError& e) {
    return usage(e.what());
  }

  if (o.cert_file.empty() && o.p12_file.empty())
    return usage("a client certificate is required: --cert FILE --key FILE, or --p12 FILE");
  if (!o.p12_file.empty() && o.password_env.empty())
    return usage("--p12 needs --password-env VAR (the variable may hold an empty password)");
  if (o.port == 0) return usage("--port: 0 is not a port");
  if (o.server.empty()) return usage("--server: empty");
  o.tls_max = *handshake::parse_tls_version(r.tls_max);
  o.eap_tls_max = *handshake::parse_tls_version(r.eap_tls_max);
  o.hlak = r.hlak == "legacy" ? sstp::hlak_form::eap_tls_legacy : sstp::hlak_form::eap_tls_msk;
  o.timeout = std::chrono::seconds(r.timeout);
  if (!o.tun_name.empty()) {
    if (o.tun_name.size() > 15) return usage("--tun: an interface name has at most 15 characters");
    if (o.tun_name.find_first_of("/ \t%") != std::string::npos)
      return usage("--tun: '" + o.tun_name + "' is not an interface name");
    o.mode = traffic_mode::tun;
  }
  for (const std::string& text : r.routes) {
    std::string why;
    auto p = parse_ipv4_prefix(text, &why);
    if (!p) return usage("--route " + text + ": " + why);
    o.routes.push_back(*p);
  }
  if (!r.ping.empty()) {
    std::string why;
    auto a = parse_ipv4(r.ping, &why);
    if (!a) return usage("--ping " + r.ping + ": " + why);
    o.ping_target = *a;
    o.mode = traffic_mode::ping;
    o.ping_count = static_cast<unsigned>(r.count);
    o.ping_interval = std::chrono::milliseconds(static_cast<int64_t>(r.interval * 1000.0));
  }
  return o;
}

}  // namespace sstpgw::client
