#include "control/config/gateway_config.hh"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "dataplane/common/ipv4_address.hh"
#include "dataplane/common/log.hh"

namespace sstpgw::config {
namespace {

// Reads one TOML table into typed fields, remembering which keys it consumed so
// that whatever is left over is reported as unknown.
class section_reader {
 public:
  section_reader(const toml::table* table, std::string name, const std::string& source)
      : table_(table), name_(std::move(name)), source_(source) {}

  void read(const char* key, std::string& out) {
    if (auto* n = node(key)) {
      auto v = n->value<std::string>();
      if (!v) fail(*n, key, "expected a string");
      out = *v;
    }
  }
  template <typename Int>
  void read(const char* key, Int& out, int64_t min, int64_t max) {
    if (auto* n = node(key)) {
      auto v = n->value<int64_t>();
      if (!n->is_integer() || !v) fail(*n, key, "expected an integer");
      if (*v < min || *v > max) fail(*n, key, fmt::format("must be between {} and {}", min, max));
      out = static_cast<Int>(*v);
    }
  }
  void read(const char* key, std::vector<std::string>& out) {
    if (auto* n = node(key)) {
      const toml::array* a = n->as_array();
      if (!a) fail(*n, key, "expected an array of strings");
      out.clear();
      for (const auto& e : *a) {
        auto v = e.value<std::string>();
        if (!e.is_string() || !v) fail(e, key, "expected an array of strings");
        out.push_back(*v);
      }
    }
  }
  // Reads "0660"-style octal permission strings.
  void read_mode(const char* key, uint32_t& out) {
    std::string text;
    read(key, text);
    if (text.empty()) return;
    size_t used = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(text, &used, 8);
    } catch (...) {
      used = 0;
    }
    if (used != text.size() || v > 0777) fail(*table_->get(key), key, "expected an octal mode like \"0660\"");
    out = static_cast<uint32_t>(v);
  }
  section_reader sub(const char* key) {
    auto* n = node(key);
    if (n && !n->is_table()) fail(*n, key, "expected a table");
    return section_reader(n ? n->as_table() : nullptr, name_.empty() ? key : name_ + "." + key, source_);
  }
  // Every key the file has that nobody read is a typo or an unsupported option.
  void finish() const {
    if (!table_) return;
    for (const auto& [k, v] : *table_)
      if (!used_.count(std::string(k.str())))
        fail(v, std::string(k.str()).c_str(), "unknown key (misspelt, or not supported by this version)");
  }

  [[noreturn]] void fail(const toml::node& n, const char* key, const std::string& why) const {
    const std::string where = name_.empty() ? std::string(key) : fmt::format("[{}] {}", name_, key);
    throw config_error(fmt::format("{}:{}: {}: {}", source_, n.source().begin.line, where, why));
  }

 private:
  const toml::node* node(const char* key) {
    if (!table_) return nullptr;
    used_.insert(key);
    return table_->get(key);
  }
  const toml::table* table_;
  std::string name_;
  const std::string& source_;
  std::set<std::string> used_;
};

[[noreturn]] void invalid(const std::string& source, const std::string& what) {
  throw config_error(source + ": " + what);
}

void check_one_of(const std::string& source, const char* what, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  invalid(source, fmt::format("{} is \"{}\"; expected one of {}", what, value, list));
}

void read_port(section_reader s, port_config& p) {
  s.read("device", p.device);
  s.read("address", p.address);
  s.read("gateway", p.gateway);
  s.read("mtu", p.mtu, 576, 9216);
  s.finish();
}

void validate(const gateway_config& c, const std::string& src) {
  if (c.server_name.empty()) invalid(src, "[gateway] server_name is required (the DNS name clients connect to)");
  if (c.certificate.empty()) invalid(src, "[tls] certificate is required (PEM chain, leaf first)");
  if (c.private_key.empty()) invalid(src, "[tls] private_key is required");
  log_level level;
  if (!parse_log_level(c.log_level, level)) check_one_of(src, "[gateway] log_level", c.log_level, {"debug", "info", "warn", "error", "off"});
  // The worker's record engine does AES-GCM only, which TLS < 1.2 cannot use.
  check_one_of(src, "[tls] min_version", c.tls_min_version, {"1.2", "1.3"});
  check_one_of(src, "[tls] max_version", c.tls_max_version, {"1.2", "1.3"});
  if (c.tls_min_version > c.tls_max_version) invalid(src, "[tls] min_version is above max_version");
  check_one_of(src, "[eap_tls] max_version", c.eap_tls_max_version, {"1.2", "1.3"});
  if (c.hash_protocols.empty()) invalid(src, "[sstp] hash_protocols must offer at least one of sha256, sha1");
  for (const auto& h : c.hash_protocols) check_one_of(src, "[sstp] hash_protocols entry", h, {"sha256", "sha1"});
  for (const auto& d : c.dns_servers)
    if (!parse_ipv4(d)) invalid(src, fmt::format("[ppp] dns_servers entry \"{}\" is not an IPv4 address", d));
  if (c.pool_ranges.empty()) invalid(src, "[pool] ranges must name at least one client address range");
  for (const auto& r : c.pool_ranges) {
    auto p = parse_ipv4_prefix(r);
    if (!p) invalid(src, fmt::format("[pool] range \"{}\" is not a prefix like 172.16.201.0/24 (host bits 0)", r));
    if (p->length > 30) invalid(src, fmt::format("[pool] range \"{}\" is smaller than a /30", r));
  }
  for (const auto& e : c.pool_exclude)
    if (!parse_ipv4(e)) invalid(src, fmt::format("[pool] exclude entry \"{}\" is not an IPv4 address", e));
  for (const auto& r : c.vnet_prefixes)
    if (!parse_ipv4_prefix(r)) invalid(src, fmt::format("[vnet] prefix \"{}\" is not a prefix like 10.1.0.0/16", r));
  check_one_of(src, "[dataplane] hugepages", c.hugepages, {"auto", "on", "off"});
  for (const auto* p : {&c.client_port, &c.vnet_port}) {
    const char* which = p == &c.client_port ? "client_port" : "vnet_port";
    if (p->device.empty()) invalid(src, fmt::format("[dataplane.{}] device is required", which));
    if (!parse_ipv4_interface(p->address))
      invalid(src, fmt::format("[dataplane.{}] address \"{}\" must look like 192.0.2.10/24", which, p->address));
    if (!p->gateway.empty() && !parse_ipv4(p->gateway))
      invalid(src, fmt::format("[dataplane.{}] gateway \"{}\" is not an IPv4 address", which, p->gateway));
  }
}

}  // namespace

gateway_config parse_config(const std::string& toml_text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw config_error(fmt::format("{}:{}: {}", source_name, e.source().begin.line, e.description()));
  }
  gateway_config c;
  section_reader top(&root, "", source_name);

  auto g = top.sub("gateway");
  g.read("name", c.name);
  g.read("server_name", c.server_name);
  g.read("state_dir", c.state_dir);
  g.read("log_level", c.log_level);
  g.finish();

  auto t = top.sub("tls");
  t.read("certificate", c.certificate);
  t.read("private_key", c.private_key);
  t.read("ca_certificate", c.ca_certificate);
  t.read("min_version", c.tls_min_version);
  t.read("max_version", c.tls_max_version);
  t.read("keylog_file", c.keylog_file);
  t.read("listen_port", c.listen_port, 1, 65535);
  t.finish();

  auto e = top.sub("eap_tls");
  e.read("max_version", c.eap_tls_max_version);
  e.finish();

  auto s = top.sub("sstp");
  s.read("hash_protocols", c.hash_protocols);
  s.read("negotiation_timeout_s", c.negotiation_timeout_s, 1, 3600);
  s.read("hello_timeout_s", c.hello_timeout_s, 1, 3600);
  s.finish();

  auto p = top.sub("ppp");
  // PPP-in-SSTP: 4095-byte SSTP packets minus the SSTP header and PPP framing.
  p.read("mru", c.mru, 576, 4087);
  p.read("dns_servers", c.dns_servers);
  p.finish();

  auto pool = top.sub("pool");
  pool.read("ranges", c.pool_ranges);
  pool.read("exclude", c.pool_exclude);
  pool.finish();

  auto v = top.sub("vnet");
  v.read("prefixes", c.vnet_prefixes);
  v.finish();

  auto d = top.sub("dataplane");
  d.read("workers", c.workers, 1, 128);
  d.read("hugepages", c.hugepages);
  d.read("eal_args", c.eal_args);
  d.read("max_sessions", c.max_sessions, 1, 1 << 20);
  read_port(d.sub("client_port"), c.client_port);
  read_port(d.sub("vnet_port"), c.vnet_port);
  d.finish();

  auto ctl = top.sub("control");
  ctl.read("socket", c.control_socket);
  ctl.read_mode("socket_mode", c.control_socket_mode);
  ctl.read("socket_owner", c.control_socket_owner);
  ctl.read("socket_group", c.control_socket_group);
  ctl.finish();

  top.finish();
  validate(c, source_name);
  return c;
}

gateway_config load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config_error("cannot read configuration file " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace sstpgw::config
